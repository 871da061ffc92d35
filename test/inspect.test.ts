/**
 * The live Stately inspector end to end, offline: `baton inspect` (the relay from
 * @statelyai/inspect/server) as a child process on a free port, a plain `ws` client
 * listening to it as the Stately UI would, and `baton entry|send --inspect-url` sending the
 * session's frames. Also: with no relay, the CLI says so and exits promptly.
 */
import { execa, type ResultPromise } from 'execa';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { baton, CLI, freePort, makeProject, TEST_CONFIG_HOME } from './helpers.js';

interface Frame {
  type: string;
  sessionId: string;
  rootId?: string;
  name?: string;
  definition?: string;
  event?: { type: string; [key: string]: unknown };
  snapshot?: { value?: unknown; status?: string };
  _version?: string;
}


async function waitFor<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('baton inspect + entry/send --inspect: frames reach a WebSocket client through the relay', () => {
  let relay: ResultPromise;
  let relayOutput = '';
  let port: number;
  let client: WebSocket;
  const frames: Frame[] = [];

  beforeAll(async () => {
    port = await freePort();
    relay = execa(process.execPath, [CLI, 'inspect', '--port', String(port)], { env: { NO_COLOR: '1' }, reject: false });
    relay.stdout!.on('data', (chunk: Buffer) => (relayOutput += chunk.toString()));
    await waitFor(() => relayOutput.includes('listening'), 10_000, `the relay to listen (output so far: ${relayOutput})`);
    client = new WebSocket(`ws://127.0.0.1:${port}`);
    client.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
  });

  afterAll(async () => {
    client?.close();
    relay?.kill('SIGTERM');
    await relay;
  });

  it('says where it listens and how to connect', () => {
    expect(relayOutput).toContain(`inspector relay listening on ws://localhost:${port}`);
    expect(relayOutput).toContain(`--inspect-url ws://localhost:${port}`);
  });

  it('entry --inspect-url: an @xstate.actor frame with the machine, @xstate.event SESSION_ENTRY, snapshots up to INIT; the CLI exits promptly', async () => {
    const project = await makeProject();
    const started = Date.now();
    const result = await baton(['entry', '--inspect-url', `ws://localhost:${port}`], { cwd: project.dir, timeoutMs: 15_000 });
    const elapsed = Date.now() - started;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Next state: INIT');
    expect(result.stderr).not.toContain('no inspector relay');
    expect(elapsed).toBeLessThan(5_000);

    const root = await waitFor(() => frames.find((frame) => frame.type === '@xstate.actor' && frame.name === 'session'), 5_000, 'the root actor frame');
    const definition = JSON.parse(root.definition!);
    expect(definition.id).toBe('session');
    // safe-stable-stringify sorts the keys.
    expect(Object.keys(definition.states).sort()).toEqual(['COMPLETE', 'FIX_BROKEN', 'IMPLEMENT', 'INIT', 'START', 'TEST']);
    expect(Object.keys(definition.states.TEST.states).sort()).toEqual(['awaitingResults', 'committing', 'judging', 'routing', 'running']);
    expect(root._version).toMatch(/^\d+\.\d+/);

    const ofRoot = (type: string) => frames.filter((frame) => frame.type === type && frame.sessionId === root.sessionId);
    await waitFor(() => ofRoot('@xstate.snapshot').some((frame) => frame.snapshot?.value === 'INIT'), 5_000, 'a snapshot in INIT');
    const events = ofRoot('@xstate.event').map((frame) => frame.event!.type);
    expect(events).toContain('SESSION_ENTRY');
    // The invoked actors report back as events to the root: git context, health, feature list, context.
    expect(events).toEqual(expect.arrayContaining(['xstate.done.actor.gitContext', 'xstate.done.actor.healthCheck', 'xstate.done.actor.featureList', 'xstate.done.actor.sessionContext']));
    const values = ofRoot('@xstate.snapshot').map((frame) => JSON.stringify(frame.snapshot!.value));
    expect(values).toContain(JSON.stringify({ START: { safetyValidation: { git: 'running', health: 'running' } } }));
    expect(values.at(-1)).toBe('"INIT"');
    // The invoked actors appear as actors of their own, children of the session.
    const children = frames.filter((frame) => frame.type === '@xstate.actor' && frame.rootId === root.sessionId && frame.sessionId !== root.sessionId);
    expect(children.map((frame) => frame.name)).toEqual(expect.arrayContaining(['gitContext', 'healthCheck']));
  });

  it('send --inspect-url: the event and the new state; BATON_INSPECT does the same for any command', async () => {
    const project = await makeProject();
    expect((await baton(['entry'], { cwd: project.dir })).exitCode).toBe(0);
    const before = frames.length;
    const sent = await baton(['send', 'HEALTH_BROKEN', '--data', '{"reason":"server down"}', '--inspect-url', `ws://127.0.0.1:${port}`], { cwd: project.dir });
    expect(sent.exitCode, sent.stderr).toBe(0);
    await waitFor(() => frames.slice(before).some((frame) => frame.type === '@xstate.snapshot' && JSON.stringify(frame.snapshot?.value) === '{"FIX_BROKEN":"awaitingFix"}'), 5_000, 'a snapshot in FIX_BROKEN');
    expect(frames.slice(before).some((frame) => frame.type === '@xstate.event' && frame.event?.type === 'HEALTH_BROKEN' && frame.event.reason === 'server down')).toBe(true);

    const mark = frames.length;
    const fixed = await baton(['send', 'HEALTH_FIXED'], { cwd: project.dir, env: { BATON_INSPECT: `ws://127.0.0.1:${port}` } });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    await waitFor(() => frames.slice(mark).some((frame) => frame.type === '@xstate.event' && frame.event?.type === 'HEALTH_FIXED'), 5_000, 'the HEALTH_FIXED event');
    await waitFor(() => frames.slice(mark).some((frame) => frame.type === '@xstate.snapshot' && frame.snapshot?.value === 'INIT'), 5_000, 'back in INIT after the health check');
  });

  it('refuses a port that is taken', async () => {
    const taken = await baton(['inspect', '--port', String(port)], { cwd: process.cwd(), timeoutMs: 10_000 });
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toContain(`port ${port} is already in use`);
  });
});

