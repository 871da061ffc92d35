/**
 * What of a project baton commits, and what of its own files stays out of git.
 *
 * In `.claude/progress/` the feature list, summaries/ and metrics.json are the shared record
 * and are committed; everything else there belongs to one checkout (it changes on every
 * event, holds pids, or is scratch) and is kept out by the .gitignore baton writes there.
 * Outside it, a commit takes the project's tracked changes and the new files git does not
 * ignore, less vendored, generated and secret trees (BUILT_IN_EXCLUDES) and commit_exclude.
 */
import path from 'node:path';
import type { ProjectPaths } from '../project/paths.js';
import { readOwnText } from '../storage/read.js';
import { writeOwnFile } from '../storage/write.js';

export const PROGRESS_DIR = '.claude/progress';

/** A git pathspec for the project less baton's own files: what the agent changed, never what baton wrote. */
export const NOT_PROGRESS = ['--', '.', `:(exclude)${PROGRESS_DIR}`];

/** A path (relative to the repository or the project) inside baton's own folder. */
export const isProgressPath = (file: string) => file === PROGRESS_DIR || file.startsWith(`${PROGRESS_DIR}/`) || file.includes(`/${PROGRESS_DIR}/`);

/** baton's per-checkout files, as .gitignore patterns relative to PROGRESS_DIR. */
const PER_CHECKOUT = [
  '/state.json',
  '/state.json.bak',
  '/checkpoint.json',
  '/events.jsonl',
  '/events.jsonl.uncommitted',
  '/session.json',
  '/file_history.json',
  '/env.json',
  '/gate-refusals.jsonl',
  '/evidence/',
  '/feature-lists/',
  '.lock',
  '.lock.*',
  '*.tmp',
  '*.bad-*',
  '*.replaced-*',
] as const;

/** The first line of the .gitignore baton writes: a file starting with it is baton's to rewrite. */
const GITIGNORE_HEADER = '# written by baton';

export const PROGRESS_GITIGNORE = [
  `${GITIGNORE_HEADER} (it rewrites this file on upgrade; delete this line to keep your own)`,
  '# Per-checkout files: they change on every event, hold pids and scratch, and would conflict on every merge. feature-list.json, summaries/ and metrics.json are committed.',
  ...PER_CHECKOUT,
  '',
].join('\n');

/** The same files as git pathspecs from the project root, to keep out of a commit even when tracked. */
const perCheckoutPathspecs = (magic: string) =>
  PER_CHECKOUT.map((pattern) => {
    const anchored = pattern.startsWith('/');
    const body = pattern.replace(/^\//, '').replace(/\/$/, '');
    return `:(${magic})${PROGRESS_DIR}/${anchored ? '' : '**/'}${body}`;
  });

export const PER_CHECKOUT_EXCLUDED = perCheckoutPathspecs('exclude,glob');
export const PER_CHECKOUT_MATCHED = perCheckoutPathspecs('glob');

/**
 * Whether a changed file (path from the project root) is work a handoff commit is made for:
 * anything but baton's own records (summaries, metrics, its .gitignore), which a handoff
 * changes every time. The feature list is the work's status, so it counts.
 */
export const isWork = (file: string) => !file.startsWith(`${PROGRESS_DIR}/`) || file === `${PROGRESS_DIR}/feature-list.json`;

/**
 * New files baton never adds on its own, as .gitignore patterns from the project root:
 * dependencies, build and test output, caches, and secrets. Tracked files are not affected,
 * and a `!pattern` in commit_exclude takes one back (commit_exclude comes last).
 */
export const BUILT_IN_EXCLUDES = [
  // dependencies and virtual environments
  'node_modules/', 'bower_components/', '.venv/', 'venv/', '.terraform/',
  // Python byte code, caches and packaging output
  '__pycache__/', '*.pyc', '.pytest_cache/', '.mypy_cache/', '.ruff_cache/', '.tox/', '*.egg-info/',
  // coverage output
  'coverage/', '.nyc_output/', 'htmlcov/', '.coverage',
  // build output and tool caches
  'dist/', 'build/', 'target/', '.next/', '.nuxt/', '.svelte-kit/', '.turbo/', '.parcel-cache/', '.cache/', '.gradle/',
  '.DS_Store',
  // secrets (the usual templates of an env file are meant to be committed)
  '.env', '.env.*', '!.env.example', '!.env.sample', '!.env.template', '*.pem', '*.key',
  '/.claude/settings.local.json',
] as const;

/**
 * `--exclude=` options for git ls-files. git reads a pattern with an inner slash relative to
 * the top of the repository, so those are anchored at the project's place in it (`prefix`,
 * from `git rev-parse --show-prefix`). Each option is one argument: a pattern never becomes an option.
 */
export function excludeOptions(patterns: readonly string[], prefix: string): string[] {
  return patterns.map((pattern) => {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    const anchored = body.replace(/\/$/, '').includes('/');
    return `--exclude=${negated ? '!' : ''}${anchored && prefix ? `/${prefix}${body.replace(/^\//, '')}` : body}`;
  });
}

/** The directories (first path segment) holding the most of `files`, largest first. */
export function topDirectories(files: readonly string[], limit = 5): { dir: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const file of files) {
    const slash = file.indexOf('/');
    const dir = slash === -1 ? '(project root)' : `${file.slice(0, slash)}/`;
    counts.set(dir, (counts.get(dir) ?? 0) + 1);
  }
  return [...counts].map(([dir, count]) => ({ dir, count })).sort((a, b) => b.count - a.count || a.dir.localeCompare(b.dir)).slice(0, limit);
}

/** Why a commit with too many new files was not made, and the four ways to allow it. */
export function tooManyFilesMessage(files: readonly string[], limit: number): string {
  const where = topDirectories(files).map(({ dir, count }) => `${dir} (${count})`).join(', ');
  return (
    `not committed: it would add ${files.length} new files, more than commit_max_files (${limit}); most are in ${where}. ` +
    'If they are generated or vendored, list them in .gitignore or in commit_exclude (.claude/config/project.json); ' +
    'if they belong in git, raise commit_max_files (0 = no limit) or commit them by hand'
  );
}

/**
 * Writes baton's .gitignore in the progress directory, or brings an older one of baton's up
 * to date. A file someone else wrote (its first line is not baton's header) is left alone.
 */
export async function ensureProgressGitignore(paths: ProjectPaths): Promise<void> {
  const file = path.join(paths.progressDir, '.gitignore');
  const read = readOwnText(paths, file);
  const current = read.kind === 'ok' ? read.text : null;
  if (current === PROGRESS_GITIGNORE) return;
  const firstLine = current?.split('\n', 1)[0];
  if (firstLine !== undefined && firstLine !== GITIGNORE_HEADER && !firstLine.startsWith(`${GITIGNORE_HEADER} `)) return;
  await writeOwnFile(paths, file, PROGRESS_GITIGNORE);
}
