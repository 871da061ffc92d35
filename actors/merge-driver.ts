/**
 * The merge driver for feature-list.json, installed by `baton init`: a line in the project's
 * `.gitattributes` (committed, so every clone and worktree asks for it) and the driver in the
 * repository's own git config (shared by its worktrees; git never runs a driver a clone
 * brings, so each clone installs it with `baton init`).
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { ProjectPaths } from '../services/project/paths.js';
import { writeFileAtomic } from '../services/storage/atomic.js';
import { readProjectText } from '../services/storage/read.js';

export const MERGE_DRIVER = 'baton-features';
const ATTRIBUTE = `merge=${MERGE_DRIVER}`;

export interface MergeDriverInstall {
  /** What happened to each half: done, already there, or why not. */
  attributes: string;
  config: string;
}

/** The `.gitattributes` line for the list, as a path from the project root. */
export const attributesLine = (paths: ProjectPaths) => `${path.relative(paths.root, paths.features).split(path.sep).join('/')} ${ATTRIBUTE}`;

async function addAttributesLine(paths: ProjectPaths): Promise<string> {
  const file = path.join(paths.root, '.gitattributes');
  const stats = lstatSync(file, { throwIfNoEntry: false });
  if (stats && !stats.isFile()) return `.gitattributes is not a regular file; add this line to the project's .gitattributes yourself: ${attributesLine(paths)}`;
  const read = readProjectText(paths, '.gitattributes', { maxBytes: 1024 * 1024 });
  if (read.kind === 'bad') return `.gitattributes ${read.problem.problem}; add this line yourself: ${attributesLine(paths)}`;
  const text = read.kind === 'ok' ? read.text : '';
  if (text.split('\n').some((line) => line.trim().startsWith('.claude/progress/feature-list.json') && line.includes(ATTRIBUTE))) return 'already in .gitattributes';
  await writeFileAtomic(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${attributesLine(paths)}\n`);
  return `added to .gitattributes: ${attributesLine(paths)}`;
}

/** Installs both halves; `driverCommand` is how git runs baton's merge (with %O %A %B %P). */
export async function installMergeDriver(paths: ProjectPaths, driverCommand: string): Promise<MergeDriverInstall | null> {
  // execa, not simple-git, which refuses to set a merge driver (it runs a command).
  const git = (...args: string[]) => execa('git', args, { cwd: paths.root, reject: false });
  if ((await git('rev-parse', '--git-dir')).exitCode !== 0) return null;
  const key = `merge.${MERGE_DRIVER}.driver`;
  const current = (await git('config', '--local', '--get', key)).stdout.trim();
  let config = 'already in the git config';
  if (current !== driverCommand) {
    for (const [name, value] of [[`merge.${MERGE_DRIVER}.name`, 'baton: feature-list.json by feature id'], [key, driverCommand]] as const) {
      const set = await git('config', '--local', name, value);
      if (set.exitCode !== 0) return { config: `could not set ${name} (${set.stderr.trim()})`, attributes: await addAttributesLine(paths) };
    }
    config = `set ${key} in the repository's git config`;
  }
  return { attributes: await addAttributesLine(paths), config };
}