describe('--inspect with no relay listening', () => {
  it('says so on stderr, runs the command anyway and exits 0 in well under 5 s', async () => {
    const project = await makeProject();
    const port = await freePort();
    const started = Date.now();
    const result = await baton(['entry', '--inspect-url', `ws://127.0.0.1:${port}`], { cwd: project.dir, timeoutMs: 15_000 });
    const elapsed = Date.now() - started;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(`no inspector relay at ws://127.0.0.1:${port} (connection refused); going on without inspection`);
    expect(result.stdout).toContain('Next state: INIT');
    expect(elapsed).toBeLessThan(5_000);
    expect((await project.readJson('.claude/progress/state.json')).state).toBe('INIT');
  });

  it('plain --inspect uses ws://localhost:8080 (when nothing listens there)', async () => {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: 'localhost', port: 8080 });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (listening) return; // something else owns 8080 on this machine: nothing to check
    const project = await makeProject();
    const started = Date.now();
    const result = await baton(['entry', '--inspect'], { cwd: project.dir, timeoutMs: 15_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('no inspector relay at ws://localhost:8080');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('BATON_INSPECT that is not a ws:// URL: a warning on stderr naming it, and every command runs as usual', async () => {
    const project = await makeProject();
    for (const value of ['yes', 'http://localhost:8080']) {
      const env = { BATON_INSPECT: value };
      const entry = await baton(['entry'], { cwd: project.dir, env });
      expect(entry.exitCode, entry.stderr).toBe(0);
      expect(entry.stdout).toContain('Next state: INIT');
      expect(entry.stderr).toContain(`baton: warning: BATON_INSPECT=${value} is not a ws:// or wss:// URL; going on without inspection`);
      // status sends no event, so it opens no inspector: nothing to warn about, and it runs as usual.
      const status = await baton(['status', '--json'], { cwd: project.dir, env });
      expect(status.exitCode, status.stderr).toBe(0);
      expect(status.json().state).toBe('INIT');
      const send = await baton(['send', 'HEALTH_BROKEN'], { cwd: project.dir, env });
      expect(send.exitCode, send.stderr).toBe(0);
      expect(send.stderr).toContain(`BATON_INSPECT=${value} is not a ws:// or wss:// URL`);
      await baton(['entry', '--force'], { cwd: project.dir });
    }
  });

  it('a URL that is not ws:// is a usage error', async () => {
    const project = await makeProject();
    const result = await baton(['entry', '--inspect-url', 'http://localhost:8080'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('must start with ws:// or wss://');
  });

  it('the relay stops on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    const relay = execa(process.execPath, [CLI, 'inspect', '--port', String(port), '--json'], { env: { XDG_CONFIG_HOME: TEST_CONFIG_HOME }, reject: false });
    let output = '';
    relay.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('"listening": true'), 10_000, 'the relay');
    expect(JSON.parse(output)).toMatchObject({ listening: true, port, url: `ws://localhost:${port}` });
    relay.kill('SIGTERM');
    const done = await relay;
    expect(done.exitCode).toBe(0);
  });
});
