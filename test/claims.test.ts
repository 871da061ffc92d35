/**
 * Many agents on one repository: each worktree runs its own session, and a feature one of
 * them starts is claimed for it, atomically, across processes and worktrees. Real worktrees
 * of a real repository, real baton processes, a real SIGKILL.
 */
import { execa } from 'execa';
import fse from 'fs-extra';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baton, CLI, configure, makeProject, REPO_ROOT, TEST_CLAUDE_HOME, TEST_CONFIG_HOME, waitFor, type Project } from './helpers.js';

const AGENT = path.join(REPO_ROOT, 'test', 'fixtures', 'claim-agent.mjs');
const ENV = { NO_COLOR: '1', XDG_CONFIG_HOME: TEST_CONFIG_HOME, CLAUDE_CONFIG_DIR: TEST_CLAUDE_HOME, BATON_TRUST: '', CLAUDE_PROJECT_DIR: '' };

/** A repository whose committed feature list has `ids`, and `count` worktrees of it, each with its session entered and in IMPLEMENT. */
async function repositoryWithWorktrees(ids: string[], count: number, config: object = {}): Promise<{ project: Project; worktrees: string[] }> {
  const project = await makeProject();
  await configure(project, { test_command: 'true', commit_after_feature: false, ...config });
  await project.write('.claude/progress/feature-list.json', { features: ids.map((id) => ({ id, description: `feature ${id}`, status: 'pending' })) });
  await project.commit('the plan');
  const worktrees = [project.dir];
  for (let n = 1; n < count; n += 1) {
    const dir = `${project.dir}-wt${n}`;
    await project.git('worktree', 'add', '-q', '-b', `agent-${n}`, dir);
    worktrees.push(await fse.realpath(dir));
  }
  for (const dir of worktrees) {
    expect((await baton(['trust'], { cwd: dir })).exitCode).toBe(0);
    const entry = await baton(['entry', '--json'], { cwd: dir });
    expect(entry.exitCode, entry.stderr).toBe(0);
    expect(entry.json().next_state).toBe('IMPLEMENT');
  }
  return { project, worktrees };
}

interface Step {
  worktree: string;
  at: number;
  step: 'holds' | 'finishing' | 'done' | 'not-done' | 'refused';
  id: string;
  why?: string;
}

