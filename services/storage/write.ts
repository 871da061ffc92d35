/**
 * Writing, moving and deleting baton's files under `.claude/`, through the guard in
 * own-path.ts. A writer that meets a bad entry (a link, a folder where its file belongs) moves
 * the entry itself aside, says so, and writes a real file: never through it, never over it.
 * baton deletes only regular files with its own naming, in its own real folders.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { appendLineDurably, asideName, writeFileAtomic, writeError, type AtomicWriteOptions } from './atomic.js';
import { notice } from './notices.js';
import { entryProblem, inspectOwn, isRootFolder, UnsafeFolderError } from './own-path.js';

/** Moves `file` (the entry itself, never what a link points to) out of the way; returns where it went. */
export async function moveOwnAside(paths: ProjectPaths, file: string, reason: string, now: Date = new Date()): Promise<string> {
  const parent = path.dirname(file);
  if (parent !== paths.root) await ensureOwnDir(paths, parent);
  const aside = await asideName(file, reason, now);
  await fs.rename(file, aside);
  return aside;
}

/** A bad entry where a writer needs `expect`: moved aside, with a notice saying what it was. */
async function setAside(paths: ProjectPaths, at: string, what: string): Promise<void> {
  const aside = await moveOwnAside(paths, at, 'bad');
  notice(`${displayPath(paths, at)} ${what}; baton did not follow or use it and moved it aside to ${displayPath(paths, aside)}`);
}

/** Creates `dir` and the folders above it up to `.claude`, each a real folder. */
export async function ensureOwnDir(paths: ProjectPaths, dir: string): Promise<void> {
  const parts = path.relative(paths.root, dir).split(path.sep);
  if (parts[0] !== '.claude' || parts.includes('..')) throw new Error(`internal: ${dir} is not under ${paths.claudeDir}`);
  for (let index = 0; index < parts.length; index += 1) {
    const current = path.join(paths.root, ...parts.slice(0, index + 1));
    for (;;) {
      const stats = await fs.lstat(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (stats === null) {
        await fs.mkdir(current).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        continue; // look again: another process may have made something else there
      }
      const problem = entryProblem(current, stats, 'dir');
      if (!problem) break;
      if (isRootFolder(paths, current)) throw new UnsafeFolderError(paths, current, problem);
      await setAside(paths, current, problem);
    }
  }
}

/** Makes `file`'s place ready for a writer: its folders real, a bad entry there moved aside. */
async function prepareTarget(paths: ProjectPaths, file: string): Promise<void> {
  await ensureOwnDir(paths, path.dirname(file));
  const inspection = inspectOwn(paths, file, 'file');
  if (inspection.kind === 'bad') await setAside(paths, inspection.at, inspection.what);
}

/** Replaces one of baton's files atomically (see atomic.ts); a backup path is checked the same way. */
export async function writeOwnFile(paths: ProjectPaths, file: string, content: string, options: AtomicWriteOptions = {}): Promise<void> {
  await prepareTarget(paths, file);
  if (options.backup) {
    const backup = inspectOwn(paths, options.backup, 'file');
    if (backup.kind === 'bad') await setAside(paths, backup.at, backup.what);
  }
  await writeFileAtomic(file, content, options);
}

/** Appends one line durably to one of baton's logs. */
export async function appendOwnLine(paths: ProjectPaths, file: string, line: string): Promise<void> {
  await prepareTarget(paths, file);
  await appendLineDurably(file, line);
}

/**
 * A new file for baton (or a child process it starts) to stream into, such as a run's
 * evidence: created exclusively, never through a link. Returns the open handle. `append`: for a
 * log that is trimmed while a writer holds it (a writer without O_APPEND would go on writing at
 * its old offset, leaving the file as long as before).
 */
export async function createOwnFile(paths: ProjectPaths, file: string, options: { append?: boolean } = {}): Promise<fs.FileHandle> {
  await prepareTarget(paths, file);
  try {
    return await fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | (options.append ? constants.O_APPEND : 0), 0o644);
  } catch (error) {
    throw writeError('open', file, error);
  }
}

export type DirList = { kind: 'missing' } | { kind: 'ok'; names: string[] } | { kind: 'bad'; problem: string };

/** The names in one of baton's folders; a folder that is not a real one is reported, not listed. */
export async function listOwnDir(paths: ProjectPaths, dir: string): Promise<DirList> {
  const inspection = inspectOwn(paths, dir, 'dir');
  if (inspection.kind === 'missing') return { kind: 'missing' };
  if (inspection.kind === 'bad') return { kind: 'bad', problem: `${displayPath(paths, inspection.at)} ${inspection.what}` };
  return { kind: 'ok', names: await fs.readdir(dir) };
}

/** The lstat of one of baton's entries when it is a regular file; null otherwise (missing, link, folder). */
export function ownFileStats(paths: ProjectPaths, file: string): Stats | null {
  const inspection = inspectOwn(paths, file, 'file');
  return inspection.kind === 'present' ? inspection.stats : null;
}

/**
 * Deletes one of baton's own files: only a regular file whose name matches `naming` (the names
 * baton gives what it creates), in a real folder. Anything else is left where it is.
 */
export async function removeOwnFile(paths: ProjectPaths, file: string, naming: RegExp): Promise<boolean> {
  if (!naming.test(path.basename(file)) || ownFileStats(paths, file) === null) return false;
  await fs.unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return true;
}
