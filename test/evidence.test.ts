/**
 * Decisions need evidence, as a user or agent meets them through the built CLI: leaving
 * FIX_BROKEN takes a health check that passed (or a forced, logged way out), a pass is a
 * commit to roll back to, and the gate stays shut while project.json is broken,
 * untrusted or edited.
 */
import type { PreToolUseHookInput } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import { baton, configure, features, makeProject, type Project } from './helpers.js';

async function entryJson(project: Project) {
  const result = await baton(['entry', '--json'], { cwd: project.dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json();
}

function send(project: Project, type: string, data?: object, json = true) {
  return baton(['send', type, ...(data ? ['--data', JSON.stringify(data)] : []), ...(json ? ['--json'] : [])], { cwd: project.dir });
}

function write(project: Project, file: string) {
  const input: PreToolUseHookInput = {
    session_id: 's',
    transcript_path: project.file('t.jsonl'),
    cwd: project.dir,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: 'Write',
    tool_input: { file_path: project.file(file), content: 'x' },
    tool_use_id: 't',
  };
  return baton(['hook', 'PreToolUse'], { cwd: project.dir, input: JSON.stringify(input) });
}

describe('HEALTH_FIXED needs a check that passed', () => {
  it('UNKNOWN (config no longer trusted) is refused with what to do, exit 7; entry stays in FIX_BROKEN; force leaves, logged', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'test -f healthy' });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    expect((await entryJson(project)).next_state).toBe('FIX_BROKEN');
    // The fix is real, but the edited config is no longer trusted: nothing can show it.
    await project.write('healthy', '');
    await project.write('.claude/config/project.json', { health_check: 'test -f healthy', timeout_seconds: { health_check: 9 } });

    const refused = await send(project, 'HEALTH_FIXED');
    expect(refused.exitCode, refused.stderr).toBe(7);
    expect(refused.json()).toMatchObject({ accepted: true, from: 'FIX_BROKEN', to: 'FIX_BROKEN', health_status: 'UNKNOWN' });
    expect(refused.json().not_fixed.why).toContain('the health check did not run');
    expect(refused.json().not_fixed.todo).toContain('`baton trust`');
    const human = await send(project, 'HEALTH_FIXED', undefined, false);
    expect(human.exitCode).toBe(7);
    expect(human.stdout).toContain('not fixed: the health check did not run: .claude/config/project.json changed since it was trusted');
    expect(human.stdout).toContain(`baton send HEALTH_FIXED --data '{"force": true, "reason"`);

    const entry = await entryJson(project);
    expect(entry).toMatchObject({ next_state: 'FIX_BROKEN', health_status: 'UNKNOWN' });
    expect(entry.reason).toContain('the breakage is not resolved: the health check did not run');
    expect(entry.broken.ways_out[1]).toContain('`baton trust`');
    // Health says UNKNOWN, but the session is still FIX_BROKEN: the gate still guards.
    const gated = await write(project, 'src/app.js');
    expect(gated.exitCode).toBe(2);
    expect(gated.stderr).toContain('the session is in FIX_BROKEN and no health check has passed since');

    const forced = await send(project, 'HEALTH_FIXED', { force: true, reason: 'checked the app by hand' });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.json()).toMatchObject({ to: 'IMPLEMENT', health_status: 'UNKNOWN' });
    expect(forced.json().health_detail).toContain('checked the app by hand');
    const history = await baton(['history'], { cwd: project.dir });
    // The entry as one line again: history wraps at 80 columns.
    expect(history.stdout.replace(/\s+/g, ' ')).toContain('HEALTH_FIXED {"force":true,"reason":"checked the app by hand"} FIX_BROKEN -> IMPLEMENT');
    expect((await write(project, 'src/app.js')).exitCode).toBe(0);
  });

  it('with no check to run, HEALTH_FIXED says to configure one (exit 7)', async () => {
    const project = await makeProject();
    await project.git('rm', '-q', 'index.js');
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    expect((await entryJson(project)).health_status).toBe('UNKNOWN');
    expect((await send(project, 'HEALTH_BROKEN', { reason: 'the page is blank' })).json().to).toBe('FIX_BROKEN');
    const refused = await send(project, 'HEALTH_FIXED', undefined, false);
    expect(refused.exitCode).toBe(7);
    expect(refused.stdout).toContain('not fixed: there is no health check to run: no entry file to check');
    expect(refused.stdout).toContain('configure health_check');
  });

  it('force must be true; the payload is checked before anything runs', async () => {
    const project = await makeProject();
    await entryJson(project);
    const bad = await send(project, 'HEALTH_FIXED', { force: 'yes' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('HEALTH_FIXED --data force: force must be true');
  });
});

describe('the built-in check, end to end', () => {
  it('a syntax error in the main file sends entry to FIX_BROKEN; fixed, HEALTH_FIXED passes', async () => {
    const project = await makeProject();
    await project.write('package.json', { name: 'app', main: 'server.js' });
    await project.write('server.js', 'module.exports = {\n');
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    const entry = await entryJson(project);
    expect(entry).toMatchObject({ next_state: 'FIX_BROKEN', health_status: 'BROKEN', reason: 'health check failed: Node syntax check failed: syntax error in server.js' });
    expect(entry.health.outputTail).toContain('SyntaxError');
    await project.write('server.js', 'module.exports = {};\n');
    const fixed = await send(project, 'HEALTH_FIXED');
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.json()).toMatchObject({ to: 'IMPLEMENT', health_status: 'HEALTHY', health_detail: 'Node syntax check passed: server.js' });
  });

  it('a repository mid-rebase with conflict markers is BROKEN, naming the files', async () => {
    const project = await makeProject();
    await project.commit('base', { 'src/a.js': 'a\nb\nc\n' });
    await project.git('checkout', '-q', '-b', 'topic');
    await project.commit('topic', { 'src/a.js': 'a\nTOPIC\nc\n' });
    await project.git('checkout', '-q', 'main');
    await project.commit('main', { 'src/a.js': 'a\nMAIN\nc\n' });
    await project.git('checkout', '-q', 'topic');
    await project.git('rebase', 'main').catch(() => undefined);
    const entry = await entryJson(project);
    expect(entry).toMatchObject({ next_state: 'FIX_BROKEN', health_status: 'BROKEN', health: { source: 'git' } });
    expect(entry.health.detail).toContain('an unfinished git rebase left conflicts (unmerged: src/a.js; conflict markers in src/a.js)');
  });
});