describe('claims across worktrees', () => {
  it('4 worktrees, an agent each, 25 attempts each at random moments: no feature held by two at once, every feature done once', async () => {
    const ids = Array.from({ length: 24 }, (_, index) => `f${index + 1}`);
    const { project, worktrees } = await repositoryWithWorktrees(ids, 4);
    const runs = await Promise.all(worktrees.map((dir) => execa(process.execPath, [AGENT, CLI, dir, '25', ...ids], { env: ENV, reject: false, timeout: 170_000 })));
    for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
    const steps: Step[] = runs.flatMap((run) => run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Step));

    expect(steps.filter((step) => step.step === 'not-done'), 'every feature an agent held it could finish').toEqual([]);
    // Each feature was taken once, by one worktree, and finished by it: a second start, anywhere, was refused.
    const holds = steps.filter((step) => step.step === 'holds');
    const holders = new Map<string, string[]>();
    for (const hold of holds) holders.set(hold.id, [...(holders.get(hold.id) ?? []), hold.worktree]);
    for (const [id, who] of holders) expect(who, `${id} was taken by`).toHaveLength(1);
    expect([...holders.keys()].sort()).toEqual([...ids].sort());
    // What each agent saw as its holding time never overlaps another's on the same feature.
    for (const id of ids) {
      const spans = steps.filter((step) => step.id === id && (step.step === 'holds' || step.step === 'done'));
      expect(spans.map((step) => step.step)).toEqual(['holds', 'done']);
    }
    const refusals = steps.filter((step) => step.step === 'refused');
    // Refused: taken by another worktree (held, or finished there), or finished by this one already.
    for (const refusal of refusals) expect(refusal.why).toMatch(/is taken: the checkout .+ (holds it until|finished it at)|is tested, not open work/);
    expect(refusals.filter((refusal) => refusal.why?.includes('holds it until')).length, 'the agents met over a feature one of them held').toBeGreaterThan(0);

    // Every worktree's list has what it finished as tested, and nothing another one finished.
    const testedIn = await Promise.all(worktrees.map(async (dir) => ((await fse.readJson(path.join(dir, '.claude/progress/feature-list.json'))) as { features: { id: string; status: string }[] }).features.filter((feature) => feature.status === 'tested').map((feature) => feature.id)));
    expect(testedIn.flat().sort()).toEqual([...ids].sort());
    for (const [index, dir] of worktrees.entries()) expect(testedIn[index]!.sort()).toEqual(holds.filter((hold) => hold.worktree === dir).map((hold) => hold.id).sort());

    // Nothing is left to take: every worktree says so, and status names who finished what.
    const next = await baton(['features', 'next', '--json'], { cwd: worktrees[1]! });
    expect(next.json().next).toBeNull();
    const status = (await baton(['status', '--json'], { cwd: worktrees[2]! })).json();
    expect(status.claims.shared_by_worktrees).toBe(true);
    expect(status.claims.board).toBe(path.join(await fse.realpath(path.join(project.dir, '.git')), 'baton', 'claims'));
    expect(status.claims.other_sessions.map((claim: { feature: string }) => claim.feature).sort()).toEqual(ids.filter((id) => !testedIn[2]!.includes(id)).sort());
    expect(status.claims.held_here.map((claim: { feature: string }) => claim.feature).sort()).toEqual([...testedIn[2]!].sort());
    expect([...status.claims.other_sessions, ...status.claims.held_here].every((claim: { done_at: string | null }) => claim.done_at !== null)).toBe(true);
  }, 180_000);

  it('a refused start names the holder and until when; the holder goes on; `features release` frees it by hand', async () => {
    const { worktrees } = await repositoryWithWorktrees(['login', 'signup'], 2);
    const [a, b] = worktrees as [string, string];
    expect((await baton(['features', 'start', 'login'], { cwd: a })).exitCode).toBe(0);
    const refused = await baton(['features', 'start', 'login'], { cwd: b });
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`feature login is taken: the checkout ${a} \\(session [0-9a-f-]+\\) holds it until 20\\d\\d-\\d\\d-\\d\\dT[\\d:.]+Z`));
    expect(refused.stderr).toContain('baton features release login');
    // Refused means nothing changed in b: still no current feature, login still pending there.
    const statusB = (await baton(['status', '--json'], { cwd: b })).json();
    expect(statusB.current_feature).toBeNull();
    expect(statusB.next_feature).toBe('signup');
    expect(statusB.claims.other_sessions).toEqual([expect.objectContaining({ feature: 'login', holder: a, done_at: null })]);
    expect((await baton(['status'], { cwd: b })).stdout).toMatch(/other session: login held by \.\.\/\S+ \(session\s+[0-9a-f-]+\) until /);
    expect((await baton(['features', 'next', '--json'], { cwd: b })).json()).toMatchObject({ next: { id: 'signup' }, taken: [{ id: 'login', holder: a }] });
    // The holder itself may start it again (a new session in the same checkout resumes its work).
    expect((await baton(['features', 'start', 'login'], { cwd: a })).exitCode).toBe(0);

    const released = await baton(['features', 'release', 'login'], { cwd: b });
    expect(released.exitCode).toBe(0);
    expect(released.stdout).toContain(`released login: the checkout ${a}`);
    expect((await baton(['features', 'start', 'login'], { cwd: b })).exitCode).toBe(0);
    // a's next session finds it lost the feature and says so, instead of taking it back.
    const aEntry = (await baton(['entry', '--json'], { cwd: a })).json();
    expect(aEntry.warnings.join('\n')).toMatch(new RegExp(`feature login: .*the checkout ${b} \\(session [0-9a-f-]+\\) holds it until`));
    expect(aEntry.next_feature.id).toBe('signup');
    expect((await baton(['features', 'release', 'nothing-here'], { cwd: b })).stdout.trim()).toBe('nothing-here was not claimed');
  }, 60_000);

  it('an agent SIGKILLed while holding a claim: its feature is free after the lease and not before; while it lived, its hooks kept the claim', async () => {
    const lease = 3;
    const { worktrees } = await repositoryWithWorktrees(['login'], 2, { lease_seconds: lease });
    const [a, b] = worktrees as [string, string];
    expect((await baton(['features', 'start', 'login'], { cwd: a })).exitCode).toBe(0);
    // The agent in a: a PostToolUse hook after each tool call, every 300 ms, as Claude Code runs them.
    const hookInput = JSON.stringify({ session_id: 's-a', transcript_path: '/dev/null', cwd: a, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: {}, tool_use_id: 't' });
    const agent = execa('bash', ['-c', `while true; do printf '%s' '${hookInput}' | "${process.execPath}" "${CLI}" hook PostToolUse >/dev/null; sleep 0.3; done`], { cwd: a, env: ENV, reject: false, detached: true });
    const claimFile = path.join(a, '.git', 'baton', 'claims', 'login.json');
    const startedAt = Date.now();
    // Past twice the lease, the claim is still a's: the hooks renewed it.
    while (Date.now() - startedAt < lease * 2 * 1000 + 500) {
      const attempt = await baton(['features', 'start', 'login'], { cwd: b });
      expect(attempt.exitCode, 'refused while the agent lives').toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(Date.parse((await fse.readJson(claimFile)).renewed_at)).toBeGreaterThan(startedAt);

    process.kill(-agent.pid!, 'SIGKILL');
    await agent;
    await new Promise((resolve) => setTimeout(resolve, 200)); // a hook process the kill did not reach finishes
    const expiresAt = Date.parse((await fse.readJson(claimFile)).renewed_at) + lease * 1000;
    let freedAt = 0;
    let takeover = '';
    let refusedAfterKill = 0;
    await waitFor(async () => {
      const attempt = await baton(['features', 'start', 'login'], { cwd: b });
      if (attempt.exitCode === 0) [freedAt, takeover] = [Date.now(), attempt.stderr];
      else refusedAfterKill += 1;
      return attempt.exitCode === 0;
    }, lease * 1000 + 10_000);
    expect(refusedAfterKill, 'refused at least once between the kill and the end of the lease').toBeGreaterThan(0);
    expect(freedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(freedAt - expiresAt).toBeLessThan(2_000);
    expect((await fse.readJson(claimFile)).holder).toBe(b);
    expect(takeover, 'the taker is told whose lease ran out').toContain(`feature login: took it over from the checkout ${a}, whose lease ran out at ${new Date(expiresAt).toISOString()}`);
  }, 60_000);

  it('a link where the board belongs: the session still starts and says so; starting a feature is refused and nothing is written through the link', async () => {
    const { project } = await repositoryWithWorktrees(['login'], 1);
    const outside = await fse.mkdtemp(path.join(path.dirname(project.dir), 'baton-outside-'));
    await fse.symlink(outside, path.join(project.dir, '.git', 'baton'));
    const entry = await baton(['entry', '--json'], { cwd: project.dir });
    expect(entry.exitCode, entry.stderr).toBe(0);
    expect(entry.json().warnings.join('\n')).toMatch(/the claims were not read or updated: .*\.git\/baton: is a symbolic link/);
    const status = await baton(['status'], { cwd: project.dir });
    expect(status.exitCode).toBe(0);
    expect(status.stderr).toMatch(/the claims were not read or updated/);
    const start = await baton(['features', 'start', 'login'], { cwd: project.dir });
    expect(start.exitCode).toBe(4);
    expect(start.stderr).toMatch(/\.git\/baton: is a symbolic link .*remove it/s);
    expect(await fse.readdir(outside)).toEqual([]);
    expect((await baton(['status', '--json'], { cwd: project.dir })).json().current_feature).toBeNull();
  }, 60_000);
});
