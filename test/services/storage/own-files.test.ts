/**
 * The storage layer's trust boundary, against the source on a real temp file system: links,
 * folders where files belong, FIFOs and huge files under .claude/ are never followed, read
 * through or deleted; writers move the entry itself aside and say so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectPaths, type ProjectPaths } from '../../../services/project/paths.js';
import { removeStrayTempFiles } from '../../../services/storage/cleanup.js';
import { acquireLock } from '../../../services/storage/lock.js';
import { takeNotices } from '../../../services/storage/notices.js';
import { UnsafeFolderError } from '../../../services/storage/own-path.js';
import { readOwnJson, readOwnText, readProjectText } from '../../../services/storage/read.js';
import { appendOwnLine, createOwnFile, ensureOwnDir, listOwnDir, removeOwnFile, writeOwnFile } from '../../../services/storage/write.js';

let base: string;
let outside: string;
let paths: ProjectPaths;

beforeEach(() => {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-storage-')));
  outside = path.join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.json'), '{"token": "SECRET-OUTSIDE"}\n');
  writeFileSync(path.join(outside, 'old.log'), 'user log\n');
  mkdirSync(path.join(base, 'project', '.claude', 'progress'), { recursive: true });
  paths = projectPaths(path.join(base, 'project'));
  takeNotices();
  before = outsideSnapshot();
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Every outside file with its content: what a test expects to find unchanged. */
const outsideSnapshot = () => execFileSync('sh', ['-c', 'for f in $(ls -A); do printf "%s=" "$f"; cat "$f"; done'], { cwd: outside, encoding: 'utf8' });
let before: string;
const outsideUnchanged = () => expect(outsideSnapshot()).toBe(before);

describe('reading never goes through a link', () => {
  it('a linked file is a bad entry naming the link and its target; its content is not read', () => {
    symlinkSync(path.join(outside, 'secret.json'), paths.state);
    const read = readOwnText(paths, paths.state);
    expect(read.kind).toBe('bad');
    if (read.kind !== 'bad') return;
    expect(read.problem.file).toBe('.claude/progress/state.json');
    expect(read.problem.problem).toContain('symbolic link');
    expect(JSON.stringify(read)).not.toContain('SECRET-OUTSIDE');
  });

  it('a linked .claude/progress stops the command (UnsafeFolderError, exit 4) naming it and what to do', () => {
    rmSync(paths.progressDir, { recursive: true });
    symlinkSync(outside, paths.progressDir);
    expect(() => readOwnText(paths, paths.state)).toThrow(UnsafeFolderError);
    try {
      readOwnText(paths, paths.state);
    } catch (error) {
      expect((error as UnsafeFolderError).exitCode).toBe(4);
      expect((error as Error).message).toMatch(/^\.claude\/progress: is a symbolic link \(to .*outside\)/);
      expect((error as UnsafeFolderError).hint).toContain('make it a real folder');
    }
  });

  it('a linked .claude is refused the same way, and so is a file where .claude/config belongs', () => {
    const other = projectPaths(path.join(base, 'other'));
    mkdirSync(other.root);
    symlinkSync(outside, other.claudeDir);
    expect(() => readOwnText(other, other.config)).toThrow(/^\.claude: is a symbolic link/);
    writeFileSync(paths.configDir, 'not a folder');
    expect(() => readOwnText(paths, paths.config)).toThrow(/\.claude\/config: is a file where baton keeps a folder/);
  });

  it('a folder where a file belongs, a FIFO (which would block a reader), and a huge file are bad entries, answered at once', () => {
    mkdirSync(paths.state);
    expect(readOwnText(paths, paths.state)).toMatchObject({ kind: 'bad', problem: { problem: 'is a folder where baton keeps a file' } });
    execFileSync('mkfifo', [paths.checkpoint]);
    expect(readOwnText(paths, paths.checkpoint)).toMatchObject({ kind: 'bad', problem: { problem: 'is a FIFO where baton keeps a file' } });
    writeFileSync(paths.events, '');
    truncateSync(paths.events, 200 * 1024 * 1024);
    const huge = readOwnText(paths, paths.events);
    expect(huge).toMatchObject({ kind: 'bad', entry: true });
    if (huge.kind === 'bad') expect(huge.problem.problem).toBe('is 200 MB, more than the 16 MB baton reads of it; it was not read');
  });

  it('a linked subfolder (evidence/) makes the files below it unreachable, and is not listed', async () => {
    symlinkSync(outside, paths.evidence);
    expect(readOwnText(paths, path.join(paths.evidence, 'old.log'))).toMatchObject({ kind: 'bad', problem: { problem: expect.stringContaining('.claude/progress/evidence is a symbolic link') } });
    expect(await listOwnDir(paths, paths.evidence)).toMatchObject({ kind: 'bad' });
  });

  it('JSON is parsed and validated with the file named', () => {
    writeFileSync(paths.metrics, '{"sessions": [');
    expect(readOwnJson(paths, paths.metrics)).toMatchObject({ kind: 'invalid', problem: { file: '.claude/progress/metrics.json', problem: expect.stringContaining('truncated') } });
  });

  it('a project file that links outside the project is not read', () => {
    symlinkSync(path.join(outside, 'secret.json'), path.join(paths.root, 'package.json'));
    const read = readProjectText(paths, 'package.json');
    expect(read).toMatchObject({ kind: 'bad', problem: { file: 'package.json', problem: expect.stringContaining('outside the project') } });
    writeFileSync(path.join(paths.root, 'real.json'), '{}');
    symlinkSync('real.json', path.join(paths.root, 'inside.json'));
    expect(readProjectText(paths, 'inside.json')).toEqual({ kind: 'ok', text: '{}' });
  });
});

