/**
 * Every file baton reads follows one loss-free policy (issue 9, section 4): a bad file is named
 * in the message, its bytes are kept aside, what can be recovered is, the exit code says what
 * happened, and recovery never makes things worse. The built CLI against real projects.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baton, features, makeProject, TEST_CONFIG_HOME, type CliResult, type Project } from './helpers.js';

const PROGRESS = '.claude/progress';

/** No stack trace and no internal error for bad input, whatever the command printed. */
function noCrash(result: CliResult): void {
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  expect([0, 2, 3, 4, 5, 6, 7]).toContain(result.exitCode);
}

/** The files baton set aside beside `file`, with their content. */
async function keptAside(project: Project, file: string): Promise<string[]> {
  const dir = path.dirname(project.file(file));
  const names = (await fs.readdir(dir)).filter((name) => name.startsWith(`${path.basename(file)}.bad-`));
  return Promise.all(names.map((name) => fs.readFile(path.join(dir, name), 'utf8')));
}

/** A project one session in: entry, a feature started, handed off once. */
async function startedProject(): Promise<Project> {
  const project = await makeProject();
  await project.write(`${PROGRESS}/feature-list.json`, features(['a', 'pending'], ['b', 'pending']));
  for (const args of [['entry'], ['features', 'start', 'a'], ['note', '--decision', 'kept the API small'], ['end']]) {
    const result = await baton(args, { cwd: project.dir });
    if (result.exitCode !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  }
  return project;
}

describe('metrics.json', () => {
  it('damaged: `baton metrics` names it and exits 4; the next handoff keeps its bytes aside and says so', async () => {
    const project = await startedProject();
    const garbage = '{"sessions": [{"session_id": "s1", "started_at": "x"';
    await project.write(`${PROGRESS}/metrics.json`, garbage);
    const metrics = await baton(['metrics'], { cwd: project.dir });
    noCrash(metrics);
    expect(metrics.exitCode).toBe(4);
    expect(metrics.stderr).toMatch(/\.claude\/progress\/metrics\.json \(line 1, column \d+\): is truncated/);
    await baton(['entry'], { cwd: project.dir });
    const end = await baton(['end'], { cwd: project.dir });
    noCrash(end);
    expect(end.exitCode).toBe(0);
    expect(end.stderr).toMatch(/metrics\.json \(line 1, column \d+\): is truncated.*kept as \.claude\/progress\/metrics\.json\.bad-/);
    expect(await keptAside(project, `${PROGRESS}/metrics.json`)).toEqual([garbage]);
    expect((await project.readJson(`${PROGRESS}/metrics.json`)).sessions).toHaveLength(1);
  });

  it('one bad row among good ones: the good rows are kept, the bad one is in the file kept aside', async () => {
    const project = await startedProject();
    const original = await project.readJson(`${PROGRESS}/metrics.json`);
    const good = original.sessions[0];
    await project.write(`${PROGRESS}/metrics.json`, { sessions: [good, { session_id: 'broken', states_visited: 'not a list' }] });
    const shown = await baton(['metrics', '--json'], { cwd: project.dir });
    expect(shown.exitCode).toBe(4);
    expect(shown.json().sessions).toEqual([good]);
    expect(shown.stderr).toContain('sessions[1]');
    await baton(['entry'], { cwd: project.dir });
    await baton(['end'], { cwd: project.dir });
    const rows = (await project.readJson(`${PROGRESS}/metrics.json`)).sessions;
    expect(rows.map((row: { session_id: string }) => row.session_id)).toContain(good.session_id);
    expect(rows).toHaveLength(2);
    expect((await keptAside(project, `${PROGRESS}/metrics.json`))[0]).toContain('"broken"');
  });

  it('a folder where metrics.json belongs: set aside, no stack trace', async () => {
    const project = await startedProject();
    await fs.rm(project.file(`${PROGRESS}/metrics.json`));
    await fs.mkdir(project.file(`${PROGRESS}/metrics.json`));
    await baton(['entry'], { cwd: project.dir });
    const end = await baton(['end'], { cwd: project.dir });
    noCrash(end);
    expect(end.exitCode).toBe(0);
    expect(end.stderr).toMatch(/\.claude\/progress\/metrics\.json: is a folder where baton keeps a file; kept as \.claude\/progress\/metrics\.json\.bad-/);
    expect((await fs.stat(project.file(`${PROGRESS}/metrics.json`))).isFile()).toBe(true);
  });
});

describe('session.json', () => {
  it('damaged: entry keeps it aside (with the decisions in it) and starts a new record, saying so', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    await baton(['note', '--decision', 'use sqlite'], { cwd: project.dir });
    const text = await project.read(`${PROGRESS}/session.json`);
    const torn = text.slice(0, text.indexOf('use sqlite') + 12);
    await project.write(`${PROGRESS}/session.json`, torn);
    const entry = await baton(['entry'], { cwd: project.dir });
    noCrash(entry);
    expect(entry.stderr).toMatch(/session\.json \(line \d+, column \d+\): is truncated.*kept as .*session\.json\.bad-/);
    expect(await keptAside(project, `${PROGRESS}/session.json`)).toEqual([torn]);
  });

  it('a field of the wrong type: the other fields, decisions included, are kept', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    await baton(['note', '--decision', 'use sqlite'], { cwd: project.dir });
    const record = await project.readJson(`${PROGRESS}/session.json`);
    await project.write(`${PROGRESS}/session.json`, { ...record, blockers: 'not a list' });
    const note = await baton(['note', '--blocker', 'flaky CI'], { cwd: project.dir });
    noCrash(note);
    expect(note.exitCode).toBe(0);
    expect(note.stderr).toContain('.claude/progress/session.json (blockers): has the wrong type');
    const after = await project.readJson(`${PROGRESS}/session.json`);
    expect(after).toMatchObject({ session_id: record.session_id, decisions: ['use sqlite'], blockers: ['flaky CI'] });
  });
});

