/**
 * Child processes under real use: a command's result is its own exit, whatever its escaped
 * descendants do with the output pipe; a timeout holds in wall time; a dev environment that
 * daemonizes is still tracked, never started twice, and stopped; its log stays bounded.
 * Real processes, real ports.
 */
import { execa } from 'execa';
import { existsSync, promises as fs, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../actors/run-command.js';
import { EVIDENCE_MAX_BYTES } from '../services/lifecycle/evidence.js';
import { projectPaths } from '../services/project/paths.js';
import { alive, baton, configure, makeProject, waitFor, type Project } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Processes a test leaves running on purpose (escaped descendants): ended after each test,
// with their group when they lead one (what `setsid` made of them).
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
});

async function pidsIn(file: string): Promise<number[]> {
  if (!existsSync(file)) return [];
  return (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean).map(Number);
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'baton-proc-'));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('a command is its own exit', () => {
  it('`setsid sleep 12 & exit 0` with a 2 s timeout passes at once; the escaped sleep is left running, not waited for', async () => {
    const dir = await tempDir();
    const started = Date.now();
    const result = await runCommand('echo before; setsid sleep 12 & echo $! > escaped; exit 0', { cwd: dir, timeoutMs: 2_000, graceMs: 500 });
    const elapsed = Date.now() - started;
    console.log(`"setsid sleep 12 & exit 0" (timeout 2 s) returned after ${elapsed} ms`);
    const [escaped] = await pidsIn(path.join(dir, 'escaped'));
    leftovers.push(escaped!);
    expect(result).toMatchObject({ ok: true, exitCode: 0, timedOut: false });
    expect(result.outputTail).toContain('before');
    expect(elapsed).toBeLessThan(1_000);
    expect(alive(escaped!)).toBe(true);
  });

  it('`setsid sh -c "sleep 12" & sleep 30` with a 2 s timeout times out after about 2 s plus the grace', async () => {
    const dir = await tempDir();
    const started = Date.now();
    const result = await runCommand(`setsid sh -c 'sleep 12' & echo $! > escaped; sleep 30 & echo $! > own; wait`, { cwd: dir, timeoutMs: 2_000, graceMs: 500 });
    const elapsed = Date.now() - started;
    console.log(`"setsid sh -c 'sleep 12' & sleep 30" (timeout 2 s, grace 0.5 s) returned after ${elapsed} ms`);
    leftovers.push(...(await pidsIn(path.join(dir, 'escaped'))));
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(2_000 + 500 + 700);
    const [own] = await pidsIn(path.join(dir, 'own'));
    expect(alive(own!)).toBe(false);
  });

  it('a command that ignores SIGTERM and outlives it in a held pipe still returns by the deadline plus the grace', async () => {
    const dir = await tempDir();
    const started = Date.now();
    const result = await runCommand(`trap '' TERM; setsid sleep 12 & echo $! > escaped; while :; do sleep 0.1; done`, { cwd: dir, timeoutMs: 1_000, graceMs: 500 });
    const elapsed = Date.now() - started;
    leftovers.push(...(await pidsIn(path.join(dir, 'escaped'))));
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(elapsed).toBeLessThan(1_000 + 500 + 700);
  });

  it('says in the evidence that escaped processes still held the output when the command exited', async () => {
    const project = await makeProject();
    const result = await runCommand('setsid sleep 12 & echo $! > escaped; exit 0', { cwd: project.dir, timeoutMs: 5_000, evidence: { paths: projectPaths(project.dir), label: 'health_check' } });
    leftovers.push(...(await pidsIn(project.file('escaped'))));
    expect(await fs.readFile(result.evidence!, 'utf8')).toMatch(/\[exit 0, \d+ ms; output still held open by processes outside the command's group, not read further\]/);
  });

  it("a timeout beyond Node's timer limit (2^31-1 ms) does not fire at once", async () => {
    const result = await runCommand('sleep 0.3', { cwd: os.tmpdir(), timeoutMs: 3_000_000 * 1000 });
    expect(result).toMatchObject({ ok: true, timedOut: false });
  });

  it('an entry whose health_check is `setsid sleep 12 & exit 0` (timeout 2 s) is healthy, quickly', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'setsid sleep 12 & echo $! > escaped; exit 0', timeout_seconds: { health_check: 2 } });
    const started = Date.now();
    const entry = await baton(['entry', '--json'], { cwd: project.dir });
    const elapsed = Date.now() - started;
    console.log(`entry with health_check "setsid sleep 12 & exit 0" (timeout 2 s) took ${elapsed} ms`);
    leftovers.push(...(await pidsIn(project.file('escaped'))));
    expect(entry.json()).toMatchObject({ health_status: 'HEALTHY', next_state: 'INIT' });
    expect(elapsed).toBeLessThan(4_000);
  });
});

describe('durations in project.json are bounded', () => {
  it('`full_test: 3000000` is a bad config (exit 4) naming the field and the limit', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { test_command: 'true', timeout_seconds: { full_test: 3_000_000 } });
    const entry = await baton(['entry'], { cwd: project.dir });
    expect(entry.exitCode).toBe(4);
    expect(entry.stderr).toContain('project.json (timeout_seconds.full_test): must be at most 86400 seconds (a day)');
  });

  it('`checkpoint_interval_seconds` beyond a week is refused the same way', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { checkpoint_interval_seconds: 30 * 24 * 3600 });
    const entry = await baton(['entry'], { cwd: project.dir });
    expect(entry.exitCode).toBe(4);
    expect(entry.stderr).toContain('project.json (checkpoint_interval_seconds): must be at most 604800 seconds (a week)');
  });
});

