/**
 * Where baton meets the world: process trees that hang or print megabytes, repositories in
 * every odd state, commands nobody trusted yet. Real processes, real git, no mocks.
 */
import { execa } from 'execa';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFeature, FEATURE_TRAILER } from '../actors/git.js';
import { readGitContext } from '../actors/git-context.js';
import { runCommand } from '../actors/run-command.js';
import { projectPaths } from '../services/project/paths.js';
import { alive, baton, CLI, configure, features, makeProject, TEST_CONFIG_HOME, waitFor, type Project } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const featureCommit = (featureId: string, description: string) => ({ featureId, description, enabled: true, scope: { exclude: [], maxNewFiles: 200 }, featureList: null });

async function pidsIn(file: string): Promise<number[]> {
  return (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean).map(Number);
}

describe('commands in their own process group', () => {
  it('a 5 s timeout on `sleep 100 & sleep 100` returns within the timeout plus the grace, leaving no survivor', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-run-'));
    const started = Date.now();
    const result = await runCommand('sleep 100 & echo $! >> pids; sleep 100 & echo $! >> pids; wait', { cwd: dir, timeoutMs: 5_000, graceMs: 500 });
    const elapsed = Date.now() - started;
    console.log(`timeout check on "sleep 100 & sleep 100" with a 5 s timeout returned after ${elapsed} ms`);
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(elapsed).toBeGreaterThanOrEqual(5_000);
    expect(elapsed).toBeLessThan(5_000 + 500 + 1_500);
    const pids = await pidsIn(path.join(dir, 'pids'));
    expect(pids).toHaveLength(2);
    await sleep(100);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('`exit 3` is a failed check with its exit code, not a crash', async () => {
    const result = await runCommand('echo out; echo err >&2; exit 3', { cwd: os.tmpdir(), timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, exitCode: 3, timedOut: false });
    expect(result.outputTail).toContain('out');
    expect(result.outputTail).toContain('err');
  });

  it('keeps a bounded evidence file per run, and prunes the oldest beyond the count, never a file of its own naming', async () => {
    const project = await makeProject();
    const paths = projectPaths(project.dir);
    const evidence = { paths, label: 'flood', maxBytes: 10_000, maxFiles: 3 };
    const big = await runCommand(`node -e "for (let i = 0; i < 20000; i++) console.log('line ' + i)"`, { cwd: project.dir, timeoutMs: 10_000, evidence });
    const text = await fs.readFile(big.evidence!, 'utf8');
    expect(path.dirname(big.evidence!)).toBe(paths.evidence);
    expect(text.length).toBeLessThan(10_000 + 6_000);
    expect(text).toContain('bytes not kept');
    expect(text).toContain('line 19999');
    await project.write('.claude/progress/evidence/notes.log', 'mine');
    for (let i = 0; i < 4; i += 1) await runCommand('true', { cwd: project.dir, timeoutMs: 5_000, evidence });
    const names = (await fs.readdir(paths.evidence)).filter((name) => name.endsWith('.log'));
    expect(names.filter((name) => name !== 'notes.log')).toHaveLength(3);
    expect(names).toContain('notes.log');
  });

  it('an argv command runs without a shell: arguments stay as they are; a timeout still ends its whole group', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-argv-'));
    const literal = await runCommand(['node', '-e', 'console.log(process.argv[1])', '$(touch pwned); echo hi'], { cwd: dir, timeoutMs: 10_000 });
    expect(literal).toMatchObject({ ok: true, outputTail: '$(touch pwned); echo hi' });
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);

    const started = Date.now();
    const evidence = { paths: projectPaths((await makeProject()).dir), label: 'argv' };
    const hung = await runCommand(['sh', '-c', 'sleep 30 & echo $! > child; wait'], { cwd: dir, timeoutMs: 500, graceMs: 100, evidence });
    expect(hung.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    const child = Number(await fs.readFile(path.join(dir, 'child'), 'utf8'));
    await sleep(100);
    expect(alive(child)).toBe(false);
    expect(await fs.readFile(hung.evidence!, 'utf8')).toMatch(/^\$ sh -c 'sleep 30 & echo \$! > child; wait'\n/);
  });

  it('when baton is interrupted during a health check, the check and its children go too', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'sleep 60 & echo $! >> pids; echo $$ >> pids; wait', timeout_seconds: { health_check: 60 } });
    const child = execa(process.execPath, [CLI, 'entry'], { cwd: project.dir, env: { XDG_CONFIG_HOME: TEST_CONFIG_HOME }, reject: false });
    await waitFor(async () => existsSync(project.file('pids')) && (await pidsIn(project.file('pids'))).length === 2);
    const pids = await pidsIn(project.file('pids'));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
    await sleep(100);
    expect(pids.filter(alive)).toEqual([]);
    // The interrupted entry left the dirty marker; the next one recovers and says so.
    const next = await baton(['entry', '--force', '--json'], { cwd: project.dir });
    expect(next.json().recovered).toMatchObject({ reason: 'interrupted' });
  });
});

