/**
 * Every output tells the truth, with the built CLI against real repositories: refusals exit
 * as documented and create nothing, bad values are usage errors that name the rule, --json
 * is one JSON object on stdout whatever happens, warnings go to stderr, and tables fit an
 * 80-column terminal.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baton, makeProject, tree, type Project } from './helpers.js';

const SESSION = '.claude/progress/session.json';

async function ok(project: Project, args: string[], env?: Record<string, string>) {
  const result = await baton(args, { cwd: project.dir, env });
  expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

describe('baton note without a session to note in', () => {
  it('after `baton end` the session is over: refused with exit 3, nothing written, and the summary is as it was', async () => {
    const project = await makeProject();
    await ok(project, ['entry']);
    await ok(project, ['note', '--decision', 'use sqlite']);
    await ok(project, ['end']);
    const record = await project.read(SESSION);
    const [summary] = await fs.readdir(project.file('.claude/progress/summaries'));
    const summaryBefore = await project.read(path.join('.claude/progress/summaries', summary!));

    const refused = await baton(['note', '--blocker', 'flaky CI'], { cwd: project.dir });
    expect(refused.exitCode).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/session [0-9a-f-]+ was handed off \(baton end, .*\); a note now would reach no summary/);
    expect(refused.stderr).toContain('baton entry');
    expect(await project.read(SESSION)).toBe(record);
    const json = await baton(['note', '--decision', 'x', '--json'], { cwd: project.dir });
    expect(json.json().error).toMatchObject({ exit_code: 3 });

    // The next session takes notes again.
    await ok(project, ['entry']);
    await ok(project, ['note', '--blocker', 'flaky CI']);
    expect(await project.read(path.join('.claude/progress/summaries', summary!))).toBe(summaryBefore);
  });

  it('after a Stop the Claude Code session goes on: a note is taken and the next Stop puts it in the summary', async () => {
    const project = await makeProject();
    const transcript = project.file('transcript.jsonl');
    const usage = (id: string, tokens: number) => `${JSON.stringify({ message: { id, usage: { input_tokens: tokens, output_tokens: 1 } } })}\n`;
    await fs.writeFile(transcript, usage('m1', 10));
    const hook = (event: string, payload: object) =>
      baton(['hook', event], { cwd: project.dir, env: { CLAUDE_PROJECT_DIR: project.dir }, input: JSON.stringify({ session_id: 's1', transcript_path: transcript, cwd: project.dir, hook_event_name: event, ...payload }) });
    expect((await hook('SessionStart', { source: 'startup' })).exitCode).toBe(0);
    expect((await hook('Stop', { stop_hook_active: false })).exitCode).toBe(0);
    await ok(project, ['note', '--decision', 'keep the API small']);
    await fs.appendFile(transcript, usage('m2', 20));
    expect((await hook('Stop', { stop_hook_active: false })).exitCode).toBe(0);
    const [summary] = await fs.readdir(project.file('.claude/progress/summaries'));
    expect(await project.read(path.join('.claude/progress/summaries', summary!))).toContain('- keep the API small');
  });

  it('a session.json that cannot be read is named (exit 4), not called "no session"', async () => {
    const project = await makeProject();
    await ok(project, ['entry']);
    await project.write(SESSION, '{"session_id": ');
    const refused = await baton(['note', '--decision', 'x'], { cwd: project.dir });
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain('.claude/progress/session.json');
    expect(refused.stderr).not.toContain('no session has started');
    expect(await project.read(SESSION)).toBe('{"session_id": ');
  });
});

describe('an id that is not a valid id is a usage error naming the option and the rule', () => {
  const RULE = 'an id is 1 to 64 letters (a-z, A-Z), digits, ".", "_" or "-", starting with a letter or digit';

  it('--id, features start/done ID and --data featureId: exit 2, no stack trace, nothing changed', async () => {
    const project = await makeProject();
    await ok(project, ['entry']);
    await ok(project, ['features', 'add', 'the first feature', '--id', 'f1']);
    await ok(project, ['send', 'FEATURES_DEFINED']);
    const before = await project.read('.claude/progress/state.json');
    const cases: [args: string[], names: string][] = [
      [['features', 'add', 'x', '--id', ' f1'], '--id: feature id " f1" is not valid'],
      [['features', 'start', ' f1'], 'features start: feature id " f1" is not valid'],
      [['features', 'implemented', 'f1 '], 'features implemented: feature id "f1 " is not valid'],
      [['send', 'FEATURE_STARTED', '--data', '{"featureId":" f1"}'], 'FEATURE_STARTED --data featureId: feature id " f1" is not valid'],
      [['send', 'TESTS_FAILED', '--data', '{"featureId":"f1;rm -rf","reason":"x"}'], 'TESTS_FAILED --data featureId: feature id "f1;rm -rf" is not valid'],
    ];
    for (const [args, names] of cases) {
      const result = await baton(args, { cwd: project.dir });
      expect([args.join(' '), result.exitCode]).toEqual([args.join(' '), 2]);
      expect(result.stderr).toContain(names);
      expect(result.stderr).toContain(RULE);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    expect(await project.read('.claude/progress/state.json')).toBe(before);
    expect((await baton(['features', 'start', 'nope'], { cwd: project.dir })).exitCode).toBe(3);
  });
});

describe('a refused send (or entry) creates nothing on disk', () => {
  const refusedSends = [
    ['send', 'BOGUS'],
    ['send'],
    ['send', 'FEATURES_DEFINED', 'extra'],
    ['send', 'FEATURE_STARTED', '--data', '{'],
    ['send', 'FEATURE_STARTED', '--data', '{"featureId":"f1"}'],
    ['send', 'FEATURES_DEFINED', '--json'],
    ['send', 'HEALTH_BROKEN', '--data', '{"reason":"down"}'],
    ['send', 'HEALTH_FIXED'],
    ['send', 'RUN_TESTS'],
    ['send', 'FEATURES_DEFINED', '--inspect-url', 'http://localhost:1'],
  ];

  it('in a project with no session, one with only a config, and a directory that is not a project', async () => {
    const fresh = await makeProject();
    const configured = await makeProject();
    await configured.write('.claude/config/project.json', { test_command: 'true' });
    const bare = await makeProject({ git: false, packageJson: false });
    await bare.write('notes.txt', 'x\n');
    for (const project of [fresh, configured, bare]) {
      const before = await tree(project);
      for (const args of refusedSends) {
        const refused = await baton(args, { cwd: project.dir });
        expect([args.join(' '), refused.exitCode]).toEqual([args.join(' '), expect.toSatisfy((code: number) => code === 2 || code === 3)]);
        expect([args.join(' '), await tree(project)]).toEqual([args.join(' '), before]);
      }
    }
  });

  it('entry with a bad --inspect-url is a usage error before it creates .claude/', async () => {
    const project = await makeProject();
    const before = await tree(project);
    const refused = await baton(['entry', '--inspect-url', 'http://localhost:1'], { cwd: project.dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('must start with ws:// or wss://');
    expect(await tree(project)).toEqual(before);
  });
});

describe('--json: exactly one JSON object on stdout, whatever happens', () => {
  /** The one object stdout holds; fails the test with the command and its output otherwise. */
  function oneObject(args: string[], stdout: string): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(stdout);
    } catch {
      throw new Error(`${args.join(' ')}: stdout is not one JSON value:\n${stdout}`);
    }
    expect([args.join(' '), typeof value, Array.isArray(value), value === null]).toEqual([args.join(' '), 'object', false, false]);
    return value as Record<string, unknown>;
  }

  it('for a matrix of commands, successes, usage errors and refusals; an error is {"error": {message, exit_code}}', async () => {
    const project = await makeProject();
    const bare = await makeProject({ git: false, packageJson: false });
    const matrix: [cwd: string, args: string[]][] = [
      [project.dir, []],
      [project.dir, ['--version']],
      [project.dir, ['--help']],
      [project.dir, ['status', '--help']],
      [project.dir, ['bogus']],
      [project.dir, ['-C']],
      [project.dir, ['status', '--bogus']],
      [project.dir, ['status']],
      [project.dir, ['send', 'FEATURES_DEFINED']],
      [project.dir, ['note', '--decision', 'x']],
      [project.dir, ['metrics']],
      [project.dir, ['history']],
      [project.dir, ['replay']],
      [project.dir, ['statusline']],
      [bare.dir, ['entry']],
      [project.dir, ['entry']],
      [project.dir, ['status']],
      [project.dir, ['features']],
      [project.dir, ['features', 'add', 'the first feature', '--id', 'f1']],
      [project.dir, ['features', 'add', 'x', '--id', ' f1']],
      [project.dir, ['send', 'BOGUS']],
      [project.dir, ['send', 'FEATURES_DEFINED']],
      [project.dir, ['send', 'FEATURES_DEFINED']],
      [project.dir, ['features', 'start', 'nope']],
      [project.dir, ['note', '--decision', 'x']],
      [project.dir, ['history']],
      [project.dir, ['history', '--limit', 'x']],
      [project.dir, ['replay', '--to', '1']],
      [project.dir, ['visualize']],
      [project.dir, ['visualize', '--format', 'json']],
      [project.dir, ['statusline']],
      [project.dir, ['schema']],
      [project.dir, ['env']],
      [project.dir, ['trust']],
      [project.dir, ['recover']],
      [project.dir, ['checkpoint']],
      [project.dir, ['rollback']],
      [project.dir, ['test']],
      [project.dir, ['end']],
      [project.dir, ['metrics']],
      [project.dir, ['inspect', '--port', 'x']],
    ];
    for (const [cwd, command] of matrix) {
      const args = [...command, '--json'];
      const result = await baton(args, { cwd });
      const value = oneObject(args, result.stdout);
      if (result.exitCode !== 0 && result.exitCode !== 4) {
        expect([args.join(' '), (value.error as { exit_code?: number } | undefined)?.exit_code]).toEqual([args.join(' '), result.exitCode]);
        expect((value.error as { message?: unknown }).message, args.join(' ')).toEqual(expect.any(String));
      }
    }
    expect(oneObject(['--version'], (await baton(['--version', '--json'], { cwd: project.dir })).stdout).version).toMatch(/^\d+\.\d+\.\d+/);
    const none = await baton(['--json'], { cwd: project.dir });
    expect(none.exitCode).toBe(2);
    expect(oneObject(['--json'], none.stdout).error).toMatchObject({ exit_code: 2 });
    const help = oneObject(['--help'], (await baton(['--help', '--json'], { cwd: project.dir })).stdout) as { commands: { name: string }[]; exit_codes: Record<string, string> };
    expect(help.commands.map((command) => command.name)).toContain('status');
    expect(Object.keys(help.exit_codes)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });
});

