/**
 * The git folder of the repository holding a directory, found as git finds it (the nearest
 * `.git` at or above it: a folder, or a worktree's or submodule's `.git` file naming one),
 * with no git process. Null: no repository. Callers still ask git itself for what it knows.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { readNamedFile } from '../services/storage/read.js';

const GITDIR_LINE = /^gitdir: (.+?)\s*$/m;

function isFolder(file: string): boolean {
  try {
    return lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function findGitDir(start: string): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    if (isFolder(dotGit)) return dotGit;
    const file = readNamedFile(dotGit, { maxBytes: 4096 });
    if (file.kind === 'ok') {
      const named = GITDIR_LINE.exec(file.text)?.[1];
      const gitDir = named ? path.resolve(dir, named) : null;
      return gitDir && isFolder(gitDir) ? gitDir : null;
    }
    if (file.kind === 'bad' || path.dirname(dir) === dir) return null;
  }
}
