/**
 * `baton serve` as the real service, a process on loopback: who it answers, its hook and event
 * routes next to the CLI's answers, a SIGKILL in the middle of a stream of events, timed
 * checkpoints with no command running, and one service per user.
 */
import { execa, type ResultPromise } from 'execa';
import { promises as fs, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baton, brokenProject, CLI, configure, freePort, makeProject, TEST_CLAUDE_HOME, waitFor, type Project } from './helpers.js';

let configHome: string;
let port: number;
let secret: string;
let service: ResultPromise;


const serviceEnv = () => ({ XDG_CONFIG_HOME: configHome, CLAUDE_CONFIG_DIR: TEST_CLAUDE_HOME, CLAUDE_PROJECT_DIR: '', NO_COLOR: '1' });

function startService(extra: string[] = []): ResultPromise {
  return execa(process.execPath, [CLI, 'serve', '--port', String(port), '--idle-exit', '120', ...extra], { env: serviceEnv(), reject: false });
}

async function serviceUp(): Promise<void> {
  await waitFor(async () => (await request('GET', '/v1/health').catch(() => null))?.status === 200, 10_000);
}

interface Reply {
  status: number;
  body: any;
}

function request(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: route, headers: { authorization: `Bearer ${secret}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const hookPayload = (project: Project, event: string, extra: object) => ({ session_id: 'serve-session', transcript_path: project.file('transcript.jsonl'), cwd: project.dir, hook_event_name: event, ...extra });


beforeAll(async () => {
  configHome = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-config-'));
  port = await freePort();
  service = startService();
  await waitFor(async () => {
    try {
      secret = JSON.parse(await fs.readFile(path.join(configHome, 'baton', 'serve.json'), 'utf8')).secret;
      return true;
    } catch {
      return false;
    }
  });
  await serviceUp();
}, 30_000);

afterAll(async () => {
  service?.kill('SIGTERM');
  await service?.catch(() => undefined);
  await fs.rm(configHome, { recursive: true, force: true });
});

describe('who the service answers', () => {
  it('its record holds a per-user secret, readable by the user only, outside every project', () => {
    const file = path.join(configHome, 'baton', 'serve.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a request without the secret, to a foreign Host, or from a web page, and says why', async () => {
    expect((await request('GET', '/v1/health', undefined, { authorization: '' })).status).toBe(401);
    expect((await request('GET', '/v1/health', undefined, { authorization: `Bearer ${'0'.repeat(64)}` })).status).toBe(401);
    const rebinding = await request('GET', '/v1/health', undefined, { host: `evil.example:${port}` });
    expect(rebinding.status).toBe(421);
    expect(rebinding.body.error.message).toContain('evil.example');
    const page = await request('POST', '/v1/events', { type: 'HEALTH_BROKEN' }, { origin: 'https://evil.example' });
    expect(page.status).toBe(403);
    expect((await request('GET', '/v1/health')).body).toMatchObject({ ok: true, pid: expect.any(Number) });
  });

  it('bad JSON is a 400 with the parse error; a body over 16 MB a 413; an unknown route a 404 listing the routes', async () => {
    const bad = await request('POST', '/v1/hooks/PreToolUse', '{"tool_name": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^the request body is not JSON/);
    const huge = await request('POST', '/v1/hooks/PostToolUse', `"${'x'.repeat(17 * 1024 * 1024)}"`);
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toContain('larger than 16 MB');
    const unknown = await request('GET', '/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('POST /v1/hooks/EVENT');
    expect((await request('POST', '/v1/hooks/SessionStart', {})).body.error.message).toContain('runs as a command hook');
  });

  it('a project in a request is canonical, a real project, and absolute', async () => {
    expect((await request('POST', '/v1/events', { project: 'relative/dir', type: 'HEALTH_BROKEN' })).status).toBe(400);
    const none = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-not-a-project-'));
    const notProject = await request('POST', '/v1/events', { project: none, type: 'HEALTH_BROKEN' });
    expect(notProject.status).toBe(404);
    expect(notProject.body.error.message).toContain('is not a project');
    // Nothing was created there.
    expect(await fs.readdir(none)).toEqual([]);
    const project = await makeProject();
    const link = path.join(os.tmpdir(), `baton-serve-link-${process.pid}`);
    await fs.rm(link, { force: true });
    await fs.symlink(project.dir, link);
    await baton(['entry'], { cwd: project.dir });
    const viaLink = await request('POST', '/v1/events', { project: link, type: 'HEALTH_BROKEN', data: { reason: 'through a link' } });
    expect(viaLink.body).toMatchObject({ exit_code: 0, report: { state: 'FIX_BROKEN' } });
    // Written in the project itself, never beside the link.
    expect((await project.readJson('.claude/progress/state.json')).state).toBe('FIX_BROKEN');
    await fs.rm(link);
  });

  it('a second service for the same user refuses to start, naming the one that runs', async () => {
    const second = await startService();
    expect(second.exitCode).toBe(5);
    expect(second.stderr).toContain('already runs for this user');
    expect((await request('GET', '/v1/health')).status).toBe(200);
  });
});

describe('what a hostile page, user or repository tried (an adversarial review)', () => {
  it('a request target that is not a path (`//a:99999/`, from a web page\'s <img>) is refused, and the service goes on', async () => {
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(`GET //a:99999/x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await request('GET', '/v1/health')).status).toBe(200);
  });

  it('the CLI never sends the secret to a program on the port that cannot prove it holds it, and does the work itself', async () => {
    const config = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-impostor-'));
    const impostorPort = await freePort();
    await fs.mkdir(path.join(config, 'baton'), { mode: 0o700 });
    await fs.writeFile(path.join(config, 'baton', 'serve.json'), JSON.stringify({ port: impostorPort, secret: 'c'.repeat(64) }), { mode: 0o600 });
    const seenHeaders: string[] = [];
    const impostor = http.createServer((req, res) => {
      seenHeaders.push(String(req.headers.authorization ?? ''));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ proof: 'f'.repeat(64), pid: 1, version: '0.1.0', exit_code: 0, report: {} }));
    });
    await new Promise<void>((resolve) => impostor.listen(impostorPort, '127.0.0.1', resolve));
    try {
      const project = await makeProject();
      await baton(['entry'], { cwd: project.dir });
      const sent = await baton(['send', 'HEALTH_BROKEN', '--data', '{"reason":"impostor"}'], { cwd: project.dir, env: { XDG_CONFIG_HOME: config } });
      expect(sent.exitCode, sent.stderr).toBe(0);
      expect((await project.readJson('.claude/progress/state.json')).state).toBe('FIX_BROKEN');
      expect(seenHeaders.length).toBeGreaterThan(0);
      expect(seenHeaders.filter((header) => header.includes('c'.repeat(64)))).toEqual([]);
    } finally {
      impostor.close();
      await fs.rm(config, { recursive: true, force: true });
    }
  });

  it('the HTTP gate guards the project its hooks were installed in, wherever the agent has `cd`-ed', async () => {
    const project = await brokenProject();
    const elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-cd-'));
    const payload = { ...hookPayload(project, 'PreToolUse', { tool_name: 'Write', tool_input: { file_path: project.file('src/app.js'), content: 'x' } }), cwd: elsewhere };
    const named = await request('POST', '/v1/hooks/PreToolUse', payload, { 'x-baton-project': project.dir });
    expect(named.body.hookSpecificOutput?.permissionDecision).toBe('deny');
  });

  it('a project whose .claude turns into a link after it was seen does not take the service down', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    await request('POST', '/v1/hooks/PreCompact', hookPayload(project, 'PreCompact', { trigger: 'auto' }));
    const target = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-target-'));
    await fs.rename(project.file('.claude'), project.file('claude-moved'));
    await fs.symlink(target, project.file('.claude'));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await request('GET', '/v1/health')).status).toBe(200);
    expect(await fs.readdir(target)).toEqual([]);
  });

  it('of several services started at once for one user, one runs, and serve.json has its port and secret', async () => {
    const config = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-race-'));
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const started = ports.map((each) => execa(process.execPath, [CLI, 'serve', '--port', String(each), '--idle-exit', '30'], { env: { ...serviceEnv(), XDG_CONFIG_HOME: config }, reject: false }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const record = JSON.parse(await fs.readFile(path.join(config, 'baton', 'serve.json'), 'utf8'));
      const answering = await Promise.all(ports.map((each) => fetch(`http://127.0.0.1:${each}/v1/health`, { headers: { authorization: `Bearer ${record.secret}` } }).then((reply) => reply.status, () => 0)));
      expect(answering.filter((status) => status === 200)).toHaveLength(1);
      expect(answering[ports.indexOf(record.port)]).toBe(200);
      const refused = await Promise.race(started.map((child) => child.then((result) => result)));
      expect(refused.exitCode).toBe(5);
      expect(refused.stderr).not.toMatch(/internal error|\s+at .+:\d+:\d+/);
    } finally {
      for (const child of started) child.kill('SIGTERM');
      await Promise.all(started.map((child) => child.catch(() => undefined)));
      await fs.rm(config, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the hook routes, as Claude Code posts them', () => {
  it('PreToolUse: a protected write while BROKEN is denied with the reason the model reads; a harmless one is allowed', async () => {
    const project = await brokenProject();
    const denied = await request('POST', '/v1/hooks/PreToolUse', hookPayload(project, 'PreToolUse', { tool_name: 'Write', tool_input: { file_path: project.file('src/app.js'), content: 'x' } }));
    expect(denied.status).toBe(200);
    expect(denied.body.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(denied.body.hookSpecificOutput.permissionDecisionReason).toContain('baton: blocked Write writing src/app.js');
    // The same refusal the command hook records.
    expect((await project.read('.claude/progress/gate-refusals.jsonl')).trim().split('\n')).toHaveLength(1);
    const allowed = await request('POST', '/v1/hooks/PreToolUse', hookPayload(project, 'PreToolUse', { tool_name: 'Write', tool_input: { file_path: project.file('tests/a.test.js'), content: 'x' } }));
    expect(allowed.body).toEqual({});
  });

  it('the same answer as `baton hook PreToolUse` for the same input, decision for decision', async () => {
    const project = await brokenProject();
    for (const [tool, input] of [['Write', { file_path: 'src/x.js', content: 'x' }], ['Bash', { command: 'echo hi > src/y.js' }], ['Bash', { command: 'ls src' }], ['Edit', { file_path: 'README.md', old_string: 'a', new_string: 'b' }]] as const) {
      const payload = hookPayload(project, 'PreToolUse', { tool_name: tool, tool_input: input });
      const viaService = await request('POST', '/v1/hooks/PreToolUse', payload);
      const viaCli = await baton(['hook', 'PreToolUse'], { cwd: project.dir, input: JSON.stringify(payload) });
      expect(viaService.body.hookSpecificOutput?.permissionDecision === 'deny', `${tool} ${JSON.stringify(input)}`).toBe(viaCli.exitCode === 2);
    }
  });

  it('PostToolUse records the edit, PreCompact counts a compression, Stop hands off', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    const write = { tool_name: 'Write', tool_input: { file_path: project.file('lib/util.js'), content: 'x' }, tool_response: {} };
    expect((await request('POST', '/v1/hooks/PostToolUse', hookPayload(project, 'PostToolUse', write))).body).toEqual({});
    expect(await project.readJson('.claude/progress/file_history.json')).toEqual(['lib/util.js']);
    await request('POST', '/v1/hooks/PreCompact', hookPayload(project, 'PreCompact', { trigger: 'auto' }));
    expect((await project.readJson('.claude/progress/session.json')).compressions.auto).toBe(1);
    expect((await request('POST', '/v1/hooks/Stop', hookPayload(project, 'Stop', { stop_hook_active: false }))).status).toBe(200);
    expect((await project.readJson('.claude/progress/metrics.json')).sessions).toHaveLength(1);
    expect((await fs.readdir(project.file('.claude/progress/summaries'))).length).toBe(1);
  });

  it('a call from outside any project is answered and changes nothing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-nowhere-'));
    const reply = await request('POST', '/v1/hooks/PostToolUse', { session_id: 's', cwd: dir, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: path.join(dir, 'a'), content: 'x' }, tool_response: {} });
    expect(reply).toEqual({ status: 200, body: {} });
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

describe('events through the service', () => {
  it('every event answers as `baton send --json` does on a twin project: same states, revisions and exit codes', async () => {
    const [viaService, viaCli] = [await makeProject(), await makeProject()];
    for (const project of [viaService, viaCli]) {
      await baton(['entry'], { cwd: project.dir });
      await baton(['features', 'add', 'Login', '--id', 'login'], { cwd: project.dir });
    }
    const steps: [string, object?][] = [
      ['FEATURES_DEFINED'],
      ['FEATURE_STARTED', { featureId: 'login' }],
      ['FEATURE_IMPLEMENTED', { featureId: 'login' }],
      ['TESTS_FAILED', { featureId: 'login', reason: 'one failed' }],
      ['FEATURE_IMPLEMENTED', { featureId: 'login' }],
      ['TESTS_PASSED', { featureId: 'login' }],
      ['HEALTH_BROKEN', { reason: 'the server died' }],
      ['HEALTH_FIXED'],
      ['FEATURE_STARTED', { featureId: 'nope' }],
    ];
    for (const [type, data] of steps) {
      const service = (await request('POST', '/v1/events', { project: viaService.dir, type, ...(data ? { data } : {}) })).body;
      const cli = await baton(['send', type, ...(data ? ['--data', JSON.stringify(data)] : []), '--json'], { cwd: viaCli.dir });
      expect(service.exit_code, type).toBe(cli.exitCode);
      const answer = cli.json();
      if (cli.exitCode === 0 || cli.exitCode === 7) expect({ state: service.report.state, path: service.report.path, revision: service.report.revision }, type).toEqual({ state: answer.state, path: answer.path, revision: answer.revision });
      else expect(service.error.message, type).toBe(answer.error.message);
    }
  });

  it('GET /v1/status answers what `baton status --json` prints, and exit 3 with the CLI\'s message where there is no session', async () => {
    const project = await makeProject();
    const none = (await request('GET', `/v1/status?project=${encodeURIComponent(project.dir)}`)).body;
    const cliNone = await baton(['status', '--json'], { cwd: project.dir });
    expect(none.exit_code).toBe(cliNone.exitCode);
    expect(none.error.message).toBe(cliNone.json().error.message);
    await baton(['entry'], { cwd: project.dir });
    const viaService = (await request('GET', `/v1/status?project=${encodeURIComponent(project.dir)}`)).body;
    const viaCli = (await baton(['status', '--json'], { cwd: project.dir })).json();
    expect(viaService.exit_code).toBe(0);
    expect({ ...viaService.report, checkpoint_written: null }).toEqual({ ...viaCli, checkpoint_written: null });
  });

  it('while it runs, `baton send` and `features` go through it and print what they print without it, exit codes included', async () => {
    const [through, alone] = [await makeProject(), await makeProject()];
    const run = (project: Project, args: string[], viaService: boolean) => baton(args, { cwd: project.dir, env: viaService ? { XDG_CONFIG_HOME: configHome } : { XDG_CONFIG_HOME: configHome, BATON_NO_SERVE: '1' } });
    for (const project of [through, alone]) {
      await baton(['entry'], { cwd: project.dir });
      await baton(['features', 'add', 'Login', '--id', 'login'], { cwd: project.dir });
    }
    // Text and JSON, accepted, refused (the second start: 3), and one whose tests run.
    const commands = [
      ['send', 'FEATURES_DEFINED'],
      ['features', 'start', 'login'],
      ['features', 'start', 'login', '--json'],
      ['features', 'implemented', 'login'],
      ['send', 'TESTS_PASSED', '--data', '{"featureId":"login"}', '--json'],
      ['send', 'FEATURE_STARTED', '--data', '{"featureId":"login"}'],
    ];
    // Paths differ, and so do commit hashes (the two commits carry their own times).
    const scrub = (text: string) => text.replaceAll(through.dir, 'P').replaceAll(alone.dir, 'P').replace(/\b[0-9a-f]{40}\b/g, 'SHA').replace(/\b[0-9a-f]{7,12}\b/g, 'SHA');
    for (const args of commands) {
      const [a, b] = [await run(through, args, true), await run(alone, args, false)];
      expect({ exit: a.exitCode, out: scrub(a.stdout), err: scrub(a.stderr) }, args.join(' ')).toEqual({ exit: b.exitCode, out: scrub(b.stdout), err: scrub(b.stderr) });
    }
    expect((await run(through, ['features', 'start', 'login'], true)).exitCode).toBe(3);
    // It did go through the service: the project is one the service has seen.
    expect((await request('GET', '/v1/health')).body.projects).toContain(through.dir);
    expect((await request('GET', '/v1/health')).body.projects).not.toContain(alone.dir);
  });

  it('a SIGKILL in the middle of a stream of events loses nothing acknowledged, and the next command is fine', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    const acknowledged: number[] = [];
    let killed = false;
    const stream = (async () => {
      for (let i = 0; i < 200 && !killed; i += 1) {
        const type = i % 2 === 0 ? 'HEALTH_BROKEN' : 'HEALTH_FIXED';
        const data = i % 2 === 0 ? { reason: `break ${i}` } : { force: true, reason: `fix ${i}` };
        const reply = await request('POST', '/v1/events', { project: project.dir, type, data }).catch(() => null);
        if (reply?.status === 200 && reply.body.exit_code === 0) acknowledged.push(reply.body.report.revision);
      }
    })();
    await waitFor(() => acknowledged.length >= 15, 20_000);
    service.kill('SIGKILL');
    killed = true;
    await stream;
    await service.catch(() => undefined);

    const status = await baton(['status', '--json'], { cwd: project.dir });
    expect(status.exitCode, status.stderr).toBe(0);
    const revision = status.json().revision;
    expect(revision).toBeGreaterThanOrEqual(Math.max(...acknowledged));
    const logged = (await project.read('.claude/progress/events.jsonl')).trim().split('\n').map((line) => JSON.parse(line).revision);
    for (const rev of acknowledged) expect(logged).toContain(rev);
    expect((await baton(['send', 'HEALTH_BROKEN', '--data', '{"reason":"after the kill"}'], { cwd: project.dir })).exitCode).toBe(0);

    service = startService();
    await serviceUp();
  }, 60_000);

  it('writes checkpoints on time for an active project with no command running', async () => {
    const project = await makeProject();
    await configure(project, { checkpoint_interval_seconds: 1 });
    await baton(['entry'], { cwd: project.dir });
    // One request makes the project active for the service.
    await request('POST', '/v1/hooks/PreCompact', hookPayload(project, 'PreCompact', { trigger: 'manual' }));
    const stamps = new Set<string>();
    await waitFor(async () => {
      try {
        stamps.add((await project.readJson('.claude/progress/checkpoint.json')).checkpoint_at);
      } catch {
        // not yet written
      }
      return stamps.size >= 3;
    }, 15_000);
    expect(stamps.size).toBeGreaterThanOrEqual(3);
  }, 30_000);
});

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the live session page', () => {
  it('`baton visualize --live` gives its address only while the service runs; the address opens one project read-only, without the secret', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    const live = await baton(['visualize', '--live', '--json'], { cwd: project.dir, env: { XDG_CONFIG_HOME: configHome } });
    expect(live.exitCode, live.stderr).toBe(0);
    const url = new URL(live.json().url);
    expect(url.searchParams.get('token')).not.toBe(secret);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
    expect(await page.text()).toContain('data-current-state="INIT"');
    const other = await makeProject();
    const wrongProject = await request('GET', `/v1/page?project=${encodeURIComponent(other.dir)}&token=${url.searchParams.get('token')}`, undefined, { authorization: '' });
    expect(wrongProject.status).toBe(401);
    // The view token opens no other route.
    expect((await request('POST', `/v1/events?token=${url.searchParams.get('token')}`, { project: project.dir, type: 'HEALTH_BROKEN' }, { authorization: '' })).status).toBe(401);
    const noService = await baton(['visualize', '--live'], { cwd: project.dir });
    expect(noService.exitCode).toBe(3);
    expect(noService.stderr).toContain('baton serve is not running');
  });

  it.skipIf(!existsSync(CHROMIUM))('in headless Chromium: the page changes when an event is sent from the CLI, with no reload by hand', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    const url = (await baton(['visualize', '--live', '--json'], { cwd: project.dir, env: { XDG_CONFIG_HOME: configHome } })).json().url as string;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      await page.goto(url);
      expect(await page.locator('#current-state').getAttribute('data-current-state')).toBe('INIT');
      // Another process changes the session: the CLI, in-process (not through the service).
      const sent = await baton(['send', 'HEALTH_BROKEN', '--data', '{"reason":"from the CLI"}'], { cwd: project.dir, env: { BATON_NO_SERVE: '1' } });
      expect(sent.exitCode, sent.stderr).toBe(0);
      await page.waitForFunction(() => document.querySelector('#current-state')?.getAttribute('data-current-state') === 'FIX_BROKEN', undefined, { timeout: 10_000 });
      expect(await page.textContent('body')).toContain('from the CLI');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 30_000);
});

