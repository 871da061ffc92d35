/**
 * The git folder of the repository holding a directory, found as git finds it, with no git
 * process: the nearest `.git` at or above it that is a git directory (HEAD in it), either a
 * folder (or a link to one) or a worktree's or submodule's `.git` file naming one. Null: no
 * repository. Callers still ask git itself for what it knows.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { readNamedFile } from '../services/storage/read.js';

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
