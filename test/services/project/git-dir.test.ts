/** Finding the repository without a git process, against the source and real repositories. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commonDirOf, findGitDir } from '../../../services/project/git-dir.js';
import { gitStamp } from '../../../actors/git-stamp.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: ENV, stdio: 'pipe' }).toString().trim();

function repository(): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-gitdir-')));
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'first');
  return dir;
}

describe('findGitDir', () => {
  it('the nearest .git at or above the directory, as git itself says', () => {
    const repo = repository();
    mkdirSync(path.join(repo, 'app', 'src'), { recursive: true });
    expect(findGitDir(path.join(repo, 'app', 'src'))).toBe(git(repo, 'rev-parse', '--absolute-git-dir'));
    expect(findGitDir(os.tmpdir())).toBeNull();
  });

  it('a .git that links to a git folder is the repository', () => {
    const store = repository();
    const linked = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-linked-')));
    symlinkSync(path.join(store, '.git'), path.join(linked, '.git'));
    expect(findGitDir(linked)).toBe(path.join(linked, '.git'));
  });

  it('an empty .git folder in a subfolder is not a repository: the real one above is found', () => {
    const repo = repository();
    mkdirSync(path.join(repo, 'stray', '.git'), { recursive: true });
    expect(findGitDir(path.join(repo, 'stray'))).toBe(path.join(repo, '.git'));
  });

  it("a worktree: its own git folder, and the repository's common folder for refs", () => {
    const repo = repository();
    const tree = path.join(realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-tree-'))), 'tree');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', tree);
    const gitDir = findGitDir(tree)!;
    expect(gitDir).toBe(git(tree, 'rev-parse', '--absolute-git-dir'));
    expect(commonDirOf(gitDir)).toBe(path.join(repo, '.git'));
  });
});

describe('gitStamp', () => {
  it('changes when the checked-out branch moves, in a worktree too, with no reflog', () => {
    const repo = repository();
    const tree = path.join(realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-tree-'))), 'tree');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', tree);
    git(repo, 'config', 'core.logAllRefUpdates', 'false');
    const before = gitStamp(tree);
    expect(gitStamp(tree)).toBe(before);
    writeFileSync(path.join(repo, 'b.txt'), 'b\n');
    git(repo, 'add', 'b.txt');
    const commit = git(repo, 'commit-tree', git(repo, 'write-tree'), '-p', 'HEAD', '-m', 'elsewhere');
    git(repo, 'update-ref', 'refs/heads/side', commit);
    expect(gitStamp(tree)).not.toBe(before);
  });
});