describe('doctor and the service', () => {
  it('says whether the service the HTTP hooks need runs, and reports it as a problem when it does not', async () => {
    const project = await makeProject();
    const claudeHome = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-claude-'));
    const env = { XDG_CONFIG_HOME: configHome, CLAUDE_CONFIG_DIR: claudeHome, PATH: process.env.PATH ?? '' };
    // The user's settings are a link (a dotfiles manager's): the secret goes where it points, the link stays.
    const dotfile = path.join(claudeHome, 'dotfiles-settings.json');
    await fs.writeFile(dotfile, '{"model": "opus"}\n');
    await fs.symlink(dotfile, path.join(claudeHome, 'settings.json'));
    expect((await baton(['hooks', 'install', '--http'], { cwd: project.dir, env })).exitCode).toBe(0);
    expect((await fs.lstat(path.join(claudeHome, 'settings.json'))).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await fs.readFile(dotfile, 'utf8'))).toEqual({ model: 'opus', env: { BATON_SERVE_SECRET: secret } });
    expect(statSync(dotfile).mode & 0o777).toBe(0o600);
    const up = (await baton(['doctor', '--json'], { cwd: project.dir, env })).json();
    expect(up.service).toMatchObject({ port, running: true });
    expect(up.problems.filter((problem: string) => problem.includes('baton serve is not running'))).toEqual([]);
    const elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-none-'));
    const down = await baton(['doctor', '--json'], { cwd: project.dir, env: { ...env, XDG_CONFIG_HOME: elsewhere } });
    expect(down.exitCode).toBe(7);
    expect(down.json().problems).toContain('HTTP hooks are installed but baton serve is not running: the gate refuses every Write, Edit and Bash call until `baton serve --detach` (SessionStart starts it)');
    await fs.rm(claudeHome, { recursive: true, force: true });
  });
});

