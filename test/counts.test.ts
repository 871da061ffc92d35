/**
 * "Right under real use", counts and the truth of outputs, with the built CLI against real
 * repositories: one feature count in every view; a feature list changed while the tests run
 * is merged into the run's result; refusals that say what happened and create nothing; ids
 * for any script; `features implemented` whose tests fail; no false alarms.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFeatures } from '../machines/features.js';
import { baton, configure, features, makeProject, tree, type Project } from './helpers.js';

const PROGRESS = '.claude/progress';
const FEATURES = `${PROGRESS}/feature-list.json`;
const STATE = `${PROGRESS}/state.json`;

async function ok(project: Project, args: string[]) {
  const result = await baton(args, { cwd: project.dir });
  expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

/** `done/total, open open` as each view shows it. */
async function viewCounts(project: Project): Promise<Record<string, string>> {
  const show = (done: number, total: number) => `${done}/${total} done, ${total - done} open`;
  const status = (await ok(project, ['status', '--json'])).json().features;
  const list = (await ok(project, ['features', 'list', '--json'])).json().counts;
  const line = /(\d+)\/(\d+) features/.exec((await ok(project, ['statusline'])).stdout)!;
  await ok(project, ['visualize', '--format', 'html', '--out', 'page.html']);
  const page = /<b>(\d+) of (\d+)<\/b> done/.exec(await project.read('page.html'))!;
  return {
    status: `${show(status.done, status.total)} (${status.open})`,
    'features list': `${show(list.done, list.total)} (${list.open})`,
    statusline: `${show(Number(line[1]), Number(line[2]))} (${Number(line[2]) - Number(line[1])})`,
    page: `${show(Number(page[1]), Number(page[2]))} (${Number(page[2]) - Number(page[1])})`,
  };
}

function expectEveryView(counts: Record<string, string>, done: number, total: number) {
  const expected = `${done}/${total} done, ${total - done} open (${total - done})`;
  expect(counts).toEqual(Object.fromEntries(Object.keys(counts).map((view) => [view, expected])));
}

/** The summary `baton end` writes: its two counts. */
async function summaryCounts(project: Project): Promise<string> {
  const end = (await ok(project, ['end', '--json'])).json();
  const text = await project.read(end.summary);
  return `${/Features completed: (\d+)/.exec(text)![1]} done, ${/Features remaining: (\d+)/.exec(text)![1]} open`;
}

/** The counts the machine holds (its tally), to compare with the file's. */
const machineCounts = async (project: Project) => (await project.readJson(STATE)).snapshot.context.featureTally.counts;
const fileCounts = async (project: Project) => countFeatures(await fileFeatures(project));
const fileFeatures = async (project: Project) => (await project.readJson(FEATURES)).features.map(({ id, status, retries }: { id: string; status: string; retries: number }) => ({ id, status, retries }));

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const isDirty = async (project: Project) => (await project.readJson(STATE).catch(() => ({}))).dirty === true;

/** A project in IMPLEMENT with these features, its config trusted and committed. */
async function working(config: object, ...entries: [string, string][]): Promise<Project> {
  const project = await makeProject();
  await configure(project, config);
  await project.write(FEATURES, features(...entries));
  await project.commit('features');
  expect((await ok(project, ['entry', '--json'])).json().next_state).toBe('IMPLEMENT');
  return project;
}

describe('one count, everywhere', () => {
  it('status, features list, the status line, the page, entry and the summary give the same count; after features add, the new one', async () => {
    const project = await working({}, ['a', 'tested'], ['b', 'pending']);
    expectEveryView(await viewCounts(project), 1, 2);

    await ok(project, ['features', 'add', 'Third', '--id', 'c']);
    expectEveryView(await viewCounts(project), 1, 3);
    expect(await summaryCounts(project)).toBe('1 done, 2 open');
    // Statuses edited by hand count too (in_progress, implemented and blocked are open).
    const list = await project.readJson(FEATURES);
    list.features[1].status = 'blocked';
    list.features[2].status = 'completed';
    await project.write(FEATURES, list);
    expectEveryView(await viewCounts(project), 2, 3);
    expect((await ok(project, ['entry', '--json'])).json().features).toMatchObject({ done: 2, total: 3, open: 1, blocked: 1 });
    expect(await summaryCounts(project)).toBe('2 done, 1 open');
  });
});

