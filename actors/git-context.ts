/** The safety phase's view of the project: where we are, and what git says happened lately. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Commit, GitContext } from '../machines/observations.js';
import { isProgressPath, NOT_PROGRESS } from '../services/agent-session/commit-scope.js';
import { PROJECT_MARKERS as ROOT_MARKERS } from '../services/project/project-root.js';
import { findGitDir } from '../services/project/git-dir.js';
import { operationAt } from './git.js';

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

/** What `git status --porcelain=v2 --branch` says: HEAD, the branch, and whether anything is changed (tracked, or new). */
export function parseStatusV2(output: string): { head: string | null; branch: string | null; trackedChanges: boolean; dirty: boolean } {
  const lines = output.split('\n').filter(Boolean);
  const header = (name: string) => lines.find((line) => line.startsWith(`# branch.${name} `))?.slice(`# branch.${name} `.length) ?? null;
  const oid = header('oid');
  const branch = header('head');
  const changes = lines.filter((line) => !line.startsWith('#'));
  return {
    head: oid && oid !== '(initial)' ? oid : null,
    branch: branch && branch !== '(detached)' ? branch : null,
    trackedChanges: changes.some((line) => !line.startsWith('? ')),
    dirty: changes.length > 0,
  };
}

/**
 * Two git processes for all of it (one status, one log), a third only for the diff since
 * health last passed when there is one to show. The git folder (index.lock, an operation's
 * markers) is found without a process.
 */
export async function readGitContext(projectDir: string, since: string | null = null): Promise<GitContext> {
  const markers = findMarkers(projectDir);
  const warnings: string[] = [];
  if (markers.length === 0) warnings.push(`no project markers (package.json, pyproject.toml, Cargo.toml, go.mod, .git) in ${projectDir}: run from the project root or pass its path`);
  const base: GitContext = { directory: projectDir, markers, isRepo: false, branch: null, head: null, dirty: false, operation: null, diffSinceHealthy: null, commits: [], recentFiles: [], warnings };

  const gitDir = findGitDir(projectDir);
  if (!gitDir) return base;
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: projectDir });
  // Read-only: --no-optional-locks keeps status from refreshing the index under a lock a user's git may need;
  // --no-ahead-behind spares the walk to the upstream, which nothing here reads.
  const [statusRead, logOut] = await Promise.all([
    git.raw(['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '--no-ahead-behind', '--untracked-files=normal']).then(
      (out) => ({ out, error: null }),
      (error: Error) => ({ out: null, error }),
    ),
    git.raw(['log', '-5', '--name-only', `--format=${RECORD}%h${FIELD}%s`]).catch(() => ''),
  ]);
  const operation = await operationAt(gitDir);
  if (operation) warnings.push(`a git ${operation} is in progress: finish or abort it before committing`);
  if (existsSync(path.join(gitDir, 'index.lock'))) warnings.push('.git/index.lock exists: another git process is running, or one crashed (remove the file if no git is running)');
  if (statusRead.out === null) {
    // A repository git cannot read now (a damaged index, say): say so, keep what the log says.
    warnings.push(`git status failed in this repository: ${statusRead.error?.message.trim().split('\n')[0] ?? 'no output'}`);
    return { ...base, isRepo: true, operation, ...parseLogWithFiles(logOut) };
  }
  const status = parseStatusV2(statusRead.out);
  const { head, branch, dirty } = status;
  if (head === null) {
    warnings.push('the repository has no commits yet');
    return { ...base, isRepo: true, branch, dirty, operation };
  }
  if (branch === null) warnings.push('HEAD is detached (no branch checked out)');
  // Untracked files are not in a diff: with HEAD where health passed, only tracked changes make one.
  const diffSinceHealthy =
    since && (since !== head || status.trackedChanges)
      ? (await git.raw(['--no-optional-locks', 'diff', '--stat', '--end-of-options', since, ...NOT_PROGRESS]).catch(() => '')).trimEnd() || null
      : null;
  return { ...base, isRepo: true, branch, head, dirty, operation, diffSinceHealthy, ...parseLogWithFiles(logOut) };
}
