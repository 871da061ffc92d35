/**
 * Which directory is the project. The hooks, the status line and the commands that create
 * `.claude/` all ask here, so baton never writes state into a directory that is not a project
 * (such as `/`, or the home directory, whose `.claude/` is Claude Code's user folder).
 * No zod, xstate or execa: the per-tool-call hooks use it.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** Files that make a directory a project root (besides `.git` and baton's own files). */
export const PROJECT_MARKERS = ['package.json', 'pyproject.toml', 'Cargo.toml', 'go.mod'] as const;

/** For messages: what makes a directory a project. */
export const WHAT_MAKES_A_PROJECT = `a .git, ${PROJECT_MARKERS.join(', ')}, or baton's .claude/config/project.json`;

export type ProjectKind = 'baton' | 'git' | 'marker';

function kindOf(dir: string, name: string): 'file' | 'dir' | null {
  try {
    const stat = statSync(path.join(dir, name), { throwIfNoEntry: false });
    return stat ? (stat.isDirectory() ? 'dir' : 'file') : null;
  } catch {
    return null; // ENOTDIR (a file on the way), ELOOP, EACCES: not what makes a project
  }
}

/**
 * What makes `dir` a project, if anything: baton's own files (`.claude/progress/` or
 * `.claude/config/project.json`), a `.git` (a folder, or the file of a worktree or submodule),
 * or a marker file. A `.claude/` folder alone does not count.
 */
export function projectKind(dir: string): ProjectKind | null {
  if (kindOf(dir, '.claude/progress') === 'dir' || kindOf(dir, '.claude/config/project.json') === 'file') return 'baton';
  if (kindOf(dir, '.git') !== null) return 'git';
  return PROJECT_MARKERS.some((marker) => kindOf(dir, marker) !== null) ? 'marker' : null;
}

/** The real path of `dir` (symlinks resolved), or null when it does not exist. */
export function canonicalDir(dir: string): string | null {
  try {
    return realpathSync.native(path.resolve(dir));
  } catch {
    return null;
  }
}

/**
 * The project `start` is in: walking up, the nearest baton project; failing that, the
 * nearest git repository (a worktree's `.git` file included); failing that, the nearest
 * directory with a marker file. The walk for a baton project ends at the repository's root,
 * so a stray `.claude/progress/` above a repository (say in the home directory) never
 * captures it. Null: no project.
 */
export function findProjectRoot(start: string): string | null {
  let dir = canonicalDir(start);
  let nearestMarker: string | null = null;
  while (dir !== null) {
    const kind = projectKind(dir);
    if (kind === 'baton' || kind === 'git') return dir;
    if (kind === 'marker') nearestMarker ??= dir;
    const parent = path.dirname(dir);
    dir = parent === dir ? null : parent;
  }
  return nearestMarker;
}

/** `dir` itself as a project root (canonical), or null when it is not one: no walking up. */
export function projectRootAt(dir: string): string | null {
  const canonical = canonicalDir(dir);
  return canonical !== null && projectKind(canonical) !== null ? canonical : null;
}
