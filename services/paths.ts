import path from 'node:path';

/** Where baton keeps each file of a project (the spec's layout under .claude/). */
export interface ProjectPaths {
  root: string;
  progressDir: string;
  configDir: string;
  state: string;
  stateBackup: string;
  checkpoint: string;
  features: string;
  config: string;
  events: string;
  fileHistory: string;
  summaries: string;
  evidence: string;
  lock: string;
}

export function projectPaths(root: string): ProjectPaths {
  const absolute = path.resolve(root);
  const progressDir = path.join(absolute, '.claude', 'progress');
  const configDir = path.join(absolute, '.claude', 'config');
  return {
    root: absolute,
    progressDir,
    configDir,
    state: path.join(progressDir, 'state.json'),
    stateBackup: path.join(progressDir, 'state.json.bak'),
    checkpoint: path.join(progressDir, 'checkpoint.json'),
    features: path.join(progressDir, 'feature-list.json'),
    config: path.join(configDir, 'project.json'),
    events: path.join(progressDir, 'events.jsonl'),
    fileHistory: path.join(progressDir, 'file_history.json'),
    summaries: path.join(progressDir, 'summaries'),
    evidence: path.join(progressDir, 'evidence'),
    lock: path.join(progressDir, '.lock'),
  };
}

/** A path as a user sees it in messages: relative to the project when inside it. */
export function displayPath(paths: ProjectPaths, file: string): string {
  const relative = path.relative(paths.root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
