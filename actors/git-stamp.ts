/**
 * A stamp of the git folder's files that change with every commit, checkout, reset or
 * `git add`: a stat each, no git process, so the per-turn Stop hook can tell "nothing new"
 * cheaply. Only a real .git folder in the project is looked at (never followed out of it);
 * a worktree's .git file gives an empty stamp, and the handoff then relies on the rest.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';

const CHANGING_FILES = ['HEAD', 'index', path.join('logs', 'HEAD')];

export function gitStamp(root: string): string {
  const gitDir = path.join(root, '.git');
  const stat = (file: string) => {
    try {
      const stats = lstatSync(file);
      return stats.isFile() ? `${stats.size}@${stats.mtimeMs}` : '-';
    } catch {
      return '-';
    }
  };
  try {
    if (!lstatSync(gitDir).isDirectory()) return '';
  } catch {
    return '';
  }
  return CHANGING_FILES.map((file) => stat(path.join(gitDir, file))).join(',');
}
