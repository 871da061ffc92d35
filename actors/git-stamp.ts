/**
 * A stamp of the git files that change with every commit, checkout, reset, `update-ref` or
 * `git add`: a stat each and one read of HEAD, no git process, so the per-turn Stop hook can
 * tell "nothing new" cheaply. The repository is the one holding the project (services/project/git-dir.ts:
 * a project may be a folder of a larger repository, or a worktree).
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { readNamedFile } from '../services/storage/read.js';
import { fileStamp } from '../services/utils/file-stamp.js';
import { commonDirOf, findGitDir } from '../services/project/git-dir.js';

/** Per worktree: HEAD, the index and HEAD's reflog. Shared (the common dir): packed refs and the branch files. */
const WORKTREE_FILES = ['HEAD', 'index', path.join('logs', 'HEAD')];
const BRANCH_REF = /^ref: (refs\/[\w./-]+)\s*$/;

function stat(file: string): string {
  try {
    const stats = lstatSync(file);
    return fileStamp(stats.isFile() ? stats : null);
  } catch {
    return fileStamp(null);
  }
}

/** The branch HEAD names (a commit moves it, even with no reflog), when HEAD is a small, plain ref. */
function branchRef(gitDir: string): string | null {
  const read = readNamedFile(path.join(gitDir, 'HEAD'), { maxBytes: 1024 });
  const ref = read.kind === 'ok' ? BRANCH_REF.exec(read.text)?.[1] : undefined;
  return ref && !ref.split('/').includes('..') ? ref : null;
}

export function gitStamp(root: string): string {
  const gitDir = findGitDir(root);
  if (!gitDir) return '';
  const commonDir = commonDirOf(gitDir);
  const branch = branchRef(gitDir);
  const files = [...WORKTREE_FILES.map((file) => path.join(gitDir, file)), path.join(commonDir, 'packed-refs'), ...(branch ? [path.join(commonDir, branch)] : [])];
  return files.map(stat).join(',');
}