describe('trust before running commands', () => {
  it('an untrusted config runs nothing and says what to run; trust runs it; an edit needs trust again', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { health_check: 'touch health-ran' });
    const untrusted = await baton(['entry', '--json'], { cwd: project.dir });
    expect(untrusted.json()).toMatchObject({ health_status: 'UNKNOWN', trust: { trusted: false } });
    expect(untrusted.json().trust.message).toContain('run `baton trust`');
    expect(existsSync(project.file('health-ran'))).toBe(false);
    expect((await baton(['entry'], { cwd: project.dir })).stdout).toContain('is not trusted; its commands (health_check) do not run');

    const trusted = await baton(['trust'], { cwd: project.dir });
    expect(trusted.stdout).toContain('health_check: touch health-ran');
    expect((await baton(['entry', '--json'], { cwd: project.dir })).json().health_status).toBe('HEALTHY');
    expect(existsSync(project.file('health-ran'))).toBe(true);
    await fs.rm(project.file('health-ran'));

    await project.write('.claude/config/project.json', { health_check: 'touch health-ran && touch evil' });
    const changed = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    expect(changed.trust.message).toContain('changed since it was trusted');
    expect(existsSync(project.file('evil'))).toBe(false);

    const once = await baton(['entry', '--json'], { cwd: project.dir, env: { BATON_TRUST: '1' } });
    expect(once.json().health_status).toBe('HEALTHY');
    expect(existsSync(project.file('evil'))).toBe(true);
  });
});

describe('the dev environment (init_script) and required_env', () => {
  it('starts init_script before the health check, knows it still runs next time, and `baton env stop` ends it', async () => {
    const project = await makeProject();
    await configure(project, {
      init_script: `node -e "require('fs').writeFileSync('up', ''); setInterval(() => {}, 1000)"`,
      health_check: 'test -f up',
      timeout_seconds: { health_check: 10 },
    });
    const first = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    expect(first.health_status).toBe('HEALTHY');
    const status = (await baton(['env', 'status', '--json'], { cwd: project.dir })).json();
    expect(status.running).toBe(true);
    const pgid = status.record.pgid;
    await baton(['entry', '--json'], { cwd: project.dir });
    expect((await baton(['env', 'status', '--json'], { cwd: project.dir })).json().record.pgid).toBe(pgid);

    const stopped = await baton(['env', 'stop'], { cwd: project.dir });
    expect(stopped.stdout).toMatch(new RegExp(`^stopped .*process group ${pgid}`));
    expect(alive(pgid)).toBe(false);
    expect((await baton(['env', 'status', '--json'], { cwd: project.dir })).json().running).toBe(false);
  });

  it('reports each required variable that is not set, by name only', async () => {
    const project = await makeProject();
    await configure(project, { required_env: ['BATON_TEST_PRESENT', 'BATON_TEST_MISSING'] });
    const report = await baton(['entry'], { cwd: project.dir, env: { BATON_TEST_PRESENT: 'secret-value' } });
    expect(report.stdout).toContain('Environment: FAILED (not set: BATON_TEST_MISSING)');
    expect(report.stdout).not.toContain('secret-value');
  });
});

async function inImplement(project: Project, config: object, ...ids: string[]) {
  await configure(project, config);
  await project.write('.claude/progress/feature-list.json', features(...ids.map((id) => [id, 'pending'] as [string, string])));
  await project.commit('features');
  expect((await baton(['entry', '--json'], { cwd: project.dir })).json().next_state).toBe('IMPLEMENT');
}