describe('warnings go to stderr, never stdout', () => {
  it('entry, status, history, send and recover, with and without --json', async () => {
    const project = await makeProject();
    await ok(project, ['entry']);
    await ok(project, ['features', 'add', 'the first feature', '--id', 'f1']);
    await ok(project, ['send', 'FEATURES_DEFINED']);
    const noticed = async (args: string[], says: RegExp, exitCode = 0, prepare?: () => Promise<void>) => {
      for (const json of [false, true]) {
        await prepare?.();
        const result = await baton(json ? [...args, '--json'] : args, { cwd: project.dir });
        const label = `${args.join(' ')}${json ? ' --json' : ''}`;
        expect([label, result.exitCode]).toEqual([label, exitCode]);
        expect([label, result.stderr]).toEqual([label, expect.stringMatching(says)]);
        // With --json, stdout is the one object, which carries the warnings as a field for programs.
        if (json) JSON.parse(result.stdout);
        else expect([label, result.stdout]).toEqual([label, expect.not.stringMatching(/warning/i)]);
      }
    };
    await project.write('.claude/progress/file_history.json', '["src/a.js", ');
    await noticed(['entry'], /baton: warning: .*file_history\.json \(end of file\): is truncated/);
    // A warning is one line, whatever text from a file it quotes.
    await project.write('.claude/config/project.json', { 'evil\nbaton: a line of its own': 1 });
    await noticed(['entry'], /^baton: warning: .*unknown field\(s\) evil\\nbaton: a line of its own \(kept, not used\)$/m);
    await fs.rm(project.file('.claude/config/project.json'));

    // A byte order mark in front of state.json: read with a warning, gone at the next write.
    const bom = async () => project.write('.claude/progress/state.json', `\uFEFF${(await project.read('.claude/progress/state.json')).replace(/^\uFEFF/, '')}`);
    const BOM = /baton: warning: .*state\.json: starts with a byte order mark/;
    await noticed(['status'], BOM, 0, bom);
    await noticed(['recover'], BOM, 0, bom);
    await noticed(['send', 'FEATURE_STARTED', '--data', '{"featureId":"f1"}'], BOM, 0, bom);

    await fs.appendFile(project.file('.claude/progress/events.jsonl'), '{"not": "an entry"}\n');
    await noticed(['history'], /baton: warning: .*events\.jsonl line \d+: not a log entry/);
    await noticed(['replay'], /baton: warning: .*events\.jsonl line \d+: not a log entry/);

    const list = await project.readJson('.claude/progress/feature-list.json');
    await project.write('.claude/progress/feature-list.json', { features: [...list.features, { id: 'f 2', description: 'spaced', status: 'pending' }] });
    await noticed(['status'], /baton: warning: .*feature id "f 2" is not valid/, 4);
  });
});

