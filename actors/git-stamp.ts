/**
 * A stamp of the git files that change with every commit, checkout, reset, `update-ref` or
 * `git add`: a stat each and one read of HEAD, no git process, so the per-turn Stop hook can
 * tell "nothing new" cheaply. The repository is the one holding the project (actors/git-dir.ts:
 * a project may be a folder of a larger repository, or a worktree).
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { readNamedFile } from '../services/storage/read.js';
import { fileStamp } from '../services/utils/file-stamp.js';
import { findGitDir } from './git-dir.js';

const CHANGING_FILES = ['HEAD', 'index', path.join('logs', 'HEAD'), 'packed-refs'];
const BRANCH_REF = /^ref: (refs\/[\w./-]+)\s*$/;

function stat(file: string): string {
  try {
    const stats = lstatSync(file);
    return fileStamp(stats.isFile() ? stats : null);
  } catch {
    return fileStamp(null);
  }
}

/** The branch file HEAD names (a commit moves it, even with no reflog), when HEAD is a small, plain ref. */
function branchFile(gitDir: string): string | null {
  const read = readNamedFile(path.join(gitDir, 'HEAD'), { maxBytes: 1024 });
  const ref = read.kind === 'ok' ? BRANCH_REF.exec(read.text)?.[1] : undefined;
  return ref && !ref.split('/').includes('..') ? path.join(gitDir, ref) : null;
}

export function gitStamp(root: string): string {
  const gitDir = findGitDir(root);
  if (!gitDir) return '';
  const branch = branchFile(gitDir);
  return [...CHANGING_FILES.map((file) => path.join(gitDir, file)), ...(branch ? [branch] : [])].map(stat).join(',');
}
