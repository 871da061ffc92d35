import { realpathSync } from 'node:fs';
import path from 'node:path';

/** Where baton keeps each file of a project (the spec's layout under .claude/). */
export interface ProjectPaths {
  /** The project root, canonical (links in the way to it resolved once, here). */
  root: string;
  claudeDir: string;
  progressDir: string;
  configDir: string;
  state: string;
  stateBackup: string;
  checkpoint: string;
  features: string;
  config: string;
  events: string;
  fileHistory: string;
  session: string;
  metrics: string;
  env: string;
  summaries: string;
  evidence: string;
  /** Copies of the feature list, by content (feature-list-history.ts). */
  featureLists: string;
  lock: string;
}

/** The real path of a directory that exists; the path as given otherwise. */
function canonical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

export function projectPaths(root: string): ProjectPaths {
  const absolute = canonical(path.resolve(root));
  const claudeDir = path.join(absolute, '.claude');
  const progressDir = path.join(claudeDir, 'progress');
  const configDir = path.join(claudeDir, 'config');
  return {
    root: absolute,
    claudeDir,
    progressDir,
    configDir,
    state: path.join(progressDir, 'state.json'),
    stateBackup: path.join(progressDir, 'state.json.bak'),
    checkpoint: path.join(progressDir, 'checkpoint.json'),
    features: path.join(progressDir, 'feature-list.json'),
    config: path.join(configDir, 'project.json'),
    events: path.join(progressDir, 'events.jsonl'),
    fileHistory: path.join(progressDir, 'file_history.json'),
    session: path.join(progressDir, 'session.json'),
    metrics: path.join(progressDir, 'metrics.json'),
    env: path.join(progressDir, 'env.json'),
    summaries: path.join(progressDir, 'summaries'),
    evidence: path.join(progressDir, 'evidence'),
    featureLists: path.join(progressDir, 'feature-lists'),
    lock: path.join(progressDir, '.lock'),
  };
}

/** A path as a user sees it in messages: relative to the project when inside it. */
export function displayPath(paths: ProjectPaths, file: string): string {
  const relative = path.relative(paths.root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