/** A dev server that daemonizes: the init_script's shell returns at once, the server leaves its session. */
async function daemonProject(port: number, extra: object = {}): Promise<Project> {
  const project = await makeProject();
  await project.write(
    'server.js',
    `require('fs').appendFileSync('pids', process.pid + '\\n');\nrequire('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');\n`,
  );
  await configure(project, {
    init_script: 'setsid node server.js &',
    health_check: `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"`,
    timeout_seconds: { health_check: 10 },
    ...extra,
  });
  return project;
}

describe('a dev environment that daemonizes', () => {
  for (const withPort of [true, false]) {
    it(`is one copy over three entries, running, and stopped by \`env stop\`${withPort ? ' (dev_server_port set)' : ' (no port configured)'}`, async () => {
      const port = await freePort();
      const project = await daemonProject(port, withPort ? { dev_server_port: port } : {});
      const started = Date.now();
      for (let i = 0; i < 3; i += 1) expect((await baton(['entry', '--json'], { cwd: project.dir })).json().health_status).toBe('HEALTHY');
      console.log(`three entries with a daemonizing init_script took ${Date.now() - started} ms`);
      const pids = await pidsIn(project.file('pids'));
      leftovers.push(...pids);
      expect(pids).toHaveLength(1);
      expect(alive(pids[0]!)).toBe(true);

      const status = await baton(['env', 'status'], { cwd: project.dir });
      expect(status.stdout).toMatch(/^running: setsid node server\.js &/);
      expect(status.stdout).toContain(String(pids[0]));

      const stopping = Date.now();
      const stopped = await baton(['env', 'stop'], { cwd: project.dir });
      console.log(`env stop took ${Date.now() - stopping} ms`);
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stdout).toMatch(/^stopped /);
      expect(stopped.stdout).toContain(String(pids[0]));
      expect(alive(pids[0]!)).toBe(false);
      expect(await listening(port)).toBe(false);
      expect((await baton(['env', 'status'], { cwd: project.dir })).stdout).toMatch(/^no dev environment started/);
    });
  }

  it('a port taken by a process baton did not start: init_script is not run a second time, and `env stop` leaves that process alone', async () => {
    const port = await freePort();
    const project = await daemonProject(port, { dev_server_port: port });
    // The user's own server on the port, started outside baton.
    const theirs = execa('node', ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`], { cwd: project.dir, reject: false });
    leftovers.push(theirs.pid!);
    await waitFor(() => listening(port));

    const entry = await baton(['entry', '--json'], { cwd: project.dir });
    expect(entry.json().health_status).toBe('HEALTHY');
    expect(entry.json().warnings.join('\n')).toContain(`init_script not started: port ${port} (dev_server_port) is in use by a process that baton cannot tell is its dev environment`);
    expect(await pidsIn(project.file('pids'))).toEqual([]);

    await baton(['env', 'stop'], { cwd: project.dir });
    expect(alive(theirs.pid!)).toBe(true);
  });

  it('an init_script that changed: the running environment is stopped before the new one starts', async () => {
    const port = await freePort();
    const project = await daemonProject(port, { dev_server_port: port });
    await baton(['entry'], { cwd: project.dir });
    const [first] = await pidsIn(project.file('pids'));
    leftovers.push(first!);
    await configure(project, { ...(await project.readJson('.claude/config/project.json')), init_script: 'setsid node server.js & echo changed' });
    const entry = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    const pids = await pidsIn(project.file('pids'));
    leftovers.push(...pids);
    expect(entry.health_status).toBe('HEALTHY');
    expect(alive(first!)).toBe(false);
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([pids[1]]);
    await baton(['env', 'stop'], { cwd: project.dir });
  });
});

describe('the init_script log is bounded', () => {
  it('3 MB of output from a server that keeps running: the log stays within 256 KB, says what was dropped, and keeps the latest', async () => {
    const project = await makeProject();
    await project.write(
      'noisy.js',
      [
        "require('fs').writeFileSync('pid', String(process.pid));",
        "process.stdout.write('started up\\n');",
        "const line = 'x'.repeat(1023) + '\\n';",
        'for (let i = 0; i < 3 * 1024; i += 1) process.stdout.write(line);',
        "process.stdout.write('latest line\\n');",
        "require('fs').writeFileSync('written', '');",
        "setInterval(() => process.stdout.write('tick\\n'), 50);",
      ].join('\n'),
    );
    await configure(project, { init_script: 'setsid node noisy.js &', health_check: 'test -f written', timeout_seconds: { health_check: 10 } });
    await baton(['entry'], { cwd: project.dir });
    await waitFor(() => existsSync(project.file('written')));
    leftovers.push(...(await pidsIn(project.file('pid'))));
    const status = (await baton(['env', 'status', '--json'], { cwd: project.dir })).json();
    const log = status.record.log;
    const text = await fs.readFile(log, 'utf8');
    expect(text.length).toBeLessThanOrEqual(EVIDENCE_MAX_BYTES);
    expect(text).toMatch(/^started up\n/);
    expect(text).toMatch(/\[baton: \d+ bytes of output dropped here to keep this log under 256 KB\]/);
    expect(text).toContain('latest line');
    // The server still appends after the trim, at the end: the file does not jump back to 3 MB.
    await sleep(300);
    const after = statSync(log);
    expect(after.size).toBeLessThanOrEqual(EVIDENCE_MAX_BYTES);
    expect((await fs.readFile(log, 'utf8')).trimEnd().endsWith('tick')).toBe(true);
    await baton(['env', 'stop'], { cwd: project.dir });
  });
});
