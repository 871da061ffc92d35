/**
 * Git operations baton performs: the feature commit and the rollback. Agent-supplied text
 * (feature ids, messages) never reaches git as an option: messages go through a file,
 * revisions after --end-of-options.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { CommitReport } from '../machines/observations.js';
import { retryWithBackoff } from './retry.js';

export async function openRepository(dir: string): Promise<{ git: SimpleGit } | null> {
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: dir });
  return (await git.checkIsRepo().catch(() => false)) ? { git } : null;
}

export type GitOperation = 'merge' | 'rebase' | 'cherry-pick' | 'revert';

/** The operation whose marker is in the git dir: files only, no git process. */
async function operationAt(gitDir: string): Promise<GitOperation | null> {
  const probes = [
    ['rebase', 'rebase-merge'],
    ['rebase', 'rebase-apply'],
    ['merge', 'MERGE_HEAD'],
    ['cherry-pick', 'CHERRY_PICK_HEAD'],
    ['revert', 'REVERT_HEAD'],
  ] as const;
  for (const [operation, marker] of probes) {
    if (await fs.stat(path.join(gitDir, marker)).then(() => true, () => false)) return operation;
  }
  return null;
}

/** merge, rebase, cherry-pick or revert left half done (a commit now would fail or be wrong). */
export async function gitOperationInProgress(git: SimpleGit): Promise<GitOperation | null> {
  const gitDir = (await git.raw(['rev-parse', '--absolute-git-dir']).catch(() => '')).trim();
  return gitDir ? operationAt(gitDir) : null;
}

export interface RepositoryHead {
  gitDir: string;
  /** The full hash of HEAD; null in a repository without commits. */
  head: string | null;
}

/** The git dir and HEAD of the repository holding `dir`, in one git process; null outside a repository. */
export async function readRepositoryHead(dir: string): Promise<RepositoryHead | null> {
  const { simpleGit } = await import('simple-git');
  const out = await simpleGit({ baseDir: dir }).raw(['rev-parse', '--absolute-git-dir', '--verify', '-q', 'HEAD']).catch(() => null);
  const [gitDir, head] = (out ?? '').split('\n').map((line) => line.trim());
  return gitDir ? { gitDir, head: head || null } : null;
}

export interface UnfinishedOperation {
  operation: GitOperation;
  /** Paths git still has as unmerged (`git ls-files -u`). */
  unmerged: string[];
  /** Tracked files with conflict markers left in them, staged or not (`git diff --check HEAD`). */
  markers: string[];
}

const CONFLICT_MARKER_LINE = /^(.+):\d+: leftover conflict marker$/;

/**
 * An unfinished merge, rebase, cherry-pick or revert that left conflicts. Costs no process
 * unless the git dir has an operation's marker.
 */
export async function unfinishedOperation(dir: string, repo: RepositoryHead): Promise<UnfinishedOperation | null> {
  const operation = await operationAt(repo.gitDir);
  if (!operation) return null;
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: dir });
  const [unmergedOut, checkOut] = await Promise.all([
    git.raw(['-c', 'core.quotePath=false', 'ls-files', '-u', '-z']).catch(() => ''),
    // Whitespace checks off: only conflict markers matter here. --check exits 2 on a finding; simple-git still returns stdout.
    git
      .raw(['-c', 'core.quotePath=false', '-c', 'core.whitespace=-trailing-space,-space-before-tab', 'diff', '--check', '--no-ext-diff', '--no-textconv', ...(repo.head ? ['HEAD'] : []), '--'])
      .catch(() => ''),
  ]);
  const unmerged = [...new Set(unmergedOut.split('\0').map((record) => record.split('\t')[1]).filter((file): file is string => Boolean(file)))];
  const markers = [...new Set(checkOut.split('\n').map((line) => CONFLICT_MARKER_LINE.exec(line)?.[1]).filter((file): file is string => Boolean(file)))];
  return unmerged.length || markers.length ? { operation, unmerged, markers } : null;
}

const isIndexLocked = (error: unknown) => /index\.lock/.test(String((error as Error)?.message ?? error));

export const FEATURE_TRAILER = 'Baton-Feature';

/**
 * Commits the work tree for a feature that passed its tests. Idempotent: re-invoked after
 * a crash (XState re-invokes running actors on restore), it finds HEAD already carrying
 * this feature's trailer with nothing left to commit, and does not commit again.
 */
export async function commitFeature(dir: string, featureId: string, description: string, enabled: boolean): Promise<CommitReport> {
  if (!enabled) return { status: 'skipped', featureId, detail: 'commit_after_feature is off' };
  const repo = await openRepository(dir);
  if (!repo) return { status: 'skipped', featureId, detail: 'not a git repository' };
  const { git } = repo;
  const operation = await gitOperationInProgress(git);
  if (operation) return { status: 'failed', featureId, detail: `a git ${operation} is in progress; finish it, then commit by hand` };

  const dirty = (await git.raw(['status', '--porcelain'])).trim() !== '';
  const headMessage = await git.raw(['log', '-1', '--format=%B']).catch(() => '');
  const trailer = `${FEATURE_TRAILER}: ${featureId}`;
  if (!dirty) {
    return headMessage.split('\n').includes(trailer)
      ? { status: 'skipped', featureId, sha: (await git.revparse(['HEAD'])).trim(), detail: 'already committed' }
      : { status: 'skipped', featureId, detail: 'nothing to commit' };
  }
  const messageFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'baton-commit-')), 'message');
  await fs.writeFile(messageFile, `feat(${featureId}): ${description || featureId}\n\n${trailer}\n`);
  try {
    await retryWithBackoff(
      async () => {
        await git.raw(['add', '-A']);
        await git.raw(['commit', '-q', '--no-verify', '-F', messageFile]);
      },
      isIndexLocked,
    );
    return { status: 'committed', featureId, sha: (await git.revparse(['HEAD'])).trim(), detail: `committed "${featureId}"` };
  } catch (error) {
    return { status: 'failed', featureId, detail: String((error as Error).message ?? error).trim() };
  } finally {
    await fs.rm(path.dirname(messageFile), { recursive: true, force: true });
  }
}

