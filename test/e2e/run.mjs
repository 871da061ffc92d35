// `npm run e2e`: baton in the real Claude Code CLI, offline. Not part of `npm test`: it
// installs Claude Code from the npm registry on first use (into ~/.cache/baton-e2e/), then
// runs it against a fake model on 127.0.0.1 (./fake-model.mjs), inside a private network
// namespace when it can make one (root and `unshare`), so nothing can leave the machine.
//
// baton comes from its own packed tarball, as users get it, in three setups: as the plugin
// (--plugin-dir), through `baton hooks install` (baton installed on PATH), both at once, and
// installed from this repository's marketplace (the npm package served on loopback).
// Each run checks what a user would: the SessionStart context reaches the model and names a
// skill that exists, the gate blocks a Write into src/ while the app is broken and the model
// sees why, PostToolUse records an edit, the agent's shell finds `baton`, Stop hands off, no
// hook runs twice; and, in the interactive client (tmux), the status line shows the state
// after the agent ran `cd src`.
//
// Environment: BATON_E2E_CLAUDE_VERSION (default 2.1.331), BATON_E2E_CLAUDE_BIN (a claude
// already installed), BATON_E2E_EXTRA_CALLS=N (N more tool calls, to time the hooks), BATON_E2E_KEEP=1 keeps the work
// folder, BATON_E2E_ONLY=validate,plugin,hooks,both,marketplace,http,http-down,statusline,worktrees runs only those.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeModel } from './fake-model.mjs';
import { startFakeRegistry } from './fake-registry.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLAUDE_VERSION = process.env.BATON_E2E_CLAUDE_VERSION ?? '2.1.331';
const ONLY = process.env.BATON_E2E_ONLY?.split(',');
const INSIDE = process.env.BATON_E2E_INSIDE === '1';

const sh = (command, args, options = {}) => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Before the namespace: what needs the registry or the repository.

function ensureClaude() {
  if (process.env.BATON_E2E_CLAUDE_BIN) return process.env.BATON_E2E_CLAUDE_BIN;
  const dir = path.join(os.homedir(), '.cache', 'baton-e2e', `claude-code-${CLAUDE_VERSION}`);
  const bin = path.join(dir, 'node_modules', '.bin', 'claude');
  if (!existsSync(bin)) {
    console.log(`installing @anthropic-ai/claude-code@${CLAUDE_VERSION} into ${dir} (once)`);
    mkdirSync(dir, { recursive: true });
    sh('npm', ['install', '--no-audit', '--no-fund', `@anthropic-ai/claude-code@${CLAUDE_VERSION}`], { cwd: dir, stdio: 'inherit' });
  }
  return bin;
}

/** baton as a user gets it: the tarball, unpacked (the plugin folder) and installed on a prefix (baton on PATH). */
function packBaton(work) {
  const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO }))[0];
  const tarball = path.join(work, packed.filename);
  mkdirSync(path.join(work, 'plugin'));
  sh('tar', ['-xzf', tarball, '-C', path.join(work, 'plugin')]);
  sh('npm', ['install', '--global', '--prefix', path.join(work, 'prefix'), '--offline', '--no-audit', '--no-fund', tarball]);
  const packageJson = JSON.parse(readFileSync(path.join(work, 'plugin', 'package', 'package.json'), 'utf8'));
  return { tarball, packageJson, pluginDir: path.join(work, 'plugin', 'package'), prefixBin: path.join(work, 'prefix', 'bin'), packedBytes: packed.size };
}

// ---------------------------------------------------------------------------------------
// The project and the user each run gets.

