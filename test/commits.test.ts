/**
 * What baton's commits hold: the feature's work once, never vendored or generated trees,
 * never baton's per-checkout files; and one handoff commit per handoff with new work.
 * Real git repositories, the built CLI as a process. The figures (commit time on a
 * 10,000-file node_modules) are printed with console.log.
 */
import type { StopHookInput } from '@anthropic-ai/claude-agent-sdk';
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commitFeature } from '../actors/git.js';
import { excludeOptions, PROGRESS_GITIGNORE, topDirectories } from '../services/agent-session/commit-scope.js';
import { baton, CLI, configure, features, makeProject, REPO_ROOT, TEST_CONFIG_HOME, type Project } from './helpers.js';

const PROGRESS = '.claude/progress';
const FEATURES = `${PROGRESS}/feature-list.json`;
const FAULT_PRELOAD = pathToFileURL(path.join(REPO_ROOT, 'test', 'fixtures', 'inject-fault.mjs')).href;

/** The files a commit changed, sorted. */
async function filesIn(project: Project, commit = 'HEAD'): Promise<string[]> {
  const out = await project.git('diff-tree', '--no-commit-id', '--name-only', '-r', '-z', '--root', commit);
  return out.split('\0').filter(Boolean).sort();
}

const commitCount = async (project: Project) => Number((await project.git('rev-list', '--count', 'HEAD')).trim());
const statusOf = async (project: Project, id: string) => (await project.readJson(FEATURES)).features.find((feature: { id: string }) => feature.id === id)?.status;

/** A project with baton set up and committed, in IMPLEMENT with `id` started. */
async function workingOn(project: Project, config: object, id = 'a', ...others: string[]): Promise<void> {
  await configure(project, config);
  await project.write(FEATURES, features([id, 'pending'], ...others.map((other) => [other, 'pending'] as [string, string])));
  await project.commit('baton set up');
  expect((await baton(['entry', '--json'], { cwd: project.dir })).json().next_state).toBe('IMPLEMENT');
  expect((await baton(['features', 'start', id], { cwd: project.dir })).exitCode).toBe(0);
}

async function done(project: Project, id: string) {
  const result = await baton(['features', 'implemented', id, '--json'], { cwd: project.dir, timeoutMs: 120_000 });
  // Tests that fail or time out: the event ran, its check did not pass (exit 7).
  const failed = ['failed', 'timed_out'].includes(result.json().test_run?.outcome);
  expect(result.exitCode, result.stderr).toBe(failed ? 7 : 0);
  return result.json();
}

async function writeMany(project: Project, dir: string, count: number): Promise<void> {
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, (_, i) => {
        const n = start + i;
        return project.write(`${dir}/pkg-${n % 100}/lib/file-${n}.js`, `module.exports = ${n};\n`);
      }),
    );
  }
}