describe('file_history.json', () => {
  it('damaged: entry says so and uses git; the next edit keeps it aside and starts a new history', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    await project.write(`${PROGRESS}/file_history.json`, '["src/a.js", ');
    const entry = await baton(['entry'], { cwd: project.dir });
    expect(entry.stderr).toContain("file_history.json (end of file): is truncated: the JSON ends before it is complete; git's recent files are used instead");
    const edit = await baton(['hook', 'PostToolUse'], {
      cwd: project.dir,
      input: JSON.stringify({ hook_event_name: 'PostToolUse', cwd: project.dir, tool_name: 'Write', tool_input: { file_path: project.file('src/b.js') }, tool_response: {} }),
    });
    noCrash(edit);
    expect(edit.exitCode).toBe(0);
    expect(await project.readJson(`${PROGRESS}/file_history.json`)).toEqual(['src/b.js']);
    expect(await keptAside(project, `${PROGRESS}/file_history.json`)).toEqual(['["src/a.js", ']);
  });
});

describe('state.json.bak and checkpoint.json', () => {
  it('a damaged backup or checkpoint is reported and kept aside before the next write replaces it', async () => {
    const project = await startedProject();
    await project.write(`${PROGRESS}/state.json.bak`, 'not json at all');
    await project.write(`${PROGRESS}/checkpoint.json`, '{"schema_version": 1}');
    const entry = await baton(['entry'], { cwd: project.dir });
    noCrash(entry);
    expect(entry.stderr).toMatch(/state\.json\.bak: is not valid JSON.*kept as .*state\.json\.bak\.bad-/);
    expect(entry.stderr).toMatch(/checkpoint\.json \(checkpoint_at\).*kept as .*checkpoint\.json\.bad-/);
    expect(await keptAside(project, `${PROGRESS}/state.json.bak`)).toEqual(['not json at all']);
    expect(await keptAside(project, `${PROGRESS}/checkpoint.json`)).toEqual(['{"schema_version": 1}']);
    expect((await project.readJson(`${PROGRESS}/state.json.bak`)).schema_version).toBe(1);
  });
});

