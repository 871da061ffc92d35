/** Which directory is the project: real directory trees in a temp dir, nested the ways repositories are. */
import fse from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findProjectRoot, projectKind, projectRootAt } from '../../../services/project/project-root.js';

let top: string;
const at = (relative: string) => path.join(top, relative);
const touch = (relative: string, content = '') => fse.outputFile(at(relative), content);

beforeAll(async () => {
  top = await fse.realpath(await fse.mkdtemp(path.join(os.tmpdir(), 'baton-root-')));
  // The "no project" answers below need a temp dir that is not itself inside a project.
  expect(findProjectRoot(os.tmpdir()), `${os.tmpdir()} is inside a project; run the tests with TMPDIR elsewhere`).toBeNull();
});

describe('findProjectRoot', () => {
  it('walks up from a subdirectory to the repository root, past a nested package.json', async () => {
    await fse.ensureDir(at('mono/.git'));
    await touch('mono/packages/web/package.json', '{}');
    await fse.ensureDir(at('mono/packages/web/src/components'));
    expect(findProjectRoot(at('mono/packages/web/src/components'))).toBe(at('mono'));
    expect(findProjectRoot(at('mono'))).toBe(at('mono'));
  });

  it('without git, the nearest directory with a marker file', async () => {
    await touch('py/pyproject.toml');
    await touch('py/pkg/sub/go.mod');
    await fse.ensureDir(at('py/pkg/sub/deep'));
    await fse.ensureDir(at('py/docs'));
    expect(findProjectRoot(at('py/pkg/sub/deep'))).toBe(at('py/pkg/sub'));
    expect(findProjectRoot(at('py/docs'))).toBe(at('py'));
  });

  it('a baton project inside a repository wins over the repository root', async () => {
    await fse.ensureDir(at('repo/.git'));
    await fse.ensureDir(at('repo/services/api/.claude/progress'));
    await fse.ensureDir(at('repo/services/api/src'));
    await touch('repo/services/worker/.claude/config/project.json', '{}');
    await fse.ensureDir(at('repo/services/worker/lib'));
    expect(findProjectRoot(at('repo/services/api/src'))).toBe(at('repo/services/api'));
    expect(findProjectRoot(at('repo/services/worker/lib'))).toBe(at('repo/services/worker'));
    expect(findProjectRoot(at('repo/services'))).toBe(at('repo'));
  });

  it('a worktree (its .git is a file) is its own project, even inside another repository', async () => {
    await fse.ensureDir(at('main/.git'));
    await fse.ensureDir(at('main/.claude/progress'));
    await touch('main/.worktrees/feature/.git', `gitdir: ${at('main/.git/worktrees/feature')}\n`);
    await fse.ensureDir(at('main/.worktrees/feature/src'));
    expect(findProjectRoot(at('main/.worktrees/feature/src'))).toBe(at('main/.worktrees/feature'));
    expect(projectKind(at('main/.worktrees/feature'))).toBe('git');
  });

  it("a home directory's .claude/ (Claude Code's user folder) is no project; a stray .claude/progress above a repository does not capture it", async () => {
    await touch('home/.claude/settings.json', '{}');
    await fse.ensureDir(at('home/notes/2026'));
    expect(findProjectRoot(at('home/notes/2026'))).toBeNull();
    expect(projectRootAt(at('home'))).toBeNull();

    await fse.ensureDir(at('olduser/.claude/progress')); // left by an old baton run from the home directory
    await fse.ensureDir(at('olduser/code/app/.git'));
    await fse.ensureDir(at('olduser/code/app/src'));
    expect(findProjectRoot(at('olduser/code/app/src'))).toBe(at('olduser/code/app'));
  });

  it('resolves symlinks to the real path, and a path that does not exist is no project', async () => {
    await fse.ensureDir(at('real/.git'));
    await fse.ensureDir(at('real/src'));
    await fse.ensureDir(at('links'));
    await fse.symlink(at('real/src'), at('links/src-link'));
    await fse.symlink(at('real'), at('links/real-link'));
    expect(findProjectRoot(at('links/src-link'))).toBe(at('real'));
    expect(projectRootAt(at('links/real-link'))).toBe(at('real'));
    expect(findProjectRoot(at('links'))).toBeNull();
    expect(findProjectRoot(at('no/such/dir'))).toBeNull();
    expect(projectRootAt(at('no/such/dir'))).toBeNull();
  });

  it('the file system root is no project', () => {
    expect(findProjectRoot('/')).toBeNull();
    expect(projectRootAt('/')).toBeNull();
  });
});

describe('projectKind', () => {
  it('tells baton projects, repositories and marker directories apart; .claude/ alone or a file named progress is nothing', async () => {
    await touch('kinds/cargo/Cargo.toml');
    await touch('kinds/gitfile/.git', 'gitdir: /elsewhere\n');
    await fse.ensureDir(at('kinds/baton/.claude/progress'));
    await touch('kinds/fake/.claude/progress'); // a file, not baton's folder
    await fse.ensureDir(at('kinds/config-dir/.claude/config/project.json')); // a folder, not the config file
    expect(projectKind(at('kinds/cargo'))).toBe('marker');
    expect(projectKind(at('kinds/gitfile'))).toBe('git');
    expect(projectKind(at('kinds/baton'))).toBe('baton');
    expect(projectKind(at('kinds/fake'))).toBeNull();
    expect(projectKind(at('kinds/config-dir'))).toBeNull();
  });
});