describe('a feature commit holds the feature, not what the tools generated', () => {
  it('with no .gitignore, a node_modules of 10,000 files, coverage output and a .env: commits only the work', { timeout: 180_000 }, async () => {
    const project = await makeProject();
    await workingOn(project, { test_command: 'true' });
    await project.write('src/login.js', 'export const login = () => true;\n');
    await project.write('test/login.test.js', 'import "../src/login.js";\n');
    await writeMany(project, 'node_modules', 10_000);
    await project.write('coverage/lcov.info', 'TN:\nSF:src/login.js\nend_of_record\n');
    await project.write('coverage/lcov-report/index.html', '<html></html>\n');
    await project.write('.env', 'API_KEY=secret\n');
    await project.write('.env.example', 'API_KEY=\n');

    const started = performance.now();
    const sent = await done(project, 'a');
    const ms = Math.round(performance.now() - started);
    console.log(`features implemented with a 10,000-file node_modules (test_command true, commit included): ${ms} ms`);

    expect(sent.commit).toMatchObject({ status: 'committed', featureId: 'a' });
    expect(await filesIn(project)).toEqual(['.claude/progress/.gitignore', FEATURES, '.env.example', 'src/login.js', 'test/login.test.js']);
    expect(JSON.parse(await project.git('show', `HEAD:${FEATURES}`)).features[0].status).toBe('tested');
    // The feature list on disk now says what the commit says: nothing of baton's is left over.
    expect((await project.git('status', '--porcelain')).split('\n').sort()).toEqual(['?? .env', '?? coverage/', '?? node_modules/']);
    expect(ms).toBeLessThan(20_000);
  });

  it('refuses a commit that would add more new files than commit_max_files, and says how to allow it', { timeout: 60_000 }, async () => {
    const project = await makeProject();
    await workingOn(project, { test_command: 'true' }, 'a', 'b');
    await project.write('src/a.js', 'export {}\n');
    for (let n = 0; n < 250; n += 1) await project.write(`fixtures/generated/case-${n}.json`, `{"n": ${n}}\n`);
    const head = await project.git('rev-parse', 'HEAD');

    const sent = await done(project, 'a');
    expect(sent.commit.status).toBe('refused');
    expect(sent.commit.detail).toContain('it would add 252 new files, more than commit_max_files (200)');
    expect(sent.commit.detail).toContain('fixtures/ (250)');
    for (const way of ['.gitignore', 'commit_exclude', 'raise commit_max_files (0 = no limit)', 'commit them by hand']) expect(sent.commit.detail).toContain(way);
    expect(await statusOf(project, 'a')).toBe('tested');
    expect(await project.git('rev-parse', 'HEAD')).toBe(head);
    expect(await project.git('diff', '--cached', '--name-only')).toBe('');
    expect((await baton(['features', 'start', 'b'], { cwd: project.dir })).exitCode).toBe(0);

    // commit_exclude leaves them out; a "!pattern" takes back one of baton's built-in excludes.
    await configure(project, { test_command: 'true', commit_exclude: ['fixtures/generated/', '!build/'] });
    await project.write('src/b.js', 'export {}\n');
    await project.write('build/release.sh', 'echo release\n');
    const second = await done(project, 'b');
    expect(second.commit).toMatchObject({ status: 'committed', featureId: 'b' });
    expect(await filesIn(project)).toEqual(['.claude/config/project.json', '.claude/progress/.gitignore', FEATURES, 'build/release.sh', 'src/a.js', 'src/b.js']);
  });

  it('commit_max_files 0 means no limit', { timeout: 60_000 }, async () => {
    const project = await makeProject();
    await workingOn(project, { test_command: 'true', commit_max_files: 0 });
    for (let n = 0; n < 250; n += 1) await project.write(`fixtures/case-${n}.json`, `{"n": ${n}}\n`);
    expect((await done(project, 'a')).commit.status).toBe('committed');
    expect((await filesIn(project)).filter((file) => file.startsWith('fixtures/'))).toHaveLength(250);
  });

  it('never commits baton\'s per-checkout files, even when an older baton committed them', async () => {
    const project = await makeProject();
    await workingOn(project, { test_command: 'true' });
    // An older baton's commit: state.json, events.jsonl and the evidence tracked.
    await project.write(`${PROGRESS}/evidence/old.log`, 'old\n');
    await project.git('add', '-f', `${PROGRESS}/state.json`, `${PROGRESS}/events.jsonl`, `${PROGRESS}/evidence/old.log`);
    await project.git('commit', '-q', '-m', 'older baton');
    await project.write('src/a.js', 'export {}\n');
    await project.write(`${PROGRESS}/evidence/old.log`, 'changed\n');
    await project.git('add', '-f', `${PROGRESS}/evidence/old.log`); // staged by hand before baton ran

    expect((await done(project, 'a')).commit.status).toBe('committed');
    expect(await filesIn(project)).toEqual(['.claude/progress/.gitignore', FEATURES, 'src/a.js']);
    const stat = await project.git('show', '--stat', '--format=', 'HEAD');
    expect(stat).not.toContain('state.json');
    expect(stat).not.toContain('events.jsonl');
    // What the commit holds of the state is the settled one of the older commit, never a dirty one.
    expect(JSON.parse(await project.git('show', `HEAD:${PROGRESS}/state.json`)).dirty).toBe(false);
  });

  it('killed between the commit and the state write, the next run recognises its commit and makes no second one', { timeout: 60_000 }, async () => {
    const project = await makeProject();
    await workingOn(project, { test_command: 'true' });
    await project.write('src/a.js', 'export {}\n');
    const before = await commitCount(project);

    // The second rename onto state.json is the write that records the commit: it fails, as if killed there.
    const crashed = await execa(process.execPath, ['--import', FAULT_PRELOAD, CLI, 'features', 'implemented', 'a'], {
      cwd: project.dir,
      env: { NO_COLOR: '1', XDG_CONFIG_HOME: TEST_CONFIG_HOME, BATON_TRUST: '', BATON_FAULT: 'rename:state.json:EIO:2' },
      reject: false,
    });
    expect(crashed.stderr).toContain('inject-fault:');
    expect(crashed.exitCode).not.toBe(0);
    expect(await commitCount(project)).toBe(before + 1);
    expect(await statusOf(project, 'a')).toBe('in_progress'); // the feature list was not written either
    expect((await project.readJson(`${PROGRESS}/state.json`)).dirty).toBe(true);

    const entry = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    expect(entry.recovered).toBeTruthy();
    expect(entry.next_state).toBe('IMPLEMENT');
    const again = await done(project, 'a');
    expect(again.commit).toMatchObject({ status: 'skipped', detail: 'already committed' });
    expect(await commitCount(project)).toBe(before + 1);
    expect((await project.git('log', '--format=%(trailers:key=Baton-Feature,valueonly)')).split('\n').filter((line) => line.trim() === 'a')).toHaveLength(1);
    expect(await statusOf(project, 'a')).toBe('tested');
    expect(await project.git('status', '--porcelain')).toBe('');
  });

  it('file names that look like options or pathspec magic are committed as the files they are', async () => {
    const project = await makeProject();
    for (const name of ['--force', ':(exclude)src', '*.js', 'a b.txt', 'new\nline.txt']) await project.write(`odd/${name}`, 'x\n');
    await project.write('odd/plain.js', 'x\n');
    const result = await commitFeature(project.dir, { featureId: 'odd', description: '', enabled: true, scope: { exclude: [], maxNewFiles: 200 }, featureList: null });
    expect(result.status).toBe('committed');
    expect(await filesIn(project)).toEqual(['odd/*.js', 'odd/--force', 'odd/:(exclude)src', 'odd/a b.txt', 'odd/new\nline.txt', 'odd/plain.js'].sort());
  });

  it('a project in a subdirectory of a repository: excludes and the feature list are the project\'s', { timeout: 60_000 }, async () => {
    const repo = await makeProject();
    const app: Project = { ...repo, dir: repo.file('app'), file: (relative) => repo.file(path.join('app', relative)), write: (relative, content) => repo.write(path.join('app', relative), content), read: (relative) => repo.read(path.join('app', relative)), readJson: (relative) => repo.readJson(path.join('app', relative)) };
    await app.write('package.json', { name: 'app' });
    await workingOn(app, { test_command: 'true', commit_exclude: ['src/generated/'] });
    await app.write('src/a.js', 'export {}\n');
    await app.write('src/generated/schema.js', 'export {}\n');
    await app.write('.claude/settings.local.json', '{}\n');
    await repo.write('other/untouched.js', 'outside the project\n');
    expect((await done(app, 'a')).commit.status).toBe('committed');
    expect(await filesIn(repo)).toEqual(['app/.claude/progress/.gitignore', `app/${FEATURES}`, 'app/src/a.js']);
    expect(JSON.parse(await repo.git('show', `HEAD:app/${FEATURES}`)).features[0].status).toBe('tested');
  });
});