describe('idle', () => {
  it('exits by itself after --idle-exit seconds without a request, with exit 0', async () => {
    const config = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-idle-'));
    const idlePort = await freePort();
    const started = Date.now();
    const idle = await execa(process.execPath, [CLI, 'serve', '--port', String(idlePort), '--idle-exit', '2'], { env: { ...serviceEnv(), XDG_CONFIG_HOME: config }, reject: false, timeout: 20_000 });
    expect(idle.exitCode).toBe(0);
    expect(idle.stderr).toContain('idle for 2 s: exiting');
    expect(Date.now() - started).toBeLessThan(8_000);
    await fs.rm(config, { recursive: true, force: true });
  }, 30_000);
});

describe('baton serve --inspect: one live actor per project in the Stately inspector', () => {
  it("follows the project's log, whoever writes it, as one actor with the events in order", async () => {
    const relayPort = await freePort();
    const relay = execa(process.execPath, [CLI, 'inspect', '--port', String(relayPort)], { env: { NO_COLOR: '1' }, reject: false });
    let relayOutput = '';
    relay.stdout!.on('data', (chunk: Buffer) => (relayOutput += chunk.toString()));
    await waitFor(() => relayOutput.includes('listening'), 10_000);
    const frames: { type: string; sessionId: string; rootId?: string; event?: { type: string } }[] = [];
    const client = new WebSocket(`ws://127.0.0.1:${relayPort}`);
    client.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => client.once('open', resolve));

    const config = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-serve-inspect-'));
    const inspectedPort = await freePort();
    const inspected = execa(process.execPath, [CLI, 'serve', '--port', String(inspectedPort), '--idle-exit', '60', '--inspect-url', `ws://127.0.0.1:${relayPort}`], { env: { ...serviceEnv(), XDG_CONFIG_HOME: config }, reject: false });
    try {
      // Up when its own record's secret opens its health route.
      await waitFor(async () => {
        try {
          const record = JSON.parse(await fs.readFile(path.join(config, 'baton', 'serve.json'), 'utf8'));
          return (await fetch(`http://127.0.0.1:${record.port}/v1/health`, { headers: { authorization: `Bearer ${record.secret}` } })).status === 200;
        } catch {
          return false;
        }
      }, 10_000);
      const project = await makeProject();
      await baton(['entry'], { cwd: project.dir });
      // Through the service, then from another process behind its back.
      expect((await baton(['send', 'HEALTH_BROKEN', '--data', '{"reason":"one"}'], { cwd: project.dir, env: { XDG_CONFIG_HOME: config } })).exitCode).toBe(0);
      expect((await baton(['send', 'HEALTH_FIXED', '--data', '{"force":true,"reason":"two"}'], { cwd: project.dir, env: { XDG_CONFIG_HOME: config, BATON_NO_SERVE: '1' } })).exitCode).toBe(0);
      const sessionEvents = () => frames.filter((frame) => frame.type === '@xstate.event' && ['SESSION_ENTRY', 'HEALTH_BROKEN', 'HEALTH_FIXED'].includes(frame.event?.type ?? ''));
      await waitFor(() => sessionEvents().length >= 3, 10_000);
      const events = sessionEvents();
      expect(events.map((frame) => frame.event!.type)).toEqual(['SESSION_ENTRY', 'HEALTH_BROKEN', 'HEALTH_FIXED']);
      expect(new Set(events.map((frame) => frame.sessionId)).size).toBe(1);
      // One session actor; every other actor is one it invoked (a health check, git), under it.
      const [session] = events.map((frame) => frame.sessionId);
      const actors = frames.filter((frame) => frame.type === '@xstate.actor');
      expect(actors.filter((frame) => frame.sessionId === session)).toHaveLength(1);
      expect(actors.every((frame) => frame.rootId === session)).toBe(true);
    } finally {
      client.close();
      inspected.kill('SIGTERM');
      relay.kill('SIGTERM');
      await Promise.all([inspected.catch(() => undefined), relay.catch(() => undefined)]);
      await fs.rm(config, { recursive: true, force: true });
    }
  }, 60_000);
});
