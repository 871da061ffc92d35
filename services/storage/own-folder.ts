/**
 * One folder of baton's own small files, wherever it is: in the project's `.claude/` (checked
 * by own-path.ts) or below a folder baton trusts outside it (the repository's git folder, for
 * the claims every worktree shares). Every folder from the trusted base down is a real folder,
 * checked with lstat and never followed; the files in it are read without following a link,
 * replaced atomically, and deleted only when they are regular files with baton's names.
 */
import { promises as fs, lstatSync } from 'node:fs';
import path from 'node:path';
import { BadFileError } from '../errors.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { asideName, writeFileAtomic } from './atomic.js';
import { LOCK_NAME, type LockPlace } from './lock.js';
import { entryProblem, inspectOwn } from './own-path.js';
import { readNamedFile, type TextRead } from './read.js';
import { ensureOwnDir } from './write.js';

export interface OwnFolder {
  dir: string;
  /** missing: nothing written here yet; ok: a real folder. Throws BadFileError when a step on the way is not a real folder. */
  check(): 'missing' | 'ok';
  /** Creates the folder (and the ones above it, up to its base) as real folders. */
  ensure(): Promise<void>;
}

function unsafeFolder(at: string, what: string): BadFileError {
  return new BadFileError(at, `${what}; baton keeps its own files there and does not follow links or use files in place of its folders, so nothing was read or written through it`, undefined, `remove it (rm ${at}), then run the command again`);
}

/** A step of a folder's path: missing, or a real folder; anything else (a link, a file) throws. */
function stepState(step: string): 'missing' | 'ok' {
  const stats = lstatSync(step, { throwIfNoEntry: false });
  if (!stats) return 'missing';
  const problem = entryProblem(step, stats, 'dir');
  if (problem) throw unsafeFolder(step, problem);
  return 'ok';
}

/** `parts` below `base`, a folder baton trusts (found through git's own files, never a link a clone could carry). */
export function folderBelow(base: string, parts: readonly string[]): OwnFolder {
  const steps = parts.map((_, index) => path.join(base, ...parts.slice(0, index + 1)));
  return {
    dir: path.join(base, ...parts),
    check: () => (steps.every((step) => stepState(step) === 'ok') ? 'ok' : 'missing'),
    async ensure() {
      for (const step of steps) {
        // Look again after mkdir: another process may have made something else there.
        while (stepState(step) === 'missing') {
          await fs.mkdir(step).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'EEXIST') throw error;
          });
        }
      }
    },
  };
}

/** A folder under the project's `.claude/`, through own-path.ts. */
export function folderInProject(paths: ProjectPaths, dir: string): OwnFolder {
  return {
    dir,
    check() {
      const inspection = inspectOwn(paths, dir, 'dir');
      if (inspection.kind === 'bad') throw unsafeFolder(displayPath(paths, inspection.at), inspection.what);
      return inspection.kind === 'missing' ? 'missing' : 'ok';
    },
    ensure: () => ensureOwnDir(paths, dir),
  };
}

/** A file of the folder (a name baton gave it), read without following a link and bounded. */
export function readFolderFile(folder: OwnFolder, name: string, maxBytes = 64 * 1024): TextRead {
  return readNamedFile(path.join(folder.dir, name), { maxBytes });
}

export async function writeFolderFile(folder: OwnFolder, name: string, content: string): Promise<void> {
  await writeFileAtomic(path.join(folder.dir, name), content);
}

/** Moves an entry of the folder (itself, never what a link points to) out of the way; returns where it went. */
export async function setFolderEntryAside(folder: OwnFolder, name: string, reason: string): Promise<string> {
  const aside = await asideName(path.join(folder.dir, name), reason, new Date());
  await fs.rename(path.join(folder.dir, name), aside);
  return aside;
}

/** Deletes a regular file whose name matches `naming`; anything else stays where it is. */
export async function removeFolderFile(folder: OwnFolder, name: string, naming: RegExp): Promise<boolean> {
  const file = path.join(folder.dir, name);
  if (!naming.test(name) || !lstatSync(file, { throwIfNoEntry: false })?.isFile()) return false;
  await fs.unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return true;
}

/** The names in the folder that match `naming`, at most `limit` of them (a hostile folder of millions costs nothing more). */
export async function listFolder(folder: OwnFolder, naming: RegExp, limit = 100_000): Promise<string[]> {
  if (folder.check() === 'missing') return [];
  const names: string[] = [];
  const dir = await fs.opendir(folder.dir);
  for await (const entry of dir) {
    if (naming.test(entry.name)) names.push(entry.name);
    if (names.length >= limit) break;
  }
  return names.sort();
}

/** The lock of a folder: `.lock` in it (lock.ts). */
export function folderLockPlace(folder: OwnFolder, guards: string): LockPlace {
  const file = path.join(folder.dir, '.lock');
  return {
    file,
    guards,
    async prepare() {
      await folder.ensure();
      const stats = lstatSync(file, { throwIfNoEntry: false });
      if (stats && !stats.isFile()) throw unsafeFolder(file, entryProblem(file, stats, 'file') ?? 'is not a regular file');
    },
    readText(candidate) {
      const read = readNamedFile(candidate, { maxBytes: 4096 });
      return read.kind === 'ok' ? read.text : null;
    },
    mtimeMs(candidate) {
      const stats = lstatSync(candidate, { throwIfNoEntry: false });
      return stats?.isFile() ? stats.mtimeMs : null;
    },
    async remove(candidate) {
      await removeFolderFile(folder, path.basename(candidate), LOCK_NAME);
    },
  };
}