describe('recovery never makes things worse', () => {
  it('a deleted state.json: send refuses and says why; entry restores the session, keeping the log and its revisions', async () => {
    const project = await startedProject();
    const before = await project.readJson(`${PROGRESS}/state.json`);
    const logBefore = await project.read(`${PROGRESS}/events.jsonl`);
    await fs.rm(project.file(`${PROGRESS}/state.json`));
    const send = await baton(['send', 'FEATURE_STARTED', '--data', '{"featureId":"b"}'], { cwd: project.dir });
    expect(send.exitCode).toBe(3);
    expect(send.stderr).toContain(`.claude/progress/state.json is missing, but the session's other files go up to revision ${before.revision}`);
    const entry = await baton(['entry', '--json'], { cwd: project.dir });
    expect(entry.exitCode).toBe(0);
    const report = entry.json();
    expect(report.recovered).toMatchObject({ reason: 'missing', restoredRevision: before.revision });
    expect(report.revision).toBeGreaterThan(before.revision);
    const state = await project.readJson(`${PROGRESS}/state.json`);
    expect(state.snapshot.context.currentFeatureId).toBe('a');
    expect((await project.read(`${PROGRESS}/events.jsonl`)).startsWith(logBefore)).toBe(true);
    await expect(fs.access(project.file(`${PROGRESS}/events.jsonl.uncommitted`))).rejects.toThrow();
  });

  it('a log with a damaged line in the middle is not replayed across the gap: the correct backup wins', async () => {
    const project = await startedProject();
    for (const id of ['b']) await baton(['features', 'start', id], { cwd: project.dir });
    const head = await project.readJson(`${PROGRESS}/state.json`);
    const lines = (await project.read(`${PROGRESS}/events.jsonl`)).trimEnd().split('\n');
    lines[1] = '{"revision": 2, "event": {"type": "FEATURE_ST';
    await project.write(`${PROGRESS}/events.jsonl`, `${lines.join('\n')}\n`);
    await project.write(`${PROGRESS}/state.json`, 'garbage');
    const recover = await baton(['recover', '--json'], { cwd: project.dir });
    noCrash(recover);
    expect(recover.exitCode).toBe(0);
    expect(recover.json().recovered).toMatchObject({ reason: 'unreadable', restoredFrom: '.claude/progress/state.json.bak', restoredRevision: head.revision - 1 });
    expect(recover.json().warnings.join('\n')).toContain('line 2: not valid JSON');
  });
});

describe('the trust store', () => {
  it('damaged: commands are not trusted and the message names it; `baton trust` keeps it aside and carries over the whole records', async () => {
    const home = await fs.mkdtemp(path.join(path.dirname(TEST_CONFIG_HOME), 'baton-trust-home-'));
    const env = { XDG_CONFIG_HOME: home };
    const project = await makeProject();
    await project.write('.claude/config/project.json', { health_check: 'true' });
    const other = await makeProject();
    await other.write('.claude/config/project.json', { health_check: 'true' });
    await baton(['trust'], { cwd: other.dir, env });
    const store = path.join(home, 'baton', 'trusted.json');
    const records = JSON.parse(await fs.readFile(store, 'utf8'));
    await fs.writeFile(store, JSON.stringify({ projects: { ...records.projects, '/somewhere': { hash: 42 } } }));
    const entry = await baton(['entry', '--json'], { cwd: project.dir, env });
    expect(entry.json().trust).toMatchObject({ trusted: false });
    expect(entry.json().trust.message).toContain('the trust store is damaged');
    const trust = await baton(['trust'], { cwd: project.dir, env });
    noCrash(trust);
    expect(trust.stderr).toMatch(/trusted\.json \(projects\["\/somewhere"\]\): not a trust record.*kept as .*trusted\.json\.bad-/);
    const after = JSON.parse(await fs.readFile(store, 'utf8'));
    expect(Object.keys(after.projects).sort()).toEqual([other.dir, project.dir].sort());
    expect((await baton(['entry', '--json'], { cwd: other.dir, env })).json().trust.trusted).toBe(true);
  });
});

describe('env.json', () => {
  it('damaged: env status and env stop name it and exit 4, signalling nothing', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    await project.write(`${PROGRESS}/env.json`, '{"pgid": ');
    for (const action of ['status', 'stop']) {
      const result = await baton(['env', action], { cwd: project.dir });
      noCrash(result);
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toContain('.claude/progress/env.json (end of file): is truncated');
    }
  });
});
