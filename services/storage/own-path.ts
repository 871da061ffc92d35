/**
 * The trust boundary for baton's own files. Everything under a project's `.claude/` may have
 * been written by whoever made the clone, so every access to it goes through here first and
 * nothing follows a link:
 * - `.claude`, `.claude/config` and `.claude/progress` must be real folders. A link (or a file)
 *   there stops the command with a clear error: nothing is read or written through it.
 * - Below them, an entry that is not what baton keeps there (a link, a folder where a file
 *   belongs, a FIFO, a device) is a bad entry: readers report it, writers move the entry itself
 *   aside (see write.ts), never what it points to.
 * Checked with lstat, component by component, from the project root down.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { BadFileError } from '../errors.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';

export type EntryKind = 'file' | 'dir';

export type Inspection =
  | { kind: 'missing' }
  | { kind: 'present'; stats: Stats }
  /** `at` is the entry that is wrong (the target itself or a folder on the way to it). */
  | { kind: 'bad'; at: string; what: string };

/** The folders baton cannot move aside: Claude Code's own, and the two that hold everything else. */
function isRootFolder(paths: ProjectPaths, dir: string): boolean {
  return dir === paths.claudeDir || dir === paths.configDir || dir === paths.progressDir;
}

/** A folder that must be real is not: every command that needs it stops here. */
export class UnsafeFolderError extends BadFileError {
  constructor(paths: ProjectPaths, at: string, what: string) {
    const shown = displayPath(paths, at);
    super(
      shown,
      `${what}; baton does not follow links or use files in place of its folders (a cloned repository could point them anywhere), so nothing was read or written through it`,
      undefined,
      `make it a real folder (for example: mv ${shown} ${shown}.moved && mkdir ${shown}), then run the command again`,
    );
    this.name = 'UnsafeFolderError';
  }
}

function describeType(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFile()) return 'a file';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function linkTarget(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '?';
  }
}

/** What is wrong with an entry that should be `expect`, or null when it is right. */
export function entryProblem(file: string, stats: Stats, expect: EntryKind): string | null {
  if (stats.isSymbolicLink()) return `is a symbolic link (to ${linkTarget(file)})`;
  if (expect === 'dir') return stats.isDirectory() ? null : `is ${describeType(stats)} where baton keeps a folder`;
  return stats.isFile() ? null : `is ${describeType(stats)} where baton keeps a file`;
}

/** The components from `.claude` down to `target`, as absolute paths. Throws for a path outside `.claude`. */
function chain(paths: ProjectPaths, target: string): string[] {
  const relative = path.relative(paths.root, target);
  const parts = relative.split(path.sep);
  if (parts[0] !== '.claude' || parts.includes('..') || path.isAbsolute(relative)) {
    throw new Error(`internal: ${target} is not under ${paths.claudeDir}`);
  }
  return parts.map((_, index) => path.join(paths.root, ...parts.slice(0, index + 1)));
}

/**
 * Looks at `target` and every folder on the way to it without following anything. A bad root
 * folder throws UnsafeFolderError; any other bad entry is returned for the caller's policy.
 */
export function inspectOwn(paths: ProjectPaths, target: string, expect: EntryKind): Inspection {
  const steps = chain(paths, target);
  for (const [index, current] of steps.entries()) {
    const last = index === steps.length - 1;
    const stats = lstatSync(current, { throwIfNoEntry: false });
    if (!stats) return { kind: 'missing' };
    const problem = entryProblem(current, stats, last ? expect : 'dir');
    if (problem) {
      if (isRootFolder(paths, current)) throw new UnsafeFolderError(paths, current, problem);
      return { kind: 'bad', at: current, what: problem };
    }
    if (last) return { kind: 'present', stats };
  }
  return { kind: 'missing' };
}

export { isRootFolder };
