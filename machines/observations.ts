/**
 * What the invoked actors report back to the machine. Types only: the machine decides on
 * these values, the actors in actors/ produce them.
 */

export type HealthStatus = 'HEALTHY' | 'BROKEN' | 'UNKNOWN';

export interface HealthReport {
  status: HealthStatus;
  /**
   * Where the verdict came from: the configured command, a language fallback, git (an
   * unfinished merge or rebase), the agent, a fix forced without a check, or nothing.
   */
  source: 'configured' | 'node' | 'python' | 'git' | 'reported' | 'none' | 'error' | 'untrusted' | 'skipped' | 'forced';
  /** The commit checked (full hash of HEAD), when the project is a git repository with commits. */
  head?: string;
  command?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs?: number;
  checkedAt?: string;
  detail: string;
  /** Last lines of the command's output, kept when the check fails. */
  outputTail?: string;
  /** Where the whole output of the run was kept. */
  evidence?: string;
  /** Environment variables from `required_env` that are not set (names only). */
  missingEnv?: string[];
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
  /** The full hash of HEAD, when there is one. */
  head: string | null;
  /** Uncommitted changes in the work tree. */
  dirty: boolean;
  /** A git operation left in progress (the next commit would fail). */
  operation: 'merge' | 'rebase' | 'cherry-pick' | 'revert' | null;
  /** `git diff --stat` since the last commit at which health passed, when that is not HEAD. */
  diffSinceHealthy: string | null;
  commits: Commit[];
  /** Files touched by the last five commits, most recent first. */
  recentFiles: string[];
  warnings: string[];
}


export interface LoadedContext {
  latestSummary: string | null;
  /** Recent files from file_history.json, when that file exists. */
  fileHistory: string[] | null;
}

export interface TestRunReport {
  outcome: 'passed' | 'failed' | 'timed_out' | 'not_configured';
  featureId: string | null;
  /** Which command decided the outcome (smoke_test or test_command). */
  step: 'smoke_test' | 'test_command' | null;
  reason: string;
  exitCode?: number | null;
  durationMs?: number;
  evidence?: string;
  outputTail?: string;
  at?: string;
}

export interface CommitReport {
  /** refused: it would add more new files than commit_max_files allows (detail says how to allow it). */
  status: 'committed' | 'skipped' | 'failed' | 'refused';
  featureId: string | null;
  sha?: string;
  detail: string;
}