describe('TEST runs the tests', () => {
  it('passing tests mark the feature tested and commit it once, with the feature in the message', async () => {
    const project = await makeProject();
    await inImplement(project, { smoke_test: 'test -f src/a.js', test_command: 'grep -q done src/a.js' }, 'a', 'b');
    await project.write('src/a.js', '// done\n');
    const sent = await baton(['send', 'FEATURE_IMPLEMENTED', '--data', '{"featureId":"a"}', '--json'], { cwd: project.dir });
    expect(sent.json()).toMatchObject({ from: 'IMPLEMENT', to: 'IMPLEMENT', test_run: { outcome: 'passed', reason: 'smoke_test and test_command passed' }, commit: { status: 'committed' } });
    expect((await project.readJson('.claude/progress/feature-list.json')).features[0].status).toBe('tested');
    const message = await project.git('log', '-1', '--format=%B');
    expect(message).toContain('feat(a): feature a');
    expect(message).toContain(`${FEATURE_TRAILER}: a`);
  });

  it('failing tests go back to IMPLEMENT with the reason and the evidence', async () => {
    const project = await makeProject();
    await inImplement(project, { test_command: 'echo "expected 2, got 3"; exit 1' }, 'a');
    const sent = (await baton(['send', 'FEATURE_IMPLEMENTED', '--data', '{"featureId":"a"}', '--json'], { cwd: project.dir })).json();
    expect(sent).toMatchObject({ to: 'IMPLEMENT', test_run: { outcome: 'failed', step: 'test_command', exitCode: 1 } });
    expect(await fs.readFile(sent.test_run.evidence, 'utf8')).toContain('expected 2, got 3');
    const status = (await baton(['status', '--json'], { cwd: project.dir })).json();
    expect(status.last_failure).toEqual({ featureId: 'a', reason: 'test_command failed with exit code 1' });
    expect((await project.readJson('.claude/progress/feature-list.json')).features[0]).toMatchObject({ status: 'in_progress', retries: 1 });
  });

  it('a test run that times out is killed and the feature blocked', async () => {
    const project = await makeProject();
    await inImplement(project, { test_command: 'sleep 60 & sleep 60', timeout_seconds: { full_test: 1 } }, 'a');
    const started = Date.now();
    const sent = (await baton(['send', 'FEATURE_IMPLEMENTED', '--data', '{"featureId":"a"}', '--json'], { cwd: project.dir })).json();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sent).toMatchObject({ to: 'IMPLEMENT', test_run: { outcome: 'timed_out' } });
    expect((await project.readJson('.claude/progress/feature-list.json')).features[0].status).toBe('blocked');
  });

  it('with no test command the agent reports, and `baton test` runs them later', async () => {
    const project = await makeProject();
    await inImplement(project, {}, 'a');
    const sent = (await baton(['send', 'FEATURE_IMPLEMENTED', '--data', '{"featureId":"a"}', '--json'], { cwd: project.dir })).json();
    expect(sent).toMatchObject({ to: 'TEST', test_run: { outcome: 'not_configured' } });
    await configure(project, { test_command: 'true' });
    const tested = (await baton(['test', '--json'], { cwd: project.dir })).json();
    expect(tested).toMatchObject({ from: 'TEST', to: 'COMPLETE', test_run: { outcome: 'passed' } });
  });
});

