/** The safety phase's view of the project: where we are, and what git says happened lately. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Commit, GitContext } from '../machines/observations.js';
import { isProgressPath, NOT_PROGRESS } from '../services/commit-scope.js';
import { PROJECT_MARKERS as ROOT_MARKERS } from '../services/project-root.js';
import { gitOperationInProgress, openRepository } from './git.js';

// Not state.json (the spec counts it): baton writes it before this check runs, so it would always be found.
const PROJECT_MARKERS = [...ROOT_MARKERS, '.git'];
const RECORD = '\x1e';
const FIELD = '\x1f';

export function findMarkers(projectDir: string): string[] {
  return PROJECT_MARKERS.filter((marker) => existsSync(path.join(projectDir, marker)));
}

/** Parses `git log --name-only --format=<RS>%h<US>%s`: commits, and the files they touched, newest first (baton's own left out). */
export function parseLogWithFiles(output: string, maxFiles = 5): { commits: Commit[]; recentFiles: string[] } {
  const commits: Commit[] = [];
  const files: string[] = [];
  for (const record of output.split(RECORD).slice(1)) {
    const [header = '', ...rest] = record.split('\n');
    const [hash = '', subject = ''] = header.split(FIELD);
    commits.push({ hash, subject });
    for (const file of rest.map((line) => line.trim())) if (file && !isProgressPath(file) && !files.includes(file)) files.push(file);
  }
  return { commits, recentFiles: files.slice(0, maxFiles) };
}

export async function readGitContext(projectDir: string, since: string | null = null): Promise<GitContext> {
  const markers = findMarkers(projectDir);
  const warnings: string[] = [];
  if (markers.length === 0) warnings.push(`no project markers (package.json, pyproject.toml, Cargo.toml, go.mod, .git) in ${projectDir}: run from the project root or pass its path`);
  const base: GitContext = { directory: projectDir, markers, isRepo: false, branch: null, head: null, dirty: false, operation: null, diffSinceHealthy: null, commits: [], recentFiles: [], warnings };

  const repo = await openRepository(projectDir);
  if (!repo) return base;
  const { git } = repo;
  // Looked at before any other git call: `git status` takes index.lock itself while it runs.
  const indexLock = await git.raw(['rev-parse', '--git-path', 'index.lock']).then((out) => existsSync(path.resolve(projectDir, out.trim())), () => false);
  // Read-only: --no-optional-locks keeps status from refreshing the index under a lock a user's git may need.
  const [branch, status, operation] = await Promise.all([
    git.raw(['symbolic-ref', '--short', '-q', 'HEAD']).then((out) => out.trim() || null, () => null),
    git.raw(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal']).catch(() => ''),
    gitOperationInProgress(git),
  ]);
  if (operation) warnings.push(`a git ${operation} is in progress: finish or abort it before committing`);
  if (indexLock) warnings.push('.git/index.lock exists: another git process is running, or one crashed (remove the file if no git is running)');
  const dirty = status.trim() !== '';
  let head: string | null = null;
  try {
    head = (await git.raw(['rev-parse', '--verify', '-q', 'HEAD'])).trim() || null;
  } catch {
    head = null;
  }
  if (head === null) {
    warnings.push('the repository has no commits yet');
    return { ...base, isRepo: true, branch, dirty, operation };
  }
  if (branch === null) warnings.push('HEAD is detached (no branch checked out)');
  const output = await git.raw(['log', '-5', '--name-only', `--format=${RECORD}%h${FIELD}%s`]);
  let diffSinceHealthy: string | null = null;
  if (since && (since !== head || dirty)) {
    diffSinceHealthy = (await git.raw(['--no-optional-locks', 'diff', '--stat', '--end-of-options', since, ...NOT_PROGRESS]).catch(() => '')).trimEnd() || null;
  }
  return { ...base, isRepo: true, branch, head, dirty, operation, diffSinceHealthy, ...parseLogWithFiles(output) };
}