describe('writing moves a bad entry aside and writes a real file', () => {
  it('a linked state.json: the link is moved aside (its target untouched), a notice says so, the new file is real', async () => {
    symlinkSync(path.join(outside, 'secret.json'), paths.state);
    await writeOwnFile(paths, paths.state, '{"state": "INIT"}\n', { backup: paths.stateBackup });
    expect(lstatSync(paths.state).isFile()).toBe(true);
    expect(readFileSync(paths.state, 'utf8')).toBe('{"state": "INIT"}\n');
    const notices = takeNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^\.claude\/progress\/state\.json is a symbolic link \(to .*secret\.json\); baton did not follow or use it and moved it aside to \.claude\/progress\/state\.json\.bad-/);
    const aside = notices[0]!.split('moved it aside to ')[1]!;
    expect(readlinkSync(path.join(paths.root, aside))).toBe(path.join(outside, 'secret.json'));
    expect(existsSync(paths.stateBackup)).toBe(false);
    outsideUnchanged();
  });

  it('a linked backup is moved aside before the backup is written, so the link is never replaced through', async () => {
    writeFileSync(paths.state, 'old\n');
    symlinkSync(path.join(outside, 'secret.json'), paths.stateBackup);
    await writeOwnFile(paths, paths.state, 'new\n', { backup: paths.stateBackup });
    expect(readFileSync(paths.stateBackup, 'utf8')).toBe('old\n');
    expect(lstatSync(paths.stateBackup).isFile()).toBe(true);
    outsideUnchanged();
  });

  it('appending to a linked log appends to a new real log, never to the target', async () => {
    symlinkSync(path.join(outside, 'old.log'), paths.events);
    await appendOwnLine(paths, paths.events, '{"revision": 1}');
    expect(readFileSync(paths.events, 'utf8')).toBe('{"revision": 1}\n');
    expect(takeNotices()).toHaveLength(1);
    outsideUnchanged();
  });

  it('a linked or file-shaped subfolder is moved aside and made real; a new evidence file lands inside the project', async () => {
    symlinkSync(outside, paths.evidence);
    const handle = await createOwnFile(paths, path.join(paths.evidence, 'run.log'));
    await handle.writeFile('output');
    await handle.close();
    expect(lstatSync(paths.evidence).isDirectory()).toBe(true);
    expect(readFileSync(path.join(paths.evidence, 'run.log'), 'utf8')).toBe('output');
    writeFileSync(paths.summaries, 'a file');
    await ensureOwnDir(paths, paths.summaries);
    expect(lstatSync(paths.summaries).isDirectory()).toBe(true);
    expect(takeNotices()).toHaveLength(2);
    outsideUnchanged();
  });

  it('a linked .claude/progress is never written through: the write throws, nothing appears outside', async () => {
    rmSync(paths.progressDir, { recursive: true });
    symlinkSync(outside, paths.progressDir);
    await expect(writeOwnFile(paths, paths.state, '{}')).rejects.toThrow(UnsafeFolderError);
    await expect(appendOwnLine(paths, paths.events, '{}')).rejects.toThrow(UnsafeFolderError);
    await expect(acquireLock(paths)).rejects.toThrow(UnsafeFolderError);
    outsideUnchanged();
  });

  it('creates .claude/progress where none exists, each folder real', async () => {
    const fresh = projectPaths(path.join(base, 'fresh'));
    mkdirSync(fresh.root);
    await writeOwnFile(fresh, fresh.state, '{}');
    expect(lstatSync(fresh.progressDir).isDirectory()).toBe(true);
  });
});