const GIT = { GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com' };

/** A project whose app is broken: its entry file does not parse, so baton's built-in health check fails. */
function brokenProject(dir) {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{"name":"e2e-app","version":"1.0.0","main":"index.js"}\n');
  writeFileSync(path.join(dir, 'index.js'), 'module.exports = {\n');
  writeFileSync(path.join(dir, 'src', 'app.js'), 'export const app = 1;\n');
  mkdirSync(path.join(dir, '.claude', 'progress'), { recursive: true });
  writeFileSync(path.join(dir, '.claude', 'progress', 'feature-list.json'), `${JSON.stringify({ features: [{ id: 'login', description: 'User can log in', status: 'pending' }] }, null, 2)}\n`);
  sh('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  sh('git', ['add', '-A'], { cwd: dir });
  sh('git', ['commit', '-qm', 'a broken app'], { cwd: dir, env: { ...process.env, ...GIT } });
}

/** A fresh HOME whose Claude Code has answered its first-run questions. */
function freshHome(dir, project) {
  mkdirSync(path.join(dir, '.claude'), { recursive: true });
  writeFileSync(path.join(dir, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, customApiKeyResponses: { approved: ['fake-key'], rejected: [] }, projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } } }));
  writeFileSync(path.join(dir, '.claude', 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: true }));
}

