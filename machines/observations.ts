/**
 * What the invoked actors report back to the machine. Types only: the machine decides on
 * these values, the actors in actors/ produce them.
 */
import type { FeatureProgress } from './features.js';

export type HealthStatus = 'HEALTHY' | 'BROKEN' | 'UNKNOWN';

export interface HealthReport {
  status: HealthStatus;
  /** Where the verdict came from: the configured command, a language fallback, the agent, or nothing. */
  source: 'configured' | 'node' | 'python' | 'reported' | 'none' | 'error';
  command?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs?: number;
  checkedAt?: string;
  detail: string;
  /** Last lines of the command's output, kept when the check fails. */
  outputTail?: string;
}

export interface Commit {
  hash: string;
  subject: string;
}

export interface GitContext {
  directory: string;
  /** Project markers found in the directory (package.json, pyproject.toml, ...). */
  markers: string[];
  isRepo: boolean;
  branch: string | null;
  commits: Commit[];
  /** Files touched by the last five commits, most recent first. */
  recentFiles: string[];
  warnings: string[];
}

export interface FeatureListReport {
  features: FeatureProgress[] | null;
}

export interface LoadedContext {
  latestSummary: string | null;
  /** Recent files from file_history.json, when that file exists. */
  fileHistory: string[] | null;
}