describe('a feature list changed during a test run is merged into its result', () => {
  it('features added while the tests run are kept and counted: the run ends in IMPLEMENT and every view says 3 open', async () => {
    const project = await working({ test_command: 'sleep 2' }, ['done', 'tested'], ['f1', 'pending']);
    const run = baton(['features', 'implemented', 'f1', '--json'], { cwd: project.dir });
    await until(() => isDirty(project), 'the test run to start');
    for (const id of ['f2', 'f3', 'f4']) await ok(project, ['features', 'add', `Feature ${id}`, '--id', id]);
    expect(await isDirty(project), 'the adds landed while the tests ran').toBe(true);

    const done = await run;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json()).toMatchObject({ path: ['IMPLEMENT', 'TEST', 'IMPLEMENT'], state: 'IMPLEMENT', test_run: { outcome: 'passed' }, commit: { status: 'committed' } });
    expect(await fileFeatures(project)).toEqual([
      { id: 'done', status: 'tested', retries: 0 },
      { id: 'f1', status: 'tested', retries: 0 },
      ...['f2', 'f3', 'f4'].map((id) => ({ id, status: 'pending', retries: 0 })),
    ]);
    expect(await machineCounts(project)).toEqual(await fileCounts(project));
    expectEveryView(await viewCounts(project), 2, 5);
    // The log replays to what was committed: the merge is in it.
    const revision = (await project.readJson(STATE)).revision;
    const replayed = (await ok(project, ['replay', '--to', String(revision), '--json'])).json();
    expect(replayed).toMatchObject({ state: 'IMPLEMENT', features: await fileFeatures(project), problems: [] });
  });

  it('a feature deleted while the tests run is not brought back; the run counts without it (COMPLETE)', async () => {
    const project = await working({ test_command: 'sleep 2' }, ['f1', 'pending'], ['gone', 'pending']);
    const run = baton(['features', 'implemented', 'f1', '--json'], { cwd: project.dir });
    await until(() => isDirty(project), 'the test run to start');
    const list = await project.readJson(FEATURES);
    await project.write(FEATURES, { ...list, features: list.features.filter((feature: { id: string }) => feature.id !== 'gone') });

    const done = await run;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json()).toMatchObject({ state: 'COMPLETE', test_run: { outcome: 'passed' } });
    expect(await fileFeatures(project)).toEqual([{ id: 'f1', status: 'tested', retries: 0 }]);
    expect(await machineCounts(project)).toEqual(await fileCounts(project));
    expectEveryView(await viewCounts(project), 1, 1);
  });
});

describe('the feature under test deleted by hand', () => {
  it('the refusal says what happened instead of contradicting itself, and entry leaves TEST', async () => {
    const project = await working({}, ['f1', 'pending'], ['f2', 'pending']);
    expect((await ok(project, ['features', 'implemented', 'f1', '--json'])).json()).toMatchObject({ state: 'TEST' });
    const list = await project.readJson(FEATURES);
    await project.write(FEATURES, { ...list, features: list.features.filter((feature: { id: string }) => feature.id !== 'f1') });
    const before = await project.read(STATE);

    const refused = await baton(['send', 'TESTS_PASSED', '--data', '{"featureId":"f1"}'], { cwd: project.dir });
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain('feature "f1" is under test but is no longer in the feature list; put it back (status "implemented"), or run `baton entry` to leave TEST');
    expect(refused.stderr).not.toContain('is not the one under test');
    expect(await project.read(STATE)).toBe(before);

    expect((await ok(project, ['entry', '--json'])).json()).toMatchObject({ next_state: 'IMPLEMENT', next_feature: { id: 'f2' } });
  });
});