function claudeEnv(home, model, pathDirs) {
  return {
    PATH: [...pathDirs, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
    HOME: home,
    TERM: 'xterm-256color',
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'fake-key',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    IS_SANDBOX: '1',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    ...GIT,
  };
}

// ---------------------------------------------------------------------------------------
// One headless session: `claude -p` with the script, then what it left behind.

async function headlessRun(name, setup, { claude, baton }) {
  const work = mkdtempSync(path.join(os.tmpdir(), `baton-e2e-${name}-`));
  const project = path.join(work, 'proj');
  const home = path.join(work, 'home');
  brokenProject(project);
  freshHome(home, project);
  const script = [
    { tool: 'Write', input: { file_path: path.join(project, 'src', 'app.js'), content: 'export const app = 2;\n' } },
    { tool: 'Write', input: { file_path: path.join(project, 'tests', 'notes.md'), content: 'what broke\n' } },
    { tool: 'Bash', input: { command: 'baton status', description: 'where the work stands' } },
    { tool: 'Bash', input: { command: 'cd src && pwd', description: 'go to src' } },
    // BATON_E2E_EXTRA_CALLS=N: N more tool calls, to time the hooks inside Claude Code.
    ...Array.from({ length: Number(process.env.BATON_E2E_EXTRA_CALLS ?? 0) }, () => ({ tool: 'Bash', input: { command: 'true', description: 'nothing' } })),
    { text: 'Done for now.' },
  ];
  const model = await startFakeModel(script);
  const pathDirs = setup.usesPath ? [baton.prefixBin] : [];
  const env = claudeEnv(home, model, pathDirs);
  if (setup.installHooks) sh('baton', ['init'], { cwd: project, env });
  if (setup.http) sh('baton', ['hooks', 'install', '--http'], { cwd: project, env });
  const installed = setup.marketplace ? await installFromMarketplace(env, baton) : null;
  const args = ['-p', 'Work on the project.', '--output-format', 'stream-json', '--verbose', '--include-hook-events', '--permission-mode', 'bypassPermissions', '--debug-file', path.join(work, 'claude-debug.log')];
  if (setup.plugin) args.push('--plugin-dir', baton.pluginDir);
  const started = Date.now();
  const run = await new Promise((resolve) => {
    const child = spawn(claude, args, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  await model.close();
  const ms = Date.now() - started;
  const service = setup.http ? stopService(env) : null;
  writeFileSync(path.join(work, 'claude.stdout.jsonl'), run.stdout);
  writeFileSync(path.join(work, 'requests.json'), JSON.stringify(model.requests, null, 1));

  const shown = model.shown();
  const agentRequests = model.requests.filter((request) => (request.body.tools ?? []).some((tool) => tool.name === 'Write'));
  const firstShown = agentRequests[0] ? JSON.stringify(agentRequests[0].body) : '';
  const events = run.stdout.split('\n').filter(Boolean).map((line) => { try { return JSON.parse(line); } catch { return {}; } });
  const hookRuns = events.filter((event) => event.type === 'system' && event.subtype === 'hook_response');
  const progress = (file) => path.join(project, '.claude', 'progress', file);
  const readJson = (file) => { try { return JSON.parse(readFileSync(progress(file), 'utf8')); } catch { return null; } };
  const skill = /Skill to load: ([^\\"]+?) \(a skill of baton's plugin\)|Skill to load: read ([^\\"\s]+)/.exec(shown);
  const refusals = existsSync(progress('gate-refusals.jsonl')) ? readFileSync(progress('gate-refusals.jsonl'), 'utf8').trim().split('\n').filter(Boolean) : [];

  const checks = [
    ['claude ran to the end (exit 0)', run.code === 0, `exit ${run.code}: ${run.stderr.slice(0, 300)}`],
    ["SessionStart's context reached the model, once", (firstShown.match(/baton \(session state for /g) ?? []).length === 1, `${(firstShown.match(/baton \(session state for /g) ?? []).length} times`],
    ['the context says the app is broken (FIX_BROKEN)', /FIX_BROKEN/.test(firstShown), ''],
    [
      'the context names a skill that exists',
      // The plugin's: in Claude Code's list of skills (`- baton:enforcement: <description>`); otherwise the file.
      skill !== null && (skill[1] ? shown.includes(`- ${skill[1]}: `) : existsSync(skill[2])),
      skill ? (skill[1] ?? skill[2]) : 'no skill line',
    ],
    ['the gate blocked the Write into src/ and the model saw why', /baton: blocked Write writing src\/app\.js/.test(shown), ''],
    ['src/app.js is unchanged', readFileSync(path.join(project, 'src', 'app.js'), 'utf8') === 'export const app = 1;\n', ''],
    ['one refusal recorded for the one blocked call', refusals.length === 1, `${refusals.length} lines`],
    ['PostToolUse recorded the edit of tests/notes.md', (readJson('file_history.json') ?? []).includes('tests/notes.md'), JSON.stringify(readJson('file_history.json'))],
    ["the agent's shell found baton: `baton status` answered", /FIX_BROKEN/.test(shown.split('"cd src && pwd"')[0].split('baton status').slice(1).join('')), ''],
    ['Stop handed off: a summary and a metrics row', (readJson('metrics.json')?.sessions ?? []).length >= 1 && existsSync(progress('summaries')) && readdirSync(progress('summaries')).length >= 1, JSON.stringify(readJson('metrics.json'))?.slice(0, 200)],
    ['each hook answered once: one SessionStart context, one refusal', answering(hookRuns, 'SessionStart') === 1 && answering(hookRuns, 'PreToolUse') === 1, `SessionStart ${answering(hookRuns, 'SessionStart')}, PreToolUse ${answering(hookRuns, 'PreToolUse')}`],
  ];
  if (installed) checks.unshift(...installed.checks);
  if (setup.http) checks.push(['the per-call hooks went to baton serve over HTTP, which SessionStart started', service !== null && hookRuns.some((run) => run.hook_event === 'PreToolUse'), JSON.stringify(service)]);
  return { name, ms, checks, work, hookRuns: hookRuns.length };
}

/**
 * Two worktrees, one agent already on `login` in the first: Claude Code in the second is told
 * (SessionStart) to take `signup`, and its `baton features start login` is refused, naming
 * the first worktree.
 */
async function worktreesRun({ baton }) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-worktrees-'));
  const first = path.join(work, 'proj');
  const second = path.join(work, 'proj-signup');
  const home = path.join(work, 'home');
  mkdirSync(first);
  writeFileSync(path.join(first, 'package.json'), '{"name":"e2e-app","version":"1.0.0","main":"index.js"}\n');
  writeFileSync(path.join(first, 'index.js'), 'module.exports = {};\n');
  mkdirSync(path.join(first, '.claude', 'progress'), { recursive: true });
  const features = [{ id: 'login', description: 'User can log in', status: 'pending' }, { id: 'signup', description: 'User can sign up', status: 'pending' }];
  writeFileSync(path.join(first, '.claude', 'progress', 'feature-list.json'), `${JSON.stringify({ features }, null, 2)}\n`);
  freshHome(home, second);
  const script = [
    { tool: 'Bash', input: { command: 'baton features start login', description: 'take login' } },
    { tool: 'Bash', input: { command: 'baton features next', description: 'what is free' } },
    { tool: 'Bash', input: { command: 'baton features start signup', description: 'take signup' } },
    { text: 'Done for now.' },
  ];
  const model = await startFakeModel(script);
  const env = claudeEnv(home, model, [baton.prefixBin]);
  sh('git', ['init', '-q', '-b', 'main'], { cwd: first, env });
  sh('baton', ['init'], { cwd: first, env });
  sh('git', ['add', '-A'], { cwd: first, env });
  sh('git', ['commit', '-qm', 'the plan'], { cwd: first, env });
  sh('git', ['worktree', 'add', '-q', '-b', 'signup', second], { cwd: first, env });
  sh('baton', ['entry'], { cwd: first, env });
  sh('baton', ['features', 'start', 'login'], { cwd: first, env });
  const started = Date.now();
  const run = await execClaude(['-p', 'Work on the project.', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions'], { cwd: second, env });
  await model.close();
  const shown = model.shown();
  const firstShown = JSON.stringify(model.requests.find((request) => (request.body.tools ?? []).some((tool) => tool.name === 'Bash'))?.body ?? '');
  const claim = (id) => { try { return JSON.parse(readFileSync(path.join(first, '.git', 'baton', 'claims', `${id}.json`), 'utf8')); } catch { return null; } };
  const checks = [
    ['claude ran to the end in the second worktree (exit 0)', run.status === 0, `exit ${run.status}: ${(run.stderr ?? '').slice(0, 300)}`],
    ['SessionStart named signup as the feature to work on, not the one the first worktree holds', /work on feature \\"signup\\"/.test(firstShown) && !/work on feature \\"login\\"/.test(firstShown), firstShown.slice(0, 400)],
    ['`features start login` was refused, naming the first worktree and until when', new RegExp(`feature login is taken: the checkout ${first} \\(session [0-9a-f-]+\\) holds it until`).test(shown), ''],
    ['`features next` offered signup', /signup: User can sign up \(pending\)/.test(shown), ''],
    ['signup is claimed by the second worktree, login still by the first', claim('signup')?.holder === second && claim('login')?.holder === first, JSON.stringify([claim('login')?.holder, claim('signup')?.holder])],
  ];
  return { name: 'worktrees', ms: Date.now() - started, checks, work };
}

/** The service the run's SessionStart started (its record is in the run's HOME): stopped, and what it said of itself. */
function stopService(env) {
  try {
    const record = JSON.parse(readFileSync(path.join(env.HOME, '.config', 'baton', 'serve.json'), 'utf8'));
    const health = JSON.parse(sh('curl', ['-s', '-H', `Authorization: Bearer ${record.secret}`, `http://127.0.0.1:${record.port}/v1/health`]));
    process.kill(health.pid, 'SIGTERM');
    return { port: record.port, pid: health.pid, projects: health.projects };
  } catch {
    return null;
  }
}

function execClaude(args, options) {
  return new Promise((resolve) => {
    const child = spawn(process.env.BATON_E2E_CLAUDE, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * As a user would: `claude plugin marketplace add` of this repository (its own
 * marketplace.json), then `claude plugin install baton@baton`, the package coming from a
 * registry on loopback that holds the packed tarball under the package's own name.
 */
async function installFromMarketplace(env, baton) {
  const registry = await startFakeRegistry(baton.tarball, baton.packageJson);
  const npmEnv = { ...env, npm_config_registry: registry.url, npm_config_cache: path.join(env.HOME, '.npm') };
  // Not spawnSync: the registry answers from this process's event loop.
  const run = (args) => execClaude(args, { env: npmEnv, cwd: env.HOME });
  const added = await run(['plugin', 'marketplace', 'add', REPO]);
  const install = await run(['plugin', 'install', 'baton@baton']);
  await registry.close();
  const settings = JSON.parse(readFileSync(path.join(env.HOME, '.claude', 'settings.json'), 'utf8'));
  return {
    checks: [
      ['`claude plugin marketplace add` takes the repository', added.status === 0, `${added.stdout}${added.stderr}`.trim().slice(0, 300)],
      ['`claude plugin install baton@baton` installs the npm package and enables it', install.status === 0 && settings.enabledPlugins?.['baton@baton'] === true && registry.requests.some((request) => request.includes('.tgz')), `${install.stdout}${install.stderr}`.trim().slice(0, 300)],
    ],
  };
}

/** How many runs of an event's hooks said something (a context, a refusal); a hook that stood aside says nothing. */
function answering(hookRuns, event) {
  const said = (text) => typeof text === 'string' && text.trim() !== '' && text.trim() !== '{}';
  return hookRuns.filter((run) => run.hook_event === event && (said(run.output) || said(run.stdout) || said(run.stderr))).length;
}

/**
 * HTTP hooks with the service gone mid-session: the agent stops the service, then tries a
 * harmless Write. The gate's HTTP hook fails closed (onFailure: block): the Write is refused,
 * not let through, and the model is told why.
 */
async function httpDownRun({ claude, baton }) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-http-down-'));
  const project = path.join(work, 'proj');
  const home = path.join(work, 'home');
  brokenProject(project);
  freshHome(home, project);
  const model = await startFakeModel([
    { tool: 'Bash', input: { command: 'pkill -f "baton.cjs serve"; sleep 0.5; echo stopped', description: 'stop the service' } },
    { tool: 'Write', input: { file_path: path.join(project, 'tests', 'notes.md'), content: 'x\n' } },
    { text: 'Done.' },
  ]);
  const env = claudeEnv(home, model, [baton.prefixBin]);
  sh('baton', ['init'], { cwd: project, env });
  sh('baton', ['hooks', 'install', '--http'], { cwd: project, env });
  const run = await execClaude(['-p', 'Work on the project.', '--output-format', 'stream-json', '--verbose', '--include-hook-events', '--permission-mode', 'bypassPermissions'], { cwd: project, env });
  await model.close();
  writeFileSync(path.join(work, 'claude.stdout.jsonl'), run.stdout);
  writeFileSync(path.join(work, 'requests.json'), JSON.stringify(model.requests, null, 1));
  const shown = model.shown();
  const afterStop = shown.split('stopped').slice(1).join('');
  return {
    name: 'http-down',
    ms: 0,
    work,
    checks: [
      ['claude ran to the end (exit 0)', run.status === 0, run.stderr.slice(0, 300)],
      ['with the service down, the Write was refused, not let through', !existsSync(path.join(project, 'tests', 'notes.md')), ''],
      ['the model was told why: the gate\'s hook failed and blocks', /PreToolUse:Write hook error[^"]*blocking because onFailure is/.test(afterStop), afterStop.slice(0, 300)],
    ],
  };
}

// ---------------------------------------------------------------------------------------
// The status line: the interactive client in tmux, after the agent ran `cd src`.

async function statusLineRun({ claude, baton }) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-statusline-'));
  const project = path.join(work, 'proj');
  const home = path.join(work, 'home');
  brokenProject(project);
  freshHome(home, project);
  const model = await startFakeModel([{ tool: 'Bash', input: { command: 'cd src', description: 'go to src' } }, { text: 'In src now.' }]);
  const env = claudeEnv(home, model, [baton.prefixBin]);
  sh('baton', ['init'], { cwd: project, env });
  const session = `baton-e2e-${process.pid}`;
  // Through env(1): a tmux server started earlier keeps its own environment for new sessions.
  const envArgs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  sh('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '40', '-c', project, 'env', '-i', ...envArgs, claude, '--permission-mode', 'bypassPermissions', 'Go to src.']);
  let screen = '';
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      await sleep(1000);
      screen = sh('tmux', ['capture-pane', '-p', '-t', session]);
      const ranCd = model.requests.filter((request) => (request.body.messages ?? []).some((message) => message.role === 'assistant')).length >= 1;
      if (ranCd && /baton: FIX_BROKEN/.test(screen)) break;
    }
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session]);
    await model.close();
  }
  writeFileSync(path.join(work, 'screen.txt'), screen);
  const line = screen.split('\n').find((text) => text.includes('baton:')) ?? '';
  return {
    name: 'statusline',
    ms: 0,
    work,
    checks: [["after `cd src`, the status line shows baton's state", /baton: FIX_BROKEN/.test(screen), line.trim() || screen.split('\n').slice(-6).join(' | ')]],
  };
}

// ---------------------------------------------------------------------------------------

/** `claude plugin validate` on the repository (plugin and marketplace) and on the plugin as packed. */
async function validateRun({ baton }) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-validate-'));
  const checks = [];
  for (const [what, dir] of [['the repository', REPO], ['the packed plugin', baton.pluginDir]]) {
    const run = await execClaude(['plugin', 'validate', dir], { env: { PATH: process.env.PATH, HOME: home }, cwd: home });
    checks.push([`\`claude plugin validate\` passes on ${what}`, run.status === 0 && /Validation passed/.test(run.stdout + run.stderr), `${run.stdout}${run.stderr}`.trim().split('\n').slice(-3).join(' | ')]);
  }
  return { name: 'validate', ms: 0, work: home, checks };
}

async function inside() {
  if (process.getuid?.() === 0) spawnSync('ip', ['link', 'set', 'lo', 'up']);
  const context = { claude: process.env.BATON_E2E_CLAUDE, baton: JSON.parse(process.env.BATON_E2E_BATON) };
  const runs = [];
  if (!ONLY || ONLY.includes('validate')) runs.push(await validateRun(context));
  const setups = {
    plugin: { plugin: true, installHooks: false, usesPath: false },
    hooks: { plugin: false, installHooks: true, usesPath: true },
    both: { plugin: true, installHooks: true, usesPath: true },
    marketplace: { plugin: false, installHooks: false, usesPath: false, marketplace: true },
    http: { plugin: false, installHooks: true, usesPath: true, http: true },
  };
  for (const [name, setup] of Object.entries(setups)) if (!ONLY || ONLY.includes(name)) runs.push(await headlessRun(name, setup, context));
  if (!ONLY || ONLY.includes('http-down')) runs.push(await httpDownRun(context));
  if (!ONLY || ONLY.includes('statusline')) runs.push(await statusLineRun(context));
  if (!ONLY || ONLY.includes('worktrees')) runs.push(await worktreesRun(context));
  let failed = 0;
  for (const run of runs) {
    console.log(`\n${run.name}${run.ms ? ` (${(run.ms / 1000).toFixed(1)} s${run.hookRuns !== undefined ? `, ${run.hookRuns} hook runs` : ''})` : ''}: ${run.work}`);
    for (const [what, ok, detail] of run.checks) {
      if (!ok) failed += 1;
      console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? `: ${detail}` : ''}`);
    }
    if (process.env.BATON_E2E_KEEP !== '1' && run.checks.every(([, ok]) => ok)) rmSync(run.work, { recursive: true, force: true });
  }
  console.log(`\n${failed === 0 ? 'e2e passed' : `e2e: ${failed} check(s) failed (work folders kept)`}; Claude Code ${CLAUDE_VERSION}, baton ${context.baton.packedBytes} bytes packed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

async function main() {
  if (INSIDE) return inside();
  const claude = ensureClaude();
  const work = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-'));
  const baton = packBaton(work);
  const env = { ...process.env, BATON_E2E_INSIDE: '1', BATON_E2E_CLAUDE: claude, BATON_E2E_BATON: JSON.stringify(baton) };
  const isolated = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
  if (!isolated) console.log('no private network namespace here (needs root and unshare): running on loopback only');
  const child = isolated ? spawnSync('unshare', ['-n', process.execPath, fileURLToPath(import.meta.url)], { env, stdio: 'inherit' }) : spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env, stdio: 'inherit' });
  rmSync(work, { recursive: true, force: true });
  process.exitCode = child.status ?? 1;
}

await main();