export interface RollbackPlan {
  target: string;
  head: string;
  dirty: boolean;
  diffStat: string;
}

/** baton's own files are not the user's work: a rollback neither counts nor rewinds them. */
const PROGRESS_DIR = '.claude/progress';
const NOT_PROGRESS = ['--', '.', `:(exclude)${PROGRESS_DIR}`];

export async function planRollback(dir: string, target: string): Promise<RollbackPlan> {
  const repo = await openRepository(dir);
  if (!repo) throw new Error('not a git repository');
  const { git } = repo;
  const resolved = (await git.raw(['rev-parse', '--verify', '-q', '--end-of-options', `${target}^{commit}`])).trim();
  const head = (await git.raw(['rev-parse', 'HEAD'])).trim();
  const dirty = (await git.raw(['status', '--porcelain', ...NOT_PROGRESS])).trim() !== '';
  const diffStat = (await git.raw(['diff', '--stat', '--end-of-options', resolved, ...NOT_PROGRESS])).trimEnd();
  return { target: resolved, head, dirty, diffStat };
}

/** Resets to `target`; with `stash`, uncommitted work goes to `git stash` first. Returns the stash it made. */
export async function rollbackTo(dir: string, target: string, stash: boolean): Promise<string | null> {
  const repo = await openRepository(dir);
  if (!repo) throw new Error('not a git repository');
  let stashed: string | null = null;
  if (stash) {
    await repo.git.raw(['stash', 'push', '--include-untracked', '-q', '-m', `baton rollback ${new Date().toISOString()}`, ...NOT_PROGRESS]);
    stashed = 'stash@{0}';
  }
  // The session's own record (state, event log) must survive the reset even when it is committed.
  const progress = path.join(dir, PROGRESS_DIR);
  const keep = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-progress-'));
  const hasProgress = await fs.stat(progress).then(() => true, () => false);
  if (hasProgress) await fs.cp(progress, keep, { recursive: true });
  try {
    await retryWithBackoff(() => repo.git.raw(['reset', '--hard', '-q', target]), isIndexLocked);
  } finally {
    if (hasProgress) await fs.cp(keep, progress, { recursive: true, force: true });
    await fs.rm(keep, { recursive: true, force: true });
  }
  return stashed;
}

export interface SessionGitSummary {
  commits: { hash: string; subject: string }[];
  /** Files changed since the session started: committed or not, baton's own files left out. */
  filesModified: string[];
}

/** What git says the session did: its commits and the files it touched since `since`. */
export async function sessionGitSummary(dir: string, since: string | null): Promise<SessionGitSummary> {
  const repo = await openRepository(dir);
  if (!repo) return { commits: [], filesModified: [] };
  const { git } = repo;
  const head = (await git.raw(['rev-parse', '--verify', '-q', 'HEAD']).catch(() => '')).trim();
  if (!head) return { commits: [], filesModified: [] };
  const range = since && since !== head ? [`${since}..HEAD`] : since ? [] : ['-1'];
  const log = range.length ? await git.raw(['log', '--format=%h%x1f%s', '--end-of-options', ...range]).catch(() => '') : '';
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [hash = '', subject = ''] = line.split('\x1f');
      return { hash, subject };
    });
  const base = since ?? head;
  const changed = await git.raw(['diff', '--name-only', '--end-of-options', base, ...NOT_PROGRESS]).catch(() => '');
  const untracked = await git.raw(['ls-files', '--others', '--exclude-standard', ...NOT_PROGRESS]).catch(() => '');
  const filesModified = [...new Set([...changed.split('\n'), ...untracked.split('\n')].map((file) => file.trim()).filter(Boolean))];
  return { commits, filesModified };
}

/** The spec's handoff commit: everything pending, if anything is. Returns the new commit or null. */
export async function commitPending(dir: string, message: string): Promise<string | null> {
  const repo = await openRepository(dir);
  if (!repo) return null;
  const { git } = repo;
  if ((await git.raw(['status', '--porcelain'])).trim() === '') return null;
  if (await gitOperationInProgress(git)) return null;
  const messageFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'baton-commit-')), 'message');
  await fs.writeFile(messageFile, `${message}\n`);
  try {
    await retryWithBackoff(async () => {
      await git.raw(['add', '-A']);
      await git.raw(['commit', '-q', '--no-verify', '-F', messageFile]);
    }, isIndexLocked);
    return (await git.revparse(['HEAD'])).trim();
  } finally {
    await fs.rm(path.dirname(messageFile), { recursive: true, force: true });
  }
}