describe("baton's own files in git", () => {
  it('after a whole session, git status shows only the feature list, summaries, metrics and the .gitignore', { timeout: 60_000 }, async () => {
    const project = await makeProject();
    await workingOn(project, { test_command: 'test -f src/a.js', commit_after_feature: false, commit_on_end: false });
    expect((await done(project, 'a')).test_run.outcome).toBe('failed'); // evidence of a failed run
    await project.write('src/a.js', 'export {}\n');
    expect((await done(project, 'a')).test_run.outcome).toBe('passed');
    await baton(['checkpoint'], { cwd: project.dir });
    await baton(['end'], { cwd: project.dir });
    // What other parts of baton leave: a moved-aside file, set-aside log lines, a stale lock, a temp file, pids, refusals.
    for (const name of ['state.json.bad-2026-01-01T00-00-00-000Z', 'feature-list.json.replaced-2026-01-01T00-00-00-000Z', 'events.jsonl.uncommitted', '.lock.stale.99999', '.state.json.99999.0123abcd.tmp', 'env.json', 'gate-refusals.jsonl']) {
      await project.write(`${PROGRESS}/${name}`, '{}\n');
    }
    const onDisk = await fs.readdir(project.file(PROGRESS));
    for (const name of ['state.json', 'state.json.bak', 'checkpoint.json', 'events.jsonl', 'session.json', 'evidence']) expect(onDisk).toContain(name);
    expect((await fs.readdir(project.file(`${PROGRESS}/evidence`))).length).toBeGreaterThan(0);

    const status = await project.git('status', '--porcelain', '--untracked-files=all', '--', PROGRESS);
    const listed = status.split('\n').filter(Boolean).map((line) => line.slice(3)).sort();
    expect(listed.filter((file) => !file.startsWith(`${PROGRESS}/summaries/`))).toEqual([`${PROGRESS}/.gitignore`, FEATURES, `${PROGRESS}/metrics.json`]);
    expect(listed.filter((file) => file.startsWith(`${PROGRESS}/summaries/`))).toHaveLength(1);
  });

  it("entry brings baton's older .gitignore up to date and leaves one the user wrote alone", async () => {
    const project = await makeProject();
    const gitignore = `${PROGRESS}/.gitignore`;
    await project.write(gitignore, '# written by baton\n*.tmp\n.lock\n.lock.*\n');
    await baton(['entry'], { cwd: project.dir });
    expect(await project.read(gitignore)).toBe(PROGRESS_GITIGNORE);

    const mine = '# mine\n*\n';
    await project.write(gitignore, mine);
    await baton(['entry'], { cwd: project.dir });
    expect(await project.read(gitignore)).toBe(mine);
  });
});

