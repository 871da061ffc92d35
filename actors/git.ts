/**
 * Git operations baton performs: the feature and handoff commits and the rollback.
 * Agent-supplied text (feature ids, messages, file names) never reaches git as an option:
 * messages and file lists go through stdin, revisions after --end-of-options.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { CommitReport } from '../machines/observations.js';
import {
  BUILT_IN_EXCLUDES,
  PER_CHECKOUT_EXCLUDED,
  NOT_PROGRESS,
  PER_CHECKOUT_MATCHED,
  PROGRESS_DIR,
  isProgressPath,
  excludeOptions,
  isWork,
  tooManyFilesMessage,
} from '../services/agent-session/commit-scope.js';
import { retryWithBackoff } from './retry.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { readOwnText } from '../services/storage/read.js';
import { ownFileStats, writeOwnFile } from '../services/storage/write.js';

export async function openRepository(dir: string): Promise<{ git: SimpleGit } | null> {
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: dir });
  return (await git.checkIsRepo().catch(() => false)) ? { git } : null;
}

export type GitOperation = 'merge' | 'rebase' | 'cherry-pick' | 'revert';

/** The operation whose marker is in the git dir: files only, no git process. */
export async function operationAt(gitDir: string): Promise<GitOperation | null> {
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

/** Identity is the user's to set; every other GIT_* variable (GIT_DIR, GIT_INDEX_FILE, ...) would point git elsewhere. */
const KEPT_GIT_VARIABLES = new Set(['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']);

/** Runs git in `dir` with `input` on stdin (file lists and messages go there, never into argv). */
async function runGit(dir: string, args: string[], options: { input?: string; exitCodes?: number[] } = {}): Promise<{ stdout: string; exitCode: number }> {
  const { execa } = await import('execa');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toUpperCase().startsWith('GIT_') || KEPT_GIT_VARIABLES.has(name)));
  const result = await execa('git', args, { cwd: dir, env, extendEnv: false, input: options.input ?? '', reject: false, stripFinalNewline: false });
  const exitCode = result.exitCode ?? -1;
  if (exitCode !== 0 && !(options.exitCodes ?? []).includes(exitCode)) {
    throw new Error(`git ${args.find((arg) => !arg.startsWith('-'))} failed: ${String(result.stderr || result.message || '').trim()}`);
  }
  return { stdout: result.stdout, exitCode };
}

export interface CommitScope {
  /** project.json's commit_exclude: .gitignore patterns from the project root, after BUILT_IN_EXCLUDES. */
  exclude: readonly string[];
  /** project.json's commit_max_files: the most new files one commit may add (0 = no limit). */
  maxNewFiles: number;
}

/** A file to commit with given content instead of what is on disk (path from the project root). */
export interface StagedContent {
  path: string;
  text: string;
}

/** The files a commit would add: untracked, not ignored by git, not excluded, not baton's per-checkout files. */
async function newFilesInScope(dir: string, exclude: readonly string[], prefix: string): Promise<string[]> {
  const excludes = excludeOptions([...BUILT_IN_EXCLUDES, ...exclude], prefix);
  const { stdout } = await runGit(dir, ['ls-files', '-z', '--others', '--exclude-standard', ...excludes, '--', '.', ...PER_CHECKOUT_EXCLUDED]);
  return stdout.split('\0').filter(Boolean);
}

