/** The git context's parsers, against the source: what git prints, read into what entry reports. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLogWithFiles, parseStatusV2, readGitContext } from '../../actors/git-context.js';

describe('git status --porcelain=v2 --branch', () => {
  it('reads HEAD, the branch and the kind of change', () => {
    const out = ['# branch.oid 0123456789abcdef0123456789abcdef01234567', '# branch.head main', '1 .M N... 100644 100644 100644 aaa bbb index.js', '? notes.txt', ''].join('\n');
    expect(parseStatusV2(out)).toEqual({ head: '0123456789abcdef0123456789abcdef01234567', branch: 'main', trackedChanges: true, dirty: true });
  });

  it('a repository with no commits, a detached HEAD, untracked files only, a clean tree', () => {
    expect(parseStatusV2('# branch.oid (initial)\n# branch.head main\n')).toMatchObject({ head: null, branch: 'main', dirty: false });
    expect(parseStatusV2('# branch.oid abc\n# branch.head (detached)\n? a\n')).toEqual({ head: 'abc', branch: null, trackedChanges: false, dirty: true });
    expect(parseStatusV2('# branch.oid abc\n# branch.head feature/x\n')).toEqual({ head: 'abc', branch: 'feature/x', trackedChanges: false, dirty: false });
  });
});

describe('git log --name-only', () => {
  it('commits newest first, their files once each, baton\'s own files left out', () => {
    const out = '\x1eabc1234\x1ffeat: login\n\nsrc/login.js\n.claude/progress/state.json\n\x1edef5678\x1finitial\n\nsrc/login.js\napp/.claude/progress/metrics.json\nREADME.md\n';
    expect(parseLogWithFiles(out)).toEqual({
      commits: [
        { hash: 'abc1234', subject: 'feat: login' },
        { hash: 'def5678', subject: 'initial' },
      ],
      recentFiles: ['src/login.js', 'README.md'],
    });
  });
});

describe('readGitContext', () => {
  it('a repository git cannot read now (a damaged index) is still a repository, with the reason and what the log says', async () => {
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-damaged-')));
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    for (const args of [['init', '-q'], ['commit', '-q', '--allow-empty', '-m', 'first']]) execFileSync('git', args, { cwd: dir, env });
    writeFileSync(path.join(dir, '.git', 'index'), 'not an index');
    const context = await readGitContext(dir);
    expect(context).toMatchObject({ isRepo: true, commits: [{ subject: 'first' }] });
    expect(context.warnings.join('\n')).toContain('git status failed');
  });
});