describe('commit_on_end', () => {
  it('one commit per handoff with new work, holding that handoff\'s summary and metrics', { timeout: 120_000 }, async () => {
    const project = await makeProject();
    const transcript = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'baton-transcript-')), 'transcript.jsonl');
    await configure(project, { commit_on_end: true });
    await project.write(FEATURES, features(['a', 'pending']));
    const base = { session_id: 'session-1', transcript_path: transcript, cwd: project.dir, permission_mode: 'default' };
    const hook = (event: string, input: object) => baton(['hook', event], { cwd: project.dir, input: JSON.stringify(input) });
    expect((await hook('SessionStart', { ...base, hook_event_name: 'SessionStart', source: 'startup' })).exitCode).toBe(0);
    await project.commit('baton set up');
    const start = await commitCount(project);

    // Each Stop ends a turn (the transcript grows, so every Stop hands off); only some turns changed files.
    const turns = [true, false, true, true, false, false, true];
    const lines: string[] = [];
    let summary = '';
    for (const [turn, work] of turns.entries()) {
      lines.push(JSON.stringify({ type: 'assistant', message: { id: `m${turn}`, usage: { input_tokens: 10, output_tokens: turn + 1 } } }));
      await fs.writeFile(transcript, `${lines.join('\n')}\n`);
      if (work) await project.write(`src/turn-${turn}.js`, `export const turn = ${turn};\n`);
      const head = await project.git('rev-parse', 'HEAD');
      const stop: StopHookInput = { ...base, hook_event_name: 'Stop', stop_hook_active: false };
      expect((await hook('Stop', stop)).exitCode).toBe(0);
      summary ||= `${PROGRESS}/summaries/${(await fs.readdir(project.file(`${PROGRESS}/summaries`)))[0]}`;
      if (!work) {
        expect(await project.git('rev-parse', 'HEAD'), `turn ${turn} made no change: no commit`).toBe(head);
        continue;
      }
      expect(await project.git('log', '-1', '--format=%s')).toMatch(/^Session checkpoint: IMPLEMENT/);
      const committed = await filesIn(project);
      expect(committed).toContain(`src/turn-${turn}.js`);
      expect(committed).toContain(summary);
      // The commit holds this handoff's own summary and metrics row, as written.
      expect(await project.git('show', `HEAD:${summary}`)).toBe((await project.read(summary)).trimEnd());
      expect(await project.git('show', `HEAD:${summary}`)).toContain(`- src/turn-${turn}.js`);
      expect(await project.git('show', `HEAD:${PROGRESS}/metrics.json`)).toBe((await project.read(`${PROGRESS}/metrics.json`)).trimEnd());
      expect(JSON.parse(await project.git('show', `HEAD:${PROGRESS}/metrics.json`)).sessions[0].tokens_used).toBe(lines.length * 10 + ((turn + 1) * (turn + 2)) / 2);
      expect(committed.filter((file) => file.startsWith(PROGRESS) && ![summary, `${PROGRESS}/metrics.json`, FEATURES, `${PROGRESS}/.gitignore`].includes(file))).toEqual([]);
    }
    expect((await commitCount(project)) - start).toBe(turns.filter(Boolean).length);
  });
});

describe('commit scope (unit)', () => {
  it('anchors patterns with an inner slash at the project, leaves the others to match at any depth', () => {
    expect(excludeOptions(['node_modules/', '/.claude/settings.local.json', 'src/generated/', '!build/', '!docs/api/', '*.pem'], 'app/')).toEqual([
      '--exclude=node_modules/',
      '--exclude=/app/.claude/settings.local.json',
      '--exclude=/app/src/generated/',
      '--exclude=!build/',
      '--exclude=!/app/docs/api/',
      '--exclude=*.pem',
    ]);
    expect(excludeOptions(['src/generated/'], '')).toEqual(['--exclude=src/generated/']);
  });

  it('names the directories with the most new files', () => {
    expect(topDirectories(['a/1', 'a/2', 'b/1', 'top.txt', 'a/x/3'], 2)).toEqual([{ dir: 'a/', count: 3 }, { dir: '(project root)', count: 1 }]);
  });
});