/** Stages the work: tracked changes and `newFiles`, then `contents`; baton's per-checkout files never, even when tracked. */
async function stageWork(dir: string, newFiles: readonly string[], contents: readonly StagedContent[], prefix: string): Promise<void> {
  await runGit(dir, ['add', '-u', '--', '.', ...PER_CHECKOUT_EXCLUDED]);
  if (newFiles.length) await runGit(dir, ['--literal-pathspecs', 'add', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: newFiles.join('\0') });
  for (const content of contents) {
    // Content the project's .gitignore keeps out (and git does not track) stays out.
    if ((await runGit(dir, ['check-ignore', '-q', '--', content.path], { exitCodes: [1] })).exitCode === 0) continue;
    const blob = (await runGit(dir, ['hash-object', '-w', '--stdin'], { input: content.text })).stdout.trim();
    await runGit(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${prefix}${content.path}`]);
  }
  // Something staged them before baton ran: they still stay out.
  await runGit(dir, ['reset', '-q', '--', ...PER_CHECKOUT_MATCHED]);
}

const hasStagedChanges = async (dir: string) => (await runGit(dir, ['diff', '--cached', '--quiet'], { exitCodes: [1] })).exitCode === 1;
const headSha = async (dir: string) => (await runGit(dir, ['rev-parse', 'HEAD'])).stdout.trim();
const projectPrefix = async (dir: string) => (await runGit(dir, ['rev-parse', '--show-prefix'])).stdout.trim();

async function commitStaged(dir: string, message: string): Promise<string> {
  await runGit(dir, ['commit', '-q', '--no-verify', '-F', '-'], { input: message });
  return headSha(dir);
}

export interface FeatureCommitRequest {
  featureId: string;
  description: string;
  enabled: boolean;
  scope: CommitScope;
  /** The feature list as it reads once this feature is tested (the file on disk is updated after the commit). */
  featureList: StagedContent | null;
}

/**
 * Commits the work of a feature that passed its tests, with the feature list showing it
 * tested. Idempotent: re-run after a crash between the commit and the state write (or
 * re-invoked on restore), it stages nothing new, finds this feature's trailer on HEAD and
 * does not commit again.
 */
export async function commitFeature(dir: string, request: FeatureCommitRequest): Promise<CommitReport> {
  const { featureId } = request;
  if (!request.enabled) return { status: 'skipped', featureId, detail: 'commit_after_feature is off' };
  const repo = await openRepository(dir);
  if (!repo) return { status: 'skipped', featureId, detail: 'not a git repository' };
  const operation = await gitOperationInProgress(repo.git);
  if (operation) return { status: 'failed', featureId, detail: `a git ${operation} is in progress; finish it, then commit by hand` };
  const trailer = `${FEATURE_TRAILER}: ${featureId}`;
  try {
    const prefix = await projectPrefix(dir);
    const newFiles = await newFilesInScope(dir, request.scope.exclude, prefix);
    if (request.scope.maxNewFiles > 0 && newFiles.length > request.scope.maxNewFiles) {
      return { status: 'refused', featureId, detail: tooManyFilesMessage(newFiles, request.scope.maxNewFiles) };
    }
    return await retryWithBackoff(async (): Promise<CommitReport> => {
      await stageWork(dir, newFiles, request.featureList ? [request.featureList] : [], prefix);
      if (!(await hasStagedChanges(dir))) {
        const headMessage = (await runGit(dir, ['log', '-1', '--format=%B'], { exitCodes: [128] })).stdout;
        return headMessage.split('\n').includes(trailer)
          ? { status: 'skipped', featureId, sha: await headSha(dir), detail: 'already committed' }
          : { status: 'skipped', featureId, detail: 'nothing to commit' };
      }
      const sha = await commitStaged(dir, `feat(${featureId}): ${request.description || featureId}\n\n${trailer}\n`);
      return { status: 'committed', featureId, sha, detail: `committed "${featureId}"` };
    }, isIndexLocked);
  } catch (error) {
    return { status: 'failed', featureId, detail: String((error as Error).message ?? error).trim() };
  }
}

export interface RollbackPlan {
  target: string;
  head: string;
  dirty: boolean;
  diffStat: string;
}

/** What a rollback would do. baton's own files are not the user's work: a rollback neither counts nor rewinds them. */
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

/** The files under .claude/progress that git knows now or in `target`: the only ones a reset can touch. */
async function progressFilesGitTouches(git: SimpleGit, target: string): Promise<string[]> {
  const listed = await Promise.all([
    git.raw(['ls-files', '-z', '--', PROGRESS_DIR]),
    git.raw(['ls-tree', '-r', '-z', '--name-only', '--end-of-options', target, '--', PROGRESS_DIR]),
  ]);
  return [...new Set(listed.flatMap((output) => output.split('\0')).filter(Boolean))];
}

/**
 * Resets to `target`; with `stash`, uncommitted work goes to `git stash` first. Returns the
 * stash it made. The session's own record must survive the reset even where git tracks it:
 * each such file is read before (through the storage guard, never through a link) and
 * written back after, and one the reset brought in from `target` is taken out again.
 */
export async function rollbackTo(paths: ProjectPaths, target: string, stash: boolean): Promise<string | null> {
  const repo = await openRepository(paths.root);
  if (!repo) throw new Error('not a git repository');
  let stashed: string | null = null;
  if (stash) {
    await repo.git.raw(['stash', 'push', '--include-untracked', '-q', '-m', `baton rollback ${new Date().toISOString()}`, ...NOT_PROGRESS]);
    stashed = 'stash@{0}';
  }
  const kept = (await progressFilesGitTouches(repo.git, target)).map((relative) => {
    const file = path.join(paths.root, relative);
    const read = readOwnText(paths, file);
    return { file, content: read.kind === 'ok' ? read.text : null, existed: read.kind !== 'missing' };
  });
  try {
    await retryWithBackoff(() => repo.git.raw(['reset', '--hard', '-q', target]), isIndexLocked);
  } finally {
    for (const { file, content, existed } of kept) {
      if (content !== null) await writeOwnFile(paths, file, content);
      else if (!existed && ownFileStats(paths, file)) await fs.unlink(file);
    }
  }
  return stashed;
}

export interface SessionGitSummary {
  commits: { hash: string; subject: string }[];
  /** Files changed since the session started: committed or not, baton's own files left out. */
  filesModified: string[];
}

/** What git says the session did: its commits and the files it touched since `since` (new files as a commit would take them). */
export async function sessionGitSummary(dir: string, since: string | null, exclude: readonly string[] = []): Promise<SessionGitSummary> {
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
  const untracked = await projectPrefix(dir)
    .then((prefix) => newFilesInScope(dir, exclude, prefix))
    .catch(() => []);
  const filesModified = [...new Set([...changed.split('\n'), ...untracked.filter((file) => !isProgressPath(file))].map((file) => file.trim()).filter(Boolean))];
  return { commits, filesModified };
}

/** What the handoff commit did, or why it made none. */
export interface PendingCommit {
  sha: string | null;
  detail: string;
}

/**
 * The handoff commit (commit_on_end): the work pending since the last commit, with the
 * handoff's own summary and metrics. Only new work makes one: baton's records alone
 * (summaries, metrics, per-checkout files) do not.
 */
export async function commitPending(dir: string, message: string, scope: CommitScope): Promise<PendingCommit> {
  const repo = await openRepository(dir);
  if (!repo) return { sha: null, detail: 'not a git repository' };
  const operation = await gitOperationInProgress(repo.git);
  if (operation) return { sha: null, detail: `a git ${operation} is in progress; nothing was committed` };
  try {
    const prefix = await projectPrefix(dir);
    const newFiles = await newFilesInScope(dir, scope.exclude, prefix);
    const changed = async (args: string[]) => (await runGit(dir, [...args, '--name-only', '--relative', '-z', '--', '.', ...PER_CHECKOUT_EXCLUDED])).stdout.split('\0').filter(Boolean);
    const newWork = newFiles.some(isWork) || (await changed(['diff'])).some(isWork) || (await changed(['diff', '--cached'])).some(isWork);
    if (!newWork) return { sha: null, detail: 'no new work since the last commit' };
    if (scope.maxNewFiles > 0 && newFiles.length > scope.maxNewFiles) return { sha: null, detail: tooManyFilesMessage(newFiles, scope.maxNewFiles) };
    return await retryWithBackoff(async () => {
      await stageWork(dir, newFiles, [], prefix);
      return (await hasStagedChanges(dir)) ? { sha: await commitStaged(dir, `${message}\n`), detail: 'committed the pending work' } : { sha: null, detail: 'nothing to commit' };
    }, isIndexLocked);
  } catch (error) {
    return { sha: null, detail: `not committed: ${String((error as Error).message ?? error).trim()}` };
  }
}