describe('a passing HEALTH_FIXED is a healthy commit', () => {
  it('break, fix with a commit, HEALTH_FIXED passes, break again: rollback goes back to the fix, not before it', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'test ! -f broken' });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    await project.commit('healthy');
    expect((await entryJson(project)).health_status).toBe('HEALTHY');
    await project.commit('break it', { broken: 'yes\n' });
    expect((await entryJson(project)).next_state).toBe('FIX_BROKEN');

    await project.git('rm', '-q', 'broken');
    await project.commit('fix it');
    const fixHead = (await project.git('rev-parse', 'HEAD')).trim();
    expect((await send(project, 'HEALTH_FIXED')).json()).toMatchObject({ to: 'IMPLEMENT', health_status: 'HEALTHY' });

    await project.commit('break it again', { broken: 'again\n' });
    const again = await entryJson(project);
    expect(again.broken.last_healthy_commit).toBe(fixHead);
    const rolled = await baton(['rollback', '--yes'], { cwd: project.dir });
    expect(rolled.exitCode, rolled.stderr).toBe(0);
    expect((await project.git('rev-parse', 'HEAD')).trim()).toBe(fixHead);
    expect(await project.git('log', '-1', '--format=%s')).toBe('fix it');
  });
});

describe('the gate while BROKEN does not follow a project.json that stopped being good', () => {
  async function brokenWith(config: object, trust: boolean): Promise<Project> {
    const project = await makeProject();
    if (trust) await configure(project, config);
    else await project.write('.claude/config/project.json', config);
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    await entryJson(project);
    expect((await send(project, 'HEALTH_BROKEN', { reason: 'the server crashes' })).json().to).toBe('FIX_BROKEN');
    expect((await project.readJson('.claude/progress/state.json')).protected_paths).toEqual(['app/**']);
    expect((await write(project, 'app/x.js')).exitCode).toBe(2);
    return project;
  }

  it('unreadable: the last good configuration still protects, and the message says why', async () => {
    const project = await brokenWith({ protected_paths: ['app/**'] }, false);
    await project.write('.claude/config/project.json', '{"protected_paths": [');
    const refused = await write(project, 'app/x.js');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('.claude/config/project.json (end of file) is truncated');
    expect(refused.stderr).toContain('the gate protects the paths of the last good configuration, recorded in state.json');
    expect((await write(project, 'notes/x.md')).exitCode).toBe(0);
  });

  it('untrusted: an edited config (protected_paths emptied) does not open the gate', async () => {
    const project = await brokenWith({ health_check: 'true', protected_paths: ['app/**'] }, true);
    await project.write('.claude/config/project.json', { health_check: 'true', protected_paths: [] });
    const refused = await write(project, 'app/x.js');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('changed since it was trusted');
    // A command that writes state.json meanwhile keeps the record.
    expect((await send(project, 'HEALTH_BROKEN', { reason: 'still' })).exitCode).toBe(0);
    expect((await write(project, 'app/x.js')).exitCode).toBe(2);
  });

  it('protected_paths removed (a good config again): the recorded globs still count, and keep counting', async () => {
    const project = await brokenWith({ protected_paths: ['app/**'] }, false);
    await project.write('.claude/config/project.json', {});
    expect((await write(project, 'app/x.js')).exitCode).toBe(2);
    expect((await write(project, 'src/x.js')).exitCode).toBe(2); // the default list now applies as well
    expect((await send(project, 'HEALTH_BROKEN', { reason: 'still' })).exitCode).toBe(0);
    expect((await project.readJson('.claude/progress/state.json')).protected_paths).toEqual(['app/**', 'src/**']);
    expect((await write(project, 'app/x.js')).exitCode).toBe(2);
  });

  it('with no recorded configuration (an older state.json) and a bad config, it fails closed: everything is protected', async () => {
    const project = await brokenWith({ protected_paths: ['app/**'] }, false);
    const state = await project.readJson('.claude/progress/state.json');
    delete state.protected_paths;
    await project.write('.claude/progress/state.json', state);
    await project.write('.claude/config/project.json', 'not json');
    const refused = await write(project, 'README.md');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('protected by "**"');
    expect(refused.stderr).toContain('so the gate protects every path in the project. To unblock: fix .claude/config/project.json');
    expect(refused.stderr).toContain('`baton trust`');
    // Outside the project is not the gate's business.
    expect((await write(project, '../elsewhere.txt')).exitCode).toBe(0);
  });

  it('healthy again, the record follows the config as it is', async () => {
    const project = await brokenWith({ protected_paths: ['app/**'] }, false);
    await project.write('.claude/config/project.json', { protected_paths: ['lib/**'] });
    await entryJson(project); // the check passes: back to work
    expect((await project.readJson('.claude/progress/state.json')).protected_paths).toEqual(['lib/**']);
  });
});