describe('deleting only what baton created', () => {
  it('removes a regular file with baton naming; leaves a link, a folder or another name where it is', async () => {
    await ensureOwnDir(paths, paths.evidence);
    const own = path.join(paths.evidence, '2026-01-01T00-00-00-000Z-health_check-1.log');
    writeFileSync(own, 'x');
    const naming = /^\d{4}-.*\.log$/;
    expect(await removeOwnFile(paths, own, naming)).toBe(true);
    expect(existsSync(own)).toBe(false);
    const link = path.join(paths.evidence, '2026-01-01T00-00-00-000Z-health_check-2.log');
    symlinkSync(path.join(outside, 'old.log'), link);
    expect(await removeOwnFile(paths, link, naming)).toBe(false);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const user = path.join(paths.evidence, 'notes.txt');
    writeFileSync(user, 'mine');
    expect(await removeOwnFile(paths, user, naming)).toBe(false);
    outsideUnchanged();
  });

  it('stray temp files of dead writers go; a live writer’s stay; a linked one is left alone', async () => {
    const dead = path.join(paths.progressDir, '.state.json.999999.abcdef01.tmp');
    const live = path.join(paths.progressDir, `.state.json.${process.pid}.abcdef02.tmp`);
    const linked = path.join(paths.progressDir, '.metrics.json.999999.abcdef03.tmp');
    writeFileSync(dead, 'x');
    writeFileSync(live, 'x');
    symlinkSync(path.join(outside, 'old.log'), linked);
    expect(await removeStrayTempFiles(paths, paths.progressDir)).toEqual([path.basename(dead)]);
    expect(existsSync(live)).toBe(true);
    expect(lstatSync(linked).isSymbolicLink()).toBe(true);
    outsideUnchanged();
  });
});

describe('the lock', () => {
  it('a committed link where the lock belongs is set aside, and the lock works', async () => {
    writeFileSync(path.join(outside, 'lock.json'), JSON.stringify({ pid: process.ppid, token: 'x' }));
    before = outsideSnapshot();
    symlinkSync(path.join(outside, 'lock.json'), paths.lock);
    const lock = await acquireLock(paths, { timeoutMs: 500 });
    expect(lstatSync(paths.lock).isFile()).toBe(true);
    await lock.release();
    expect(existsSync(paths.lock)).toBe(false);
    expect(takeNotices()[0]).toContain('.claude/progress/.lock is a symbolic link');
    outsideUnchanged();
  });

  it('timeoutMs 0 tries once: a live holder makes it fail at once', async () => {
    const held = await acquireLock(paths);
    const started = Date.now();
    await expect(acquireLock(paths, { timeoutMs: 0 })).rejects.toThrow(/locked by pid/);
    expect(Date.now() - started).toBeLessThan(200);
    await held.release();
  });
});
