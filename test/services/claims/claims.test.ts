/** The claim board against the source: where it is, what it refuses, and the lease rules, on real repositories. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimBoard } from '../../../services/claims/board.js';
import { boardClaims, claimFeature, releaseFeature, renewIfDue, settleClaims } from '../../../services/claims/claims.js';
import { BadFileError } from '../../../services/errors.js';
import { projectPaths } from '../../../services/project/paths.js';
import { takeNotices } from '../../../services/storage/notices.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: ENV, stdio: 'pipe' }).toString().trim();
const temp = (name: string) => realpathSync(mkdtempSync(path.join(os.tmpdir(), `baton-${name}-`)));

function repository(): string {
  const dir = temp('claims');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'first');
  return dir;
}

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, seconds));
const claimant = (seconds: number, leaseSeconds = 60) => ({ sessionId: 's', leaseSeconds, now: at(seconds) });

describe('where the claims are', () => {
  it('in the common git dir, for the main checkout and its worktrees alike; a project in a subfolder has its own', () => {
    const repo = repository();
    const worktree = `${repo}-wt`;
    git(repo, 'worktree', 'add', '-q', '-b', 'other', worktree);
    expect(claimBoard(projectPaths(repo)).folder.dir).toBe(path.join(repo, '.git', 'baton', 'claims'));
    expect(claimBoard(projectPaths(worktree))).toMatchObject({ scope: 'git', holder: realpathSync(worktree), folder: { dir: path.join(repo, '.git', 'baton', 'claims') } });
    mkdirSync(path.join(repo, 'apps', 'web'), { recursive: true });
    expect(claimBoard(projectPaths(path.join(repo, 'apps', 'web'))).folder.dir).toBe(path.join(repo, '.git', 'baton', 'projects', 'apps%2Fweb', 'claims'));
  });

  it('in the project when there is no git dir baton can trust: none, a .git link, or a .git file whose git dir does not name it back', () => {
    const plain = temp('plain');
    expect(claimBoard(projectPaths(plain))).toMatchObject({ scope: 'project', folder: { dir: path.join(plain, '.claude', 'progress', 'claims') } });

    const elsewhere = repository();
    const linked = temp('linked');
    symlinkSync(path.join(elsewhere, '.git'), path.join(linked, '.git'));
    expect(claimBoard(projectPaths(linked)).scope).toBe('project');

    // A clone's .git file naming another repository's worktree folder: that folder names its own worktree, not this one.
    const victim = repository();
    git(victim, 'worktree', 'add', '-q', '-b', 'w', `${victim}-wt`);
    const hostile = temp('hostile');
    writeFileSync(path.join(hostile, '.git'), `gitdir: ${path.join(victim, '.git', 'worktrees', path.basename(`${victim}-wt`))}\n`);
    expect(claimBoard(projectPaths(hostile)).scope).toBe('project');

    // A git dir the clone carries, naming itself back, whose commondir names another repository.
    const forged = temp('forged');
    mkdirSync(path.join(forged, '.gitx', 'wt'), { recursive: true });
    writeFileSync(path.join(forged, '.gitx', 'wt', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(forged, '.gitx', 'wt', 'gitdir'), '../../.git\n');
    writeFileSync(path.join(forged, '.gitx', 'wt', 'commondir'), `${path.join(victim, '.git')}\n`);
    writeFileSync(path.join(forged, '.git'), 'gitdir: .gitx/wt\n');
    expect(claimBoard(projectPaths(forged)).scope).toBe('project');
  });
});

describe('claim files a clone could forge', () => {
  it('a lease past a day, a control character in the holder, or an id that is a path: no claim, no crash, nothing outside touched', async () => {
    const repo = repository();
    const board = claimBoard(projectPaths(repo));
    await board.folder.ensure();
    const forged = (fields: object) => JSON.stringify({ feature: 'f', holder: '/elsewhere', session_id: null, pid: 1, claimed_at: '2020-01-01T00:00:00Z', renewed_at: '2020-01-01T00:00:00Z', lease_seconds: 60, done_at: null, ...fields });
    writeFileSync(path.join(board.folder.dir, 'f.json'), forged({ lease_seconds: 1e13 }));
    expect(await boardClaims(board, at(0))).toEqual([]);
    writeFileSync(path.join(board.folder.dir, 'f.json'), forged({ holder: '/x\u001b[31m\nbaton: all good' , lease_seconds: 86_400, renewed_at: '2026-12-03T12:00:00Z' }));
    expect(await boardClaims(board, at(0))).toEqual([]);

    const outside = temp('outside');
    writeFileSync(path.join(outside, 'c.json'), forged({ feature: `../../../../../../..${outside}/c`, holder: board.holder }));
    const before = readFileSync(path.join(outside, 'c.json'), 'utf8');
    expect(await renewIfDue(board, `../../../../../../..${outside}/c`, at(0))).toBe(false);
    expect(readFileSync(path.join(outside, 'c.json'), 'utf8')).toBe(before);
    await expect(claimFeature(board, '../x', claimant(0))).rejects.toThrow(/is not a feature id/);
  });
});

describe('claiming', () => {
  it('refuses a live claim of another checkout, takes an expired one, and keeps a finished one for good', async () => {
    const repo = repository();
    const other = `${repo}-wt`;
    git(repo, 'worktree', 'add', '-q', '-b', 'other', other);
    const [mine, theirs] = [claimBoard(projectPaths(repo)), claimBoard(projectPaths(other))];
    expect(await claimFeature(mine, 'login', claimant(0, 10))).toMatchObject({ kind: 'claimed', took: true });
    expect(await claimFeature(theirs, 'login', claimant(9, 10))).toMatchObject({ kind: 'taken', claim: { holder: mine.holder } });
    const taken = await claimFeature(theirs, 'login', claimant(10, 10));
    expect(taken).toMatchObject({ kind: 'claimed', took: true, expired: { holder: mine.holder } });

    await settleClaims(theirs, { working: null, done: new Set(['login']) }, claimant(11, 10));
    const [done] = await boardClaims(mine, at(100_000));
    expect(done).toMatchObject({ feature: 'login', holder: theirs.holder, live: true, mine: false, expires_at: null });
    expect(await claimFeature(mine, 'login', claimant(100_000, 10))).toMatchObject({ kind: 'taken' });
    expect(await releaseFeature(mine, 'login')).toMatchObject({ holder: theirs.holder });
    expect(await boardClaims(mine, at(0))).toEqual([]);
  });

  it('settling releases what the list no longer has this checkout working on', async () => {
    const board = claimBoard(projectPaths(repository()));
    await claimFeature(board, 'a', claimant(0));
    await claimFeature(board, 'b', claimant(0));
    await settleClaims(board, { working: 'b', done: new Set() }, claimant(1));
    expect((await boardClaims(board, at(1))).map((claim) => claim.feature)).toEqual(['b']);
  });

  it('a damaged claim file is kept aside and named; a link where the board belongs is refused and nothing is written through it', async () => {
    const repo = repository();
    const board = claimBoard(projectPaths(repo));
    await board.folder.ensure();
    writeFileSync(path.join(board.folder.dir, 'login.json'), '{ not json');
    takeNotices();
    expect(await claimFeature(board, 'login', claimant(0))).toMatchObject({ kind: 'claimed', took: true });
    expect(takeNotices().join('\n')).toMatch(/the claim file of login .* is not a claim baton wrote; kept it as .*login\.json\.bad-/);
    const aside = readdirSync(board.folder.dir).find((name) => name.startsWith('login.json.bad-'))!;
    expect(readFileSync(path.join(board.folder.dir, aside), 'utf8')).toBe('{ not json');

    const other = repository();
    const outside = temp('outside');
    symlinkSync(outside, path.join(other, '.git', 'baton'));
    const linkedBoard = claimBoard(projectPaths(other));
    await expect(claimFeature(linkedBoard, 'login', claimant(0))).rejects.toThrow(BadFileError);
    await expect(claimFeature(linkedBoard, 'login', claimant(0))).rejects.toThrow(/\.git\/baton: is a symbolic link \(to .*\); baton keeps its own files there and does not follow links/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(outside, 'claims'))).toBe(false);
  });
});