describe('feature ids', () => {
  it('--id that is not a clean token is a usage error saying what an id may contain, never a stack trace', async () => {
    const project = await working({}, ['f1', 'pending']);
    for (const id of [' f1', 'f1 ', 'two words', '-rf']) {
      const refused = await baton(['features', 'add', 'A feature', `--id=${id}`], { cwd: project.dir });
      expect([id, refused.exitCode]).toEqual([id, 2]);
      expect(refused.stderr).toContain(`--id: feature id ${JSON.stringify(id)} is not valid: an id is 1 to 64 letters (a-z, A-Z), digits, ".", "_" or "-", starting with a letter or digit`);
      expect(refused.stderr).not.toMatch(/internal error|ZodError|\n\s+at /);
    }
    expect((await fileFeatures(project)).map((feature: { id: string }) => feature.id)).toEqual(['f1']);
  });

  it('an id in the file that breaks the rule stops the commands that read the list (exit 4), naming the feature', async () => {
    const project = await working({}, ['f1', 'pending']);
    const list = await project.readJson(FEATURES);
    list.features.push({ id: 'f 2', description: 'spaced', status: 'pending' });
    await project.write(FEATURES, list);
    for (const args of [['features', 'list'], ['entry'], ['features', 'start', 'f1']]) {
      const refused = await baton(args, { cwd: project.dir });
      expect([args.join(' '), refused.exitCode]).toEqual([args.join(' '), 4]);
      expect(refused.stderr).toContain('.claude/progress/feature-list.json (features[1].id): feature id "f 2" is not valid');
    }
    // status still shows the session, with the problem, and says so with its exit code.
    const status = await baton(['status'], { cwd: project.dir });
    expect(status.exitCode).toBe(4);
    expect(status.stdout).toContain('IMPLEMENT');
    expect(status.stderr).toContain('feature id "f 2" is not valid');
  });

  it('importing features whose descriptions are not ASCII, one file after another, keeps every one with its own stable id', async () => {
    const project = await makeProject();
    const ids: string[] = [];
    for (const [file, description] of [['a.json', 'Вход в систему'], ['b.json', 'ログイン'], ['c.json', '🚀 Запуск']] as const) {
      await project.write(file, [{ category: 'функции', description, passes: false }]);
      const imported = (await ok(project, ['features', 'import', file, '--json'])).json();
      expect([description, imported.skipped]).toEqual([description, []]);
      ids.push(...imported.added);
    }
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toMatch(/^feature-[0-9a-f]{8}$/);
    expect((await fileFeatures(project)).map((feature: { id: string }) => feature.id)).toEqual(ids);
    // Stable: the same file imported into another project gives the same id.
    const other = await makeProject();
    await other.write('a.json', [{ category: 'функции', description: 'Вход в систему', passes: false }]);
    expect((await ok(other, ['features', 'import', 'a.json', '--json'])).json().added).toEqual([ids[0]]);
    // A re-import is still recognised as the same features.
    expect((await ok(project, ['features', 'import', 'a.json', '--json'])).json()).toMatchObject({ added: [], skipped: [ids[0]] });
  });
});

describe('features implemented whose tests fail', () => {
  it('exits 7 and shows IMPLEMENT -> TEST -> IMPLEMENT with the result; --json and send say the same; history shows the detour', async () => {
    const project = await working({ test_command: 'echo "expected 2, got 3"; exit 1' }, ['f1', 'pending'], ['f2', 'pending']);
    const failed = await baton(['features', 'implemented', 'f1'], { cwd: project.dir });
    expect(failed.exitCode).toBe(7);
    expect(failed.stdout).toMatch(/^FEATURE_IMPLEMENTED: IMPLEMENT -> TEST -> IMPLEMENT \(revision \d+\)$/m);
    expect(failed.stdout).toMatch(/^tests: failed \(test_command failed with exit code 1\); output: \/.+\.log$/m);
    expect(failed.stdout).toContain('| expected 2, got 3');

    const sent = await baton(['send', 'FEATURE_IMPLEMENTED', '--data', '{"featureId":"f1"}', '--json'], { cwd: project.dir });
    expect(sent.exitCode).toBe(7);
    expect(sent.json()).toMatchObject({ from: 'IMPLEMENT', to: 'IMPLEMENT', path: ['IMPLEMENT', 'TEST', 'IMPLEMENT'], test_run: { outcome: 'failed', reason: 'test_command failed with exit code 1', evidence: expect.stringMatching(/\.log$/) } });

    await configure(project, { test_command: 'true' });
    const passed = await baton(['features', 'implemented', 'f1', '--json'], { cwd: project.dir });
    expect(passed.exitCode).toBe(0);
    expect(passed.json()).toMatchObject({ path: ['IMPLEMENT', 'TEST', 'IMPLEMENT'], test_run: { outcome: 'passed' } });

    await configure(project, { test_command: 'sleep 30', timeout_seconds: { full_test: 1 } });
    const timedOut = await baton(['features', 'implemented', 'f2'], { cwd: project.dir });
    expect(timedOut.exitCode).toBe(7);
    expect(timedOut.stdout).toContain('FEATURE_IMPLEMENTED: IMPLEMENT -> TEST -> IMPLEMENT');

    // One entry per revision, its wrapped lines joined (an entry's first line starts with its revision).
    const entries = (await ok(project, ['history'])).stdout.split(/\n(?=\s*\d+ {2}\d{4}-)/).map((entry) => entry.replace(/\s+/g, ' ').trim());
    const history = entries.filter((entry) => entry.includes('FEATURE_IMPLEMENTED'));
    expect(history).toHaveLength(4);
    expect(history[0]).toMatch(/FEATURE_IMPLEMENTED \{"featureId":"f1"\} IMPLEMENT -> TEST -> IMPLEMENT tests failed \(test_command failed with exit code 1\)$/);
    expect(history[2]).toMatch(/FEATURE_IMPLEMENTED \{"featureId":"f1"\} IMPLEMENT -> TEST -> IMPLEMENT tests passed; commit committed$/);
    expect(history[3]).toMatch(/FEATURE_IMPLEMENTED \{"featureId":"f2"\} IMPLEMENT -> TEST -> IMPLEMENT tests timed out \(.+\)$/);
  });

  it('the exit code help says what 7 now covers', async () => {
    const project = await makeProject();
    expect((await ok(project, ['--help'])).stdout).toContain('7  the event ran, but the check it needed did not pass: HEALTH_FIXED whose health check fails (the state stays in FIX_BROKEN),\n     FEATURE_IMPLEMENTED / features implemented / baton test whose tests fail or time out (back to IMPLEMENT)');
  });
});