describe('tables and reports fit an 80-column terminal', () => {
  /** The lines of stdout longer than 80 characters. */
  const tooLong = (stdout: string) => stdout.split('\n').filter((line) => line.length > 80);
  /** Text without its whitespace: what was wrapped reads the same as what was not. */
  const squeezed = (text: string) => text.replace(/\s+/g, '');

  it('status, features list, history, replay and metrics, with long ids, descriptions, reasons and many states: wrapped, nothing lost', async () => {
    const project = await makeProject();
    await ok(project, ['entry']);
    const longId = `f-${'x'.repeat(62)}`;
    const description = `As a user with a very long story to tell I can log in with my email address and a password, and see https://example.com/${'a'.repeat(90)} afterwards`;
    await ok(project, ['features', 'add', description, '--id', 'login']);
    await ok(project, ['features', 'add', `${description} (again)`, '--id', longId]);
    await ok(project, ['send', 'FEATURES_DEFINED']);
    await ok(project, ['features', 'start', 'login']);
    const reason = `the login form ${'does not validate the email address and '.repeat(4)}times out`;
    await ok(project, ['features', 'implemented', 'login']);
    await ok(project, ['send', 'TESTS_FAILED', '--data', JSON.stringify({ featureId: 'login', reason })]);
    await ok(project, ['end']);
    // A session that went round many times: the metrics row's states.
    const metrics = await project.readJson('.claude/progress/metrics.json');
    const states = ['START', 'INIT', ...Array.from({ length: 12 }, () => ['IMPLEMENT', 'TEST']).flat(), 'COMPLETE'];
    metrics.sessions.push({ ...metrics.sessions[0], session_id: 'a-second-session-with-a-long-id', states_visited: states, tokens_used: 123456789, ended_at: null, ended_by: 'never' });
    await project.write('.claude/progress/metrics.json', metrics);

    const views: Record<string, string> = {};
    for (const args of [['status'], ['features', 'list'], ['history'], ['replay'], ['metrics']]) {
      const result = await ok(project, args);
      views[args.join(' ')] = result.stdout;
      expect([args.join(' '), tooLong(result.stdout)]).toEqual([args.join(' '), []]);
    }
    expect(squeezed(views['features list']!)).toContain(squeezed(description));
    expect(squeezed(views['features list']!)).toContain(longId);
    expect(squeezed(views.status!)).toContain(squeezed(`last test failure: login: ${reason}`));
    expect(squeezed(views.history!)).toContain(squeezed(JSON.stringify({ featureId: 'login', reason })));
    expect(squeezed(views.metrics!)).toContain(squeezed(states.join(' > ')));
    expect(views.metrics).toContain('123456789');
  });
});
