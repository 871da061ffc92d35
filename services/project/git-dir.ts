/**
 * The git folder of the repository holding a directory, found as git finds it, with no git
 * process: the nearest `.git` at or above it that is a git directory (HEAD in it), either a
 * folder (or a link to one) or a worktree's or submodule's `.git` file naming one. Null: no
 * repository. Callers still ask git itself for what it knows.
 */
import { lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { readNamedFile } from '../storage/read.js';

const GITDIR_FILE = /^gitdir: (.+?)\s*$/;

/** A git directory: a folder with HEAD in it (an empty or stray `.git` folder is not one, and git looks further up). */
function isGitDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && statSync(path.join(dir, 'HEAD')).isFile();
  } catch {
    return false;
  }
}

export function findGitDir(start: string): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    if (isGitDir(dotGit)) return dotGit;
    const file = readNamedFile(dotGit, { maxBytes: 4096 });
    const named = file.kind === 'ok' ? GITDIR_FILE.exec(file.text.split('\n')[0] ?? '')?.[1] : undefined;
    if (named && isGitDir(path.resolve(dir, named))) return path.resolve(dir, named);
    if (path.dirname(dir) === dir) return null;
  }
}

/** Where a repository's refs live: the common dir of a worktree (its `commondir` file), else the git dir itself. */
export function commonDirOf(gitDir: string): string {
  const read = readNamedFile(path.join(gitDir, 'commondir'), { maxBytes: 4096 });
  const named = read.kind === 'ok' ? read.text.trim() : '';
  return named && isGitDir(path.resolve(gitDir, named)) ? path.resolve(gitDir, named) : gitDir;
}

/** The checkout holding a directory and its repository's common git dir: where every worktree of the repository can share files. */
export interface SharedGitDir {
  /** The checkout's top (where its `.git` is). */
  top: string;
  commonDir: string;
}

/**
 * Like findGitDir, but only through what git itself writes, since baton writes here: a `.git`
 * that is a real folder, or a worktree's `.git` file whose git dir names it back (git keeps
 * that back-link in `<gitdir>/gitdir`) and that sits in its common dir's `worktrees/`. A `.git`
 * link, a submodule, or a `.git` file naming a folder that does not name it back, or whose
 * `commondir` names another repository (a clone's hostile files, pointing anywhere) gives null.
 */
export function sharedGitDirOf(start: string): SharedGitDir | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const stats = lstatSync(dotGit, { throwIfNoEntry: false });
    if (stats?.isDirectory()) return isGitDir(dotGit) ? { top: dir, commonDir: dotGit } : null;
    if (stats?.isFile()) {
      const gitDir = worktreeGitDir(dir, dotGit);
      const commonDir = gitDir ? commonDirOf(gitDir) : null;
      // git keeps a linked worktree's git dir at <common>/worktrees/<name>: a commondir naming any other repository (from a git dir a clone carries) is not this one's.
      return gitDir && commonDir && sameFile(path.dirname(gitDir), path.join(commonDir, 'worktrees')) ? { top: dir, commonDir } : null;
    }
    if (stats) return null;
    if (path.dirname(dir) === dir) return null;
  }
}

function worktreeGitDir(dir: string, dotGit: string): string | null {
  const file = readNamedFile(dotGit, { maxBytes: 4096 });
  const named = file.kind === 'ok' ? GITDIR_FILE.exec(file.text.split('\n')[0] ?? '')?.[1] : undefined;
  if (!named) return null;
  const gitDir = path.resolve(dir, named);
  if (!isGitDir(gitDir) || lstatSync(gitDir).isSymbolicLink()) return null;
  const back = readNamedFile(path.join(gitDir, 'gitdir'), { maxBytes: 4096 });
  if (back.kind !== 'ok') return null;
  const namedBack = path.resolve(gitDir, back.text.trim());
  return sameFile(namedBack, dotGit) ? gitDir : null;
}

function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