describe('no false alarms', () => {
  it("entry never warns about an index.lock that baton's own git calls took; a stale one left by a crash is reported", async () => {
    const project = await makeProject();
    // A tracked folder holding many untracked files: `git status` holds index.lock while it lists them.
    await project.commit('tracked', { 'build/keep.txt': 'x\n' });
    for (let i = 0; i < 20_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => fs.writeFile(project.file(`build/out-${i + j}.o`), '')));
    const warned: number[] = [];
    for (let run = 0; run < 20; run += 1) {
      const report = (await ok(project, ['entry', '--json'])).json();
      if (report.warnings.some((warning: string) => warning.includes('index.lock'))) warned.push(run);
    }
    expect(warned, 'entries that warned about index.lock').toEqual([]);

    await fs.writeFile(project.file('.git/index.lock'), '');
    const stale = (await ok(project, ['entry', '--json'])).json();
    expect(stale.warnings).toContain('.git/index.lock exists: another git process is running, or one crashed (remove the file if no git is running)');
  }, 120_000);

  it('"finished the status update that an interrupted command had committed" never appears when nothing was interrupted', async () => {
    const project = await makeProject();
    const outputs: string[] = [];
    const run = async (...args: string[]) => outputs.push(`${args.join(' ')}: ${(await ok(project, [...args, '--json'])).stdout}`);
    await run('init');
    await run('entry');
    await run('features', 'add', 'One', '--id', 'f1');
    await run('features', 'add', 'Two', '--id', 'f2');
    await run('send', 'FEATURES_DEFINED');
    await run('features', 'start', 'f1');
    await run('features', 'add', 'Three', '--id', 'f3');
    await run('entry');
    await run('features', 'start', 'f2');
    await run('status');
    await run('entry');
    expect(outputs.filter((output) => output.includes('finished the status update'))).toEqual([]);
  });

  it('a feature list set back by hand to the text a write replaced (git checkout) is the user\'s, not an interrupted write to finish', async () => {
    const project = await working({}, ['f1', 'pending'], ['f2', 'pending']);
    await project.commit('the feature list as it is now');
    await ok(project, ['features', 'start', 'f2']);
    expect((await fileFeatures(project))[1].status).toBe('in_progress');
    await project.git('checkout', '--', FEATURES);
    expect((await fileFeatures(project))[1].status).toBe('pending');

    const next = (await ok(project, ['features', 'start', 'f1', '--json'])).json();
    expect(next.warnings.join('\n')).not.toContain('finished the status update');
    expect(await fileFeatures(project)).toEqual([
      { id: 'f1', status: 'in_progress', retries: 0 },
      { id: 'f2', status: 'pending', retries: 0 },
    ]);
  });
});

