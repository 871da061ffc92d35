/**
 * The built CLI as a user or agent runs it: real git repositories in temp dirs, real
 * health commands, every command end to end. The spec script's answers: spec-answers.test.ts.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { baton, configure, features, makeProject, type Project } from './helpers.js';

const FAILING_HEALTH = { health_check: 'echo "server exploded" >&2; exit 3' };

async function entryJson(project: Project, args: string[] = []) {
  const result = await baton(['entry', '--json', ...args], { cwd: project.dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json();
}

async function send(project: Project, type: string, data?: object) {
  return baton(['send', type, ...(data ? ['--data', JSON.stringify(data)] : []), '--json'], { cwd: project.dir });
}

describe('baton entry: the decision table, with real health commands', () => {
  it('a broken app goes to FIX_BROKEN whatever the features say, and shows why', async () => {
    const project = await makeProject();
    await configure(project, FAILING_HEALTH);
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    const report = await entryJson(project);
    expect(report.next_state).toBe('FIX_BROKEN');
    expect(report.health_status).toBe('BROKEN');
    expect(report.health.exitCode).toBe(3);
    expect(report.health.outputTail).toContain('server exploded');
    expect((await project.readJson('.claude/progress/state.json')).health_status).toBe('BROKEN');

    const human = await baton(['entry'], { cwd: project.dir });
    expect(human.stdout).toContain('[4/4] Health check: FAILED (configured check failed with exit code 3)');
    expect(human.stdout).toContain('APP IS BROKEN');
    expect(human.stdout).toContain('| server exploded');
  });

  it('no feature list -> INIT; the state file is created with the spec fields', async () => {
    const project = await makeProject();
    const report = await entryJson(project);
    expect(report).toMatchObject({ current_state: 'START', next_state: 'INIT', feature_status: 'NO_FEATURE_LIST', skill: 'initialization/', state_created: true });
    const state = await project.readJson('.claude/progress/state.json');
    expect(state).toMatchObject({ state: 'INIT', health_status: 'HEALTHY', dirty: false, revision: 1, schema_version: 1 });
    expect(Array.isArray(state.history)).toBe(true);
    expect(existsSync(project.file('.claude/config'))).toBe(true);
  });

  it('pending features -> IMPLEMENT, naming the next feature', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['a', 'tested'], ['b', 'pending'], ['c', 'pending']));
    const report = await entryJson(project);
    expect(report).toMatchObject({ next_state: 'IMPLEMENT', feature_status: 'HAS_PENDING_FEATURES', skill: 'implementation/' });
    expect(report.features).toMatchObject({ total: 3, open: 2, done: 1 });
    expect(report.next_feature).toEqual({ id: 'b', status: 'pending', description: 'feature b' });
  });

  it('in_progress, implemented and blocked are open work (the spec script would say COMPLETE)', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['a', 'tested'], ['b', 'in_progress'], ['c', 'blocked']));
    const report = await entryJson(project);
    expect(report.next_state).toBe('IMPLEMENT');
    expect(report.next_feature.id).toBe('b');
  });

  it('everything tested or completed -> COMPLETE', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['a', 'tested'], ['b', 'completed']));
    expect((await entryJson(project)).next_state).toBe('COMPLETE');
  });

  it('resumes TEST for a feature that was under test when the last session ended', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending'], ['b', 'pending']));
    await entryJson(project);
    expect((await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'a' })).exitCode).toBe(0);
    const report = await entryJson(project);
    expect(report).toMatchObject({ current_state: 'TEST', next_state: 'TEST', reason: 'resuming feature "a" under test' });
  });

  it('a health check that recovers takes FIX_BROKEN back to the work', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'test -f healthy' });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    expect((await entryJson(project)).next_state).toBe('FIX_BROKEN');
    const stillBroken = await send(project, 'HEALTH_FIXED');
    expect(stillBroken.json()).toMatchObject({ from: 'FIX_BROKEN', to: 'FIX_BROKEN', health_status: 'BROKEN' });
    await project.write('healthy', '');
    const fixed = await send(project, 'HEALTH_FIXED');
    expect(fixed.json()).toMatchObject({ from: 'FIX_BROKEN', to: 'IMPLEMENT', health_status: 'HEALTHY' });
  });

  it('reports recent commits, recent files and markers; warns in a baton project with no project files', async () => {
    const project = await makeProject();
    await project.commit('add the login form', { 'src/login.ts': 'export {}\n' });
    const report = await entryJson(project);
    expect(report.git.branch).toBe('main');
    expect(report.git.recent_commits.map((c: { subject: string }) => c.subject)).toEqual(['add the login form', 'initial commit']);
    expect(report.recent_files).toEqual(['src/login.ts', 'index.js', 'package.json']);
    expect(report.project_markers).toContain('package.json');

    // A plain folder made a project with `baton init`: entry runs, and says what it lacks.
    const bare = await makeProject({ git: false, packageJson: false });
    expect((await baton(['init'], { cwd: bare.dir })).exitCode).toBe(0);
    const outside = await entryJson(bare);
    expect(outside.git.is_repo).toBe(false);
    expect(outside.health_status).toBe('UNKNOWN');
    expect(outside.warnings.join('\n')).toMatch(/no project markers/);
  });

  it('outside a project, entry and the other commands that write .claude/ refuse (exit 3) and create nothing', async () => {
    const bare = await makeProject({ git: false, packageJson: false });
    await bare.write('notes.txt', 'x\n');
    const listing = async () => (await readdir(bare.dir, { recursive: true })).sort();
    for (const args of [['entry'], ['features', 'add', 'x'], ['send', 'FEATURES_DEFINED'], ['note', '--decision', 'x'], ['hooks', 'install'], ['recover'], ['test']]) {
      const refused = await baton(args, { cwd: bare.dir });
      expect([args.join(' '), refused.exitCode]).toEqual([args.join(' '), 3]);
      expect(refused.stderr).toContain(`${bare.dir} is not a project`);
      expect(refused.stderr).toContain('baton init');
    }
    expect(await listing()).toEqual(['notes.txt']);
    const json = await baton(['entry', bare.dir, '--json'], { cwd: '/' });
    expect(json.json().error).toMatchObject({ exit_code: 3 });

    // In a subdirectory of a project: the hint names the project.
    const project = await makeProject();
    await project.write('src/app.js', 'export {}\n');
    const inSrc = await baton(['entry'], { cwd: project.file('src') });
    expect(inSrc.exitCode).toBe(3);
    expect(inSrc.stderr).toContain(`the project is ${project.dir}: run baton there, or pass -C ${project.dir}`);
    expect(existsSync(project.file('src/.claude'))).toBe(false);
    expect(existsSync(project.file('.claude'))).toBe(false);
  });

  it('prefers file_history.json for recent files, and finds the latest summary', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/file_history.json', ['src/a.ts', 'src/b.ts']);
    await project.write('.claude/progress/summaries/session_2026-01-01.md', '# old');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await project.write('.claude/progress/summaries/session_2026-02-01.md', '# new');
    const report = await entryJson(project);
    expect(report.recent_files).toEqual(['src/a.ts', 'src/b.ts']);
    expect(report.recent_files_source).toBe('file_history');
    expect(report.latest_summary).toBe(project.file('.claude/progress/summaries/session_2026-02-01.md'));
  });

  it('takes the project directory as an argument or with -C, and rejects one that does not exist', async () => {
    const project = await makeProject();
    const elsewhere = await makeProject({ git: false, packageJson: false });
    expect((await baton(['entry', project.dir, '--json'], { cwd: elsewhere.dir })).json().directory).toBe(project.dir);
    expect((await baton(['-C', project.dir, 'status', '--json'], { cwd: elsewhere.dir })).json().state).toBe('INIT');
    const missing = await baton(['entry', '/no/such/dir'], { cwd: elsewhere.dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('/no/such/dir does not exist');
  });
});

describe("the spec script's state.json", () => {
  it('reads and upgrades a state.json the spec script wrote (no snapshot), keeping its state', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/state.json', { state: 'IMPLEMENT', entered_at: '2025-12-28T10:00:00+00:00', health_status: 'HEALTHY', history: [] });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    const report = await entryJson(project);
    expect(report.current_state).toBe('IMPLEMENT');
    expect(report.next_state).toBe('IMPLEMENT');
    expect(report.warnings.join('\n')).toContain('upgraded from the spec script format');
    const state = await project.readJson('.claude/progress/state.json');
    expect(state.schema_version).toBe(1);
    expect(state.snapshot.value).toBe('IMPLEMENT');
    const history = (await baton(['history', '--json'], { cwd: project.dir })).json();
    expect(history.entries.map((e: { event: { type: string } }) => e.event.type)).toEqual(['baton.migrated', 'SESSION_ENTRY']);
  });
});

describe('baton send and features: a session through its states', () => {
  it('walks INIT -> IMPLEMENT -> TEST -> IMPLEMENT -> ... -> COMPLETE and keeps feature-list.json in step', async () => {
    const project = await makeProject();
    await entryJson(project);
    const refusedEarly = await send(project, 'FEATURES_DEFINED');
    expect(refusedEarly.exitCode).toBe(3);
    expect(refusedEarly.stderr).toContain('FEATURES_DEFINED refused in INIT: there is no feature list yet');

    expect((await baton(['features', 'add', 'User can log in', '--id', 'login'], { cwd: project.dir })).stdout).toContain('added login');
    const added = await baton(['features', 'add', 'User can log out', '--json'], { cwd: project.dir });
    expect(added.json().added.id).toBe('user-can-log-out');

    expect((await send(project, 'FEATURES_DEFINED')).json()).toMatchObject({ from: 'INIT', to: 'IMPLEMENT', revision: 2 });
    expect((await baton(['features', 'start', 'login', '--json'], { cwd: project.dir })).json()).toMatchObject({ to: 'IMPLEMENT', current_feature: 'login' });
    expect((await project.readJson('.claude/progress/feature-list.json')).features[0].status).toBe('in_progress');
    expect((await baton(['features', 'implemented', 'login', '--json'], { cwd: project.dir })).json()).toMatchObject({ from: 'IMPLEMENT', to: 'TEST' });
    expect((await send(project, 'TESTS_FAILED', { featureId: 'login', reason: 'two failing' })).json()).toMatchObject({ to: 'IMPLEMENT' });
    const afterFailure = (await project.readJson('.claude/progress/feature-list.json')).features[0];
    expect(afterFailure).toMatchObject({ id: 'login', status: 'in_progress', retries: 1, description: 'User can log in' });
    // `features done`, the earlier name of `features implemented`, still works for scripts written for it.
    expect((await baton(['features', 'done', 'login', '--json'], { cwd: project.dir })).json()).toMatchObject({ from: 'IMPLEMENT', to: 'TEST', event: { type: 'FEATURE_IMPLEMENTED' } });
    expect((await send(project, 'TESTS_PASSED', { featureId: 'login' })).json()).toMatchObject({ from: 'TEST', to: 'IMPLEMENT' });
    await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'user-can-log-out' });
    expect((await send(project, 'TESTS_PASSED', { featureId: 'user-can-log-out' })).json()).toMatchObject({ to: 'COMPLETE' });

    const list = (await baton(['features', 'list', '--json'], { cwd: project.dir })).json();
    expect(list.features.map((f: { status: string }) => f.status)).toEqual(['tested', 'tested']);
    expect(list.counts).toMatchObject({ total: 2, done: 2, open: 0 });
    const status = (await baton(['status', '--json'], { cwd: project.dir })).json();
    expect(status).toMatchObject({ state: 'COMPLETE', revision: 9, dirty: false, accepted_events: ['FEATURES_DEFINED', 'HEALTH_BROKEN'] });

    const history = (await baton(['history', '--json'], { cwd: project.dir })).json();
    expect(history.entries.map((e: { revision: number }) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(history.entries[4]).toMatchObject({ event: { type: 'TESTS_FAILED', featureId: 'login', reason: 'two failing' }, from: 'TEST', to: 'IMPLEMENT' });
    const checkpoint = await project.readJson('.claude/progress/checkpoint.json');
    expect(checkpoint).toMatchObject({ state: 'COMPLETE', revision: 9 });
  });

  it('blocks a feature after max_retries failed test runs', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { max_retries: 2 });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending'], ['b', 'pending']));
    await entryJson(project);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'a' });
      await send(project, 'TESTS_FAILED', { featureId: 'a' });
    }
    const a = (await project.readJson('.claude/progress/feature-list.json')).features[0];
    expect(a).toMatchObject({ status: 'blocked', retries: 2 });
    expect((await baton(['status', '--json'], { cwd: project.dir })).json().last_failure).toEqual({ featureId: 'a', reason: 'tests failed' });
  });

  it('HEALTH_BROKEN from IMPLEMENT goes to FIX_BROKEN and HEALTH_FIXED returns to IMPLEMENT', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    await entryJson(project);
    expect((await send(project, 'HEALTH_BROKEN', { reason: 'dev server will not start' })).json()).toMatchObject({ to: 'FIX_BROKEN', health_status: 'BROKEN' });
    expect((await project.readJson('.claude/progress/state.json')).health_status).toBe('BROKEN');
    expect((await send(project, 'HEALTH_FIXED')).json()).toMatchObject({ to: 'IMPLEMENT', health_status: 'HEALTHY' });
  });

  it('refuses an event the state does not accept, lists the accepted ones, and writes nothing', async () => {
    const project = await makeProject();
    await entryJson(project);
    const before = await project.read('.claude/progress/state.json');
    const logBefore = await project.read('.claude/progress/events.jsonl');
    const refused = await send(project, 'TESTS_PASSED', { featureId: 'x' });
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain('TESTS_PASSED is not accepted in INIT. Accepted here: FEATURES_DEFINED, HEALTH_BROKEN. Nothing was written.');
    expect(refused.json().error.exit_code).toBe(3);
    expect(await project.read('.claude/progress/state.json')).toBe(before);
    expect(await project.read('.claude/progress/events.jsonl')).toBe(logBefore);
  });

  it('explains bad event names and payloads (exit 2)', async () => {
    const project = await makeProject();
    await entryJson(project);
    const unknown = await baton(['send', 'TESTS_PASSSED'], { cwd: project.dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown event "TESTS_PASSSED"');
    expect(unknown.stderr).toContain('FEATURES_DEFINED, FEATURE_STARTED');
    const badJson = await baton(['send', 'FEATURE_STARTED', '--data', '{featureId: a}'], { cwd: project.dir });
    expect(badJson.exitCode).toBe(2);
    expect(badJson.stderr).toContain('--data is not valid JSON');
    const missingField = await baton(['send', 'FEATURE_STARTED', '--data', '{}'], { cwd: project.dir });
    expect(missingField.exitCode).toBe(2);
    expect(missingField.stderr).toContain('FEATURE_STARTED --data featureId');
    const extraField = await baton(['send', 'HEALTH_FIXED', '--data', '{"forced": true}'], { cwd: project.dir });
    expect(extraField.exitCode).toBe(2);
    expect(extraField.stderr).toMatch(/Unrecognized key.*forced/);
    const entryEvent = await baton(['send', 'SESSION_ENTRY'], { cwd: project.dir });
    expect(entryEvent.stderr).toContain('the entry protocol runs with `baton entry`');
  });

  it('send before any entry says to run entry first (exit 3)', async () => {
    const project = await makeProject();
    const result = await send(project, 'FEATURES_DEFINED');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('run `baton entry` first');
  });
});

describe('baton features import', () => {
  it('imports the Anthropic quickstart format, mapping passes to tested, and skips ids that exist', async () => {
    const project = await makeProject();
    await project.write('quickstart.json', [
      { category: 'functional', description: 'New chat button creates a conversation', steps: ['click new chat'], passes: false },
      { category: 'style', description: 'Dark mode', steps: [], passes: true },
    ]);
    const first = await baton(['features', 'import', 'quickstart.json', '--json'], { cwd: project.dir });
    expect(first.json().added).toEqual(['functional-new-chat-button-creates-a-con', 'style-dark-mode']);
    const list = await project.readJson('.claude/progress/feature-list.json');
    expect(list.features[0]).toMatchObject({ status: 'pending', category: 'functional', steps: ['click new chat'] });
    expect(list.features[1].status).toBe('tested');
    const again = await baton(['features', 'import', 'quickstart.json', '--json'], { cwd: project.dir });
    expect(again.json()).toMatchObject({ added: [], skipped: ['functional-new-chat-button-creates-a-con', 'style-dark-mode'] });
  });

  it('--replace keeps the previous list beside it', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['old', 'pending']));
    await project.write('new.json', features(['new', 'pending']));
    const result = await baton(['features', 'import', 'new.json', '--replace'], { cwd: project.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/previous list was kept as \.claude\/progress\/feature-list\.json\.replaced-/);
    expect((await project.readJson('.claude/progress/feature-list.json')).features.map((f: { id: string }) => f.id)).toEqual(['new']);
  });

  it('a missing import file, or an empty --id, is a clear error (init too), never a crash', async () => {
    const project = await makeProject();
    for (const args of [['features', 'import', 'nope.json'], ['init', '--import', 'nope.json']]) {
      const missing = await baton(args, { cwd: project.dir });
      expect(missing.exitCode).toBe(4);
      expect(missing.stderr).toContain('nope.json: cannot be read: ENOENT');
    }
    expect(existsSync(project.file('.claude/config/project.json'))).toBe(false);
    const emptyId = await baton(['features', 'add', 'A feature', '--id', ''], { cwd: project.dir });
    expect(emptyId.exitCode).toBe(2);
    expect(emptyId.stderr).toContain('--id must not be empty');
  });

  it('a file in neither format is rejected with its field', async () => {
    const project = await makeProject();
    await project.write('bad.json', [{ category: 'x' }]);
    const result = await baton(['features', 'import', 'bad.json'], { cwd: project.dir });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('bad.json ([0].description)');
  });
});

describe('help, schema and exit codes', () => {
  it('--help lists the commands and the exit codes; unknown commands are usage errors', async () => {
    const project = await makeProject();
    const help = await baton(['--help'], { cwd: project.dir });
    expect(help.exitCode).toBe(0);
    for (const word of ['entry', 'status', 'send', 'features', 'history', 'replay', 'recover', 'checkpoint', 'Exit codes:', '5  busy']) expect(help.stdout).toContain(word);
    const unknown = await baton(['frobnicate'], { cwd: project.dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badOption = await baton(['status', '--frob'], { cwd: project.dir });
    expect(badOption.exitCode).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--frob'");
  });

  it('prints the config JSON Schema, which describes the spec fields', async () => {
    const project = await makeProject();
    const schema = (await baton(['schema'], { cwd: project.dir })).json();
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['health_check', 'init_script', 'test_command', 'smoke_test', 'timeout_seconds', 'required_env']));
    expect(schema.properties.timeout_seconds.properties.health_check.default).toBe(5);
    // The copy in the repository, for editors to reference, is the same (`npm run schema` regenerates it).
    expect(JSON.parse(await readFile(new URL('../schema/project.schema.json', import.meta.url), 'utf8'))).toEqual(schema);
  });

  it('colours only on a terminal: piped output has no escape codes', async () => {
    const project = await makeProject();
    const result = await execa(process.execPath, [(await import('./helpers.js')).CLI, 'entry'], { cwd: project.dir, env: { NO_COLOR: '' }, reject: false });
    expect(result.stdout).toContain('Phase 1: Safety Validation');
    expect(result.stdout).not.toContain('\x1b[');
  });
});