describe('git', () => {
  it('reports each odd state as a warning, never a crash', async () => {
    const notRepo = await makeProject({ git: false });
    expect(await readGitContext(notRepo.dir)).toMatchObject({ isRepo: false, commits: [] });

    const empty = await makeProject({ git: false });
    await empty.git('init', '-q');
    const noCommits = await readGitContext(empty.dir);
    expect(noCommits).toMatchObject({ isRepo: true, head: null });
    expect(noCommits.warnings).toContain('the repository has no commits yet');

    const project = await makeProject();
    await project.commit('second', { 'a.txt': 'a\n' });
    await project.git('checkout', '-q', '--detach', 'HEAD~1');
    expect((await readGitContext(project.dir)).warnings).toContain('HEAD is detached (no branch checked out)');

    await project.git('checkout', '-q', 'main');
    await fs.writeFile(project.file('.git/index.lock'), '');
    expect((await readGitContext(project.dir)).warnings.join('\n')).toContain('index.lock exists');
    await fs.rm(project.file('.git/index.lock'));

    await project.git('checkout', '-q', '-b', 'other', 'HEAD~1');
    await project.commit('conflicting', { 'a.txt': 'b\n' });
    await project.git('merge', 'main').catch(() => undefined);
    const merging = await readGitContext(project.dir);
    expect(merging.operation).toBe('merge');
    expect(merging.warnings.join('\n')).toContain('a git merge is in progress');
    expect((await commitFeature(project.dir, featureCommit('x', ''))).status).toBe('failed');
    await project.git('merge', '--abort');

    await project.git('rebase', 'main').catch(() => undefined);
    expect((await readGitContext(project.dir)).operation).toBe('rebase');
  });

  it('a feature commit re-invoked after a crash does not commit twice; a held index.lock is waited out', async () => {
    const project = await makeProject();
    await project.write('src/feature.js', 'export {}\n');
    await fs.writeFile(project.file('.git/index.lock'), '');
    setTimeout(() => void fs.rm(project.file('.git/index.lock')), 250);
    const first = await commitFeature(project.dir, featureCommit('login', 'User can log in'));
    expect(first.status).toBe('committed');
    const again = await commitFeature(project.dir, featureCommit('login', 'User can log in'));
    expect(again).toMatchObject({ status: 'skipped', detail: 'already committed', sha: first.sha });
    expect((await project.git('rev-list', '--count', 'HEAD')).trim()).toBe('2');
  });

  it('agent text never reaches git as an option', async () => {
    const project = await makeProject();
    await project.write('x.txt', 'x\n');
    const hostile = '--output=/tmp/baton-pwned';
    const result = await commitFeature(project.dir, featureCommit(hostile, '--amend'));
    expect(result.status).toBe('committed');
    expect(existsSync('/tmp/baton-pwned')).toBe(false);
    expect(await project.git('log', '-1', '--format=%s')).toBe('feat(--output=/tmp/baton-pwned): --amend');
    expect((await project.git('rev-list', '--count', 'HEAD')).trim()).toBe('2');
  });
});

describe('broken state handling', () => {
  it('shows what changed since health last passed and the three ways out; rollback asks, refuses a dirty tree, and resets', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'test ! -f broken' });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    await project.commit('healthy');
    const healthyHead = (await project.git('rev-parse', 'HEAD')).trim();
    expect((await baton(['entry', '--json'], { cwd: project.dir })).json().health_status).toBe('HEALTHY');

    await project.commit('break it', { broken: 'yes\n' });
    const report = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    expect(report.next_state).toBe('FIX_BROKEN');
    expect(report.broken.last_healthy_commit).toBe(healthyHead);
    expect(report.broken.diff_stat).toContain('broken');
    expect(report.broken.ways_out).toHaveLength(3);

    const ask = await baton(['rollback'], { cwd: project.dir });
    expect(ask.stdout).toContain('run again with --yes');
    await project.write('scratch.txt', 'unsaved work\n');
    const dirty = await baton(['rollback', '--yes'], { cwd: project.dir });
    expect(dirty.exitCode).toBe(3);
    expect(dirty.stderr).toContain('uncommitted changes');
    const done = await baton(['rollback', '--yes', '--stash'], { cwd: project.dir });
    expect(done.exitCode, done.stderr).toBe(0);
    expect((await project.git('rev-parse', 'HEAD')).trim()).toBe(healthyHead);
    expect(existsSync(project.file('broken'))).toBe(false);
    expect(await project.git('stash', 'list')).toContain('baton rollback');
    expect(await project.read('scratch.txt').catch(() => null)).toBeNull();
    // The session's record was not rewound with the code.
    expect((await project.readJson('.claude/progress/state.json')).state).toBe('FIX_BROKEN');
    expect((await baton(['send', 'HEALTH_FIXED', '--json'], { cwd: project.dir })).json()).toMatchObject({ to: 'IMPLEMENT', health_status: 'HEALTHY' });
  });

  it('--force skips the health check once and the log records it', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'touch ran; exit 1' });
    const forced = (await baton(['entry', '--force', '--json'], { cwd: project.dir })).json();
    expect(forced.health_status).toBe('UNKNOWN');
    expect(forced.health.source).toBe('skipped');
    expect(existsSync(project.file('ran'))).toBe(false);
    const history = (await baton(['history', '--json'], { cwd: project.dir })).json();
    expect(history.entries.at(-1).event).toMatchObject({ type: 'SESSION_ENTRY', skipHealthCheck: true });
    expect((await baton(['entry', '--json'], { cwd: project.dir })).json().next_state).toBe('FIX_BROKEN');
  });
});