describe('a refused command creates nothing on disk', () => {
  it('in a fresh project, before any session', async () => {
    const project = await makeProject();
    const before = await tree(project);
    const refusals = [
      ['send', 'FEATURES_DEFINED'],
      ['features', 'start', 'f1'],
      ['features', 'implemented', 'f1'],
      ['test'],
      ['note', '--decision', 'x'],
      ['checkpoint'],
      ['rollback', '--yes'],
      ['status'],
      ['features', 'add', 'x', '--id= x'],
    ];
    for (const args of refusals) {
      const refused = await baton(args, { cwd: project.dir });
      expect([args.join(' '), refused.exitCode]).toEqual([args.join(' '), args[0] === 'features' && args[1] === 'add' ? 2 : 3]);
      expect([args.join(' '), await tree(project)]).toEqual([args.join(' '), before]);
    }
    expect((await ok(project, ['recover'])).stdout).toContain('no session yet: nothing to recover');
    expect(await tree(project)).toEqual(before);
  });

  it('in a session, for events the state does not accept', async () => {
    const project = await working({}, ['f1', 'pending']);
    const before = await tree(project);
    for (const args of [['send', 'FEATURES_DEFINED'], ['send', 'TESTS_PASSED', '--data', '{"featureId":"f1"}'], ['features', 'start', 'nope'], ['features', 'implemented', 'nope'], ['test'], ['rollback', '--yes'], ['send', 'HEALTH_FIXED']]) {
      const refused = await baton(args, { cwd: project.dir });
      expect([args.join(' '), refused.exitCode]).toEqual([args.join(' '), 3]);
      expect([args.join(' '), await tree(project)]).toEqual([args.join(' '), before]);
    }
  });
});

/**
 * The README's "A session, as an agent drives it", run as written: every `sh` block of that
 * section, each command line through a shell (the README's quoting), with `baton` on PATH.
 * A block whose first line is `# without a test command ...` runs only in that case.
 */
describe("the README's session walkthrough", () => {
  async function walkthrough(): Promise<{ always: boolean; commands: string[] }[]> {
    const readme = await fs.readFile(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const section = /^## A session, as an agent drives it\n([\s\S]*?)^## /m.exec(readme)?.[1];
    expect(section, 'README.md has the section "A session, as an agent drives it"').toBeTruthy();
    const blocks = [...section!.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1]!.split('\n').filter((line) => line.trim() !== ''));
    expect(blocks.length).toBeGreaterThan(0);
    return blocks.map((lines) => ({
      always: !/^# without a test command/.test(lines[0]!),
      commands: lines.filter((line) => !line.trimStart().startsWith('#')),
    }));
  }

  async function runAsWritten(project: Project, withTests: boolean) {
    const bin = await fs.mkdtemp(path.join(project.dir, '..', 'baton-bin-'));
    await fs.writeFile(path.join(bin, 'baton'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(import.meta.dirname, '..', 'dist', 'baton.cjs')}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1', XDG_CONFIG_HOME: (await import('./helpers.js')).TEST_CONFIG_HOME, BATON_TRUST: '', CLAUDE_PROJECT_DIR: '' };
    const ran: string[] = [];
    for (const block of await walkthrough()) {
      if (!block.always && withTests) continue;
      for (const command of block.commands) {
        const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
          const child = spawn('/bin/sh', ['-c', command], { cwd: project.dir, env });
          let output = '';
          child.stdout.on('data', (chunk) => (output += chunk));
          child.stderr.on('data', (chunk) => (output += chunk));
          child.on('close', (code) => resolve({ code, output }));
        });
        expect([command, result.code, result.code === 0 ? '' : result.output]).toEqual([command, 0, '']);
        ran.push(command);
      }
    }
    return ran;
  }

  it('works as written without a test command', async () => {
    const project = await makeProject();
    const ran = await runAsWritten(project, false);
    expect(ran.some((command) => command.includes('TESTS_PASSED')), 'the walkthrough shows how to report test results').toBe(true);
    expect((await ok(project, ['status', '--json'])).json()).toMatchObject({ state: 'COMPLETE', features: { done: 1, total: 1 } });
  });

  it('works as written with a test command configured', async () => {
    const project = await makeProject();
    await configure(project, { test_command: 'true' });
    await runAsWritten(project, true);
    expect((await ok(project, ['status', '--json'])).json()).toMatchObject({ state: 'COMPLETE', features: { done: 1, total: 1 } });
  });
});
