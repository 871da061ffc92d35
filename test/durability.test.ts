/**
 * Durability, proven with the real CLI (the built dist/, see helpers.CLI) run as separate
 * processes; none of baton's code is mocked. What a user would notice is asserted:
 *   1. SIGKILL at random points of `baton send` never leaves an unreadable state.json, a
 *      revision that goes backwards, or an acknowledged (exit 0) event missing from
 *      events.jsonl / state.json; only actor-running events may leave `dirty`.
 *   2. 4 processes sending at once lose no update: revisions 1..N, no gaps or repeats.
 *   3. A lock whose holder (baton's own acquireLock, bundled from services/storage/lock.ts) was
 *      SIGKILLed heals at once (no stale timeout).
 *   4. Injected I/O errors (ENOSPC on write, EIO on fsync, EACCES/EIO on rename) fail the
 *      command with a message naming the step, leave state.json byte-identical, and the
 *      next send succeeds (test/fixtures/inject-fault.mjs, loaded with `node --import`).
 *   5. Bad files (state.json corpus, feature-list.json, project.json, a torn events.jsonl
 *      line) are refused with file + problem named and never overwritten; `baton entry`
 *      recovers by moving the bad file aside and restoring the backup.
 *   6. An interrupted (dirty) session and a garbage state.json are recovered.
 *   7. `baton replay` rebuilds the committed snapshot, at the head and at revision 2.
 * The figures (kills, corruptions, events lost, stale-lock wait) are printed with console.log;
 * BATON_KILL_SEED=<seed> repeats a kill run. Needs a built dist/ (`npm run build`).
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLog, type LogEntry } from '../services/lifecycle/event-log.js';
import { projectPaths } from '../services/project/paths.js';
import { CLI, REPO_ROOT, baton, makeProject, type Project } from './helpers.js';

const FAULT_PRELOAD = pathToFileURL(path.join(REPO_ROOT, 'test', 'fixtures', 'inject-fault.mjs')).href;
const PROGRESS = '.claude/progress';
const STATE = `${PROGRESS}/state.json`;
const FEATURES = `${PROGRESS}/feature-list.json`;
const EVENTS = `${PROGRESS}/events.jsonl`;
const FEATURE_IDS = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];

/** Keeps the CLI away from the user's ~/.config (as helpers.baton does). */
let configHome = '';
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  configHome = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-durability-config-'));
});
afterAll(() => fs.rm(configHome, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------
// Helpers

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  pid: number;
  /** SIGKILL was delivered while the process was still running. */
  killed: boolean;
}

/** Runs the CLI as a child process; optionally SIGKILLs it after `killAfterMs`. */
function runCli(args: string[], cwd: string, options: { killAfterMs?: number; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: configHome, BATON_TRUST: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer =
      options.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
          }, options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, pid: child.pid ?? -1, killed: killed && signal === 'SIGKILL' });
    });
  });
}

const send = (type: string, data?: object) => ['send', type, ...(data ? ['--data', JSON.stringify(data)] : []), '--json'];

function featureList(statuses: Record<string, string> = {}) {
  return { features: FEATURE_IDS.map((id) => ({ id, description: `feature ${id}`, status: statuses[id] ?? 'pending' })) };
}

/** A git project with 6 pending features, after `baton entry` (IMPLEMENT, revision 1). */
async function sessionProject(): Promise<Project> {
  const project = await makeProject();
  await project.write(FEATURES, featureList());
  const entry = await baton(['entry', '--json'], { cwd: project.dir });
  expect(entry.exitCode, entry.stderr).toBe(0);
  expect(entry.json().next_state).toBe('IMPLEMENT');
  return project;
}

async function sendOk(project: Project, type: string, data?: object): Promise<any> {
  const result = await baton(send(type, data), { cwd: project.dir });
  expect(result.exitCode, `${type}: ${result.stderr}`).toBe(0);
  return result.json();
}

/**
 * state.json as a user reads it. Validation is the CLI's job (`baton status --json` exit 0):
 * the test never parses with the source tree, which may be ahead of dist/ while someone edits.
 */
interface StateJson {
  state: string;
  revision: number;
  dirty: boolean;
  pending: { action: string; started_at: string; pid: number } | null;
  snapshot: { value: unknown; context: Record<string, unknown> };
}

interface StatusView {
  state: string;
  revision: number;
  dirty: boolean;
  pending: { action: string; pid: number } | null;
  current_feature: string | null;
  accepted_events: string[];
}

interface FeatureOnDisk {
  id: string;
  status: string;
  retries?: number;
}

const parseState = (text: string) => JSON.parse(text) as StateJson;
const readState = async (project: Project) => parseState(await project.read(STATE));
const readBytes = (project: Project, relative: string) => fs.readFile(project.file(relative));
const progressFiles = async (project: Project) => fs.readdir(project.file(PROGRESS));

/** The pid of a process that has exited (its pid is free). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

/** A tiny seeded PRNG (mulberry32), so a failing kill run can be repeated with BATON_KILL_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------
// 1. The kill run: sends SIGKILLed at random points, and after each one everything a user could read checked.

/** What one kill run saw; the cases below each judge a part of it. */
interface KillRun {
  project: Project;
  seed: number;
  random: () => number;
  iterations: number;
  /** Sends that exited 0, so must survive every kill after them. */
  acknowledged: { revision: number; type: string; featureId?: string }[];
  /** Which changes ran invoked actors, learned from the log (entries with `results`). */
  ranActors: Map<string, boolean>;
  lastRevision: number;
  /** What was wrong after a kill, one line per check. */
  corruptions: string[];
  /** Sends that were not killed but did not exit 0. */
  unexpected: string[];
  /** Each session left dirty by a kill mid-actor: what a send, then `baton recover`, made of it. */
  recoveries: { label: string; sendExit: number | null; recoverExit: number | null; recoverStderr: string; reason: string | null; dirtyAfter: boolean | undefined }[];
  /** The send after the loop, never killed. */
  finalSend: { code: number | null; stderr: string } | null;
  /** What is left in .claude/progress after the final send. */
  leftovers: string[];
  staleAsides: string[];
  counts: { kills: number; completed: number; completedDespiteKill: number; killsInsideLock: number; tempFilesLeft: number; dirtyLeft: number; uncommittedShown: number; featureListAhead: number; replayChecks: number };
  dirtyBy: Set<string>;
  durations: number[];
}

const changeKey = (type: string, from: string) => `${type} in ${from}`;

/** Everything a user could read after a kill; returns what `baton status` says, or null if it cannot. */
async function checkAfterKill(run: KillRun, label: string, killed: { type: string; from: string; pid: number } | null, withReplay: boolean): Promise<StatusView | null> {
  const { project } = run;
  const problems: string[] = [];
  const status = await runCli(['status', '--json'], project.dir);
  const view = status.code === 0 ? (JSON.parse(status.stdout) as StatusView) : null;
  if (!view) problems.push(`baton status exited ${status.code}: ${status.stderr.trim()}`);
  let raw: StateJson | null = null;
  try {
    raw = parseState(await project.read(STATE));
  } catch (error) {
    problems.push(`state.json is not JSON: ${(error as Error).message}`);
  }
  if (view && raw) {
    if (raw.revision !== view.revision) problems.push(`state.json revision ${raw.revision} but status says ${view.revision}`);
    if (view.revision < run.lastRevision) problems.push(`revision went back from ${run.lastRevision} to ${view.revision}`);
    run.lastRevision = Math.max(run.lastRevision, view.revision);
    if (view.dirty) {
      // Only a change that runs an actor has a dirty phase, and only the killed process may have left it.
      const byKilled = killed !== null && view.pending?.pid === killed.pid && Boolean(view.pending?.action);
      if (!byKilled) problems.push(`state.json is dirty (${JSON.stringify(view.pending)}) but no process was killed while running an actor`);
      else if (run.ranActors.get(changeKey(killed.type, killed.from)) === false) {
        problems.push(`state.json left dirty (${view.pending?.action}) by ${changeKey(killed.type, killed.from)}, a change that runs no actor`);
      }
    }

    const log = await readLog(projectPaths(project.dir));
    const badProblems = log.problems.filter((problem) => !problem.includes('torn last line'));
    if (badProblems.length) problems.push(`events.jsonl: ${badProblems.join('; ')}`);
    const committed = log.entries.filter((entry) => entry.revision <= view.revision);
    const uncommitted = log.entries.filter((entry) => entry.revision > view.revision);
    if (uncommitted.length) run.counts.uncommittedShown += 1;
    const revisions = committed.map((entry) => entry.revision);
    if (revisions.join(',') !== Array.from({ length: view.revision }, (_, i) => i + 1).join(',')) {
      problems.push(`committed log revisions are [${revisions.join(',')}], expected 1..${view.revision}`);
    }
    if (uncommitted.length > 1 || (uncommitted[0] && uncommitted[0].revision !== view.revision + 1)) {
      problems.push(`uncommitted log lines: ${uncommitted.map((entry) => entry.revision).join(',')}`);
    }
    for (const entry of committed) {
      if (!entry.event.type.startsWith('baton.') && entry.event.type !== 'SESSION_ENTRY') {
        const key = changeKey(entry.event.type, entry.from);
        run.ranActors.set(key, run.ranActors.get(key) === true || Boolean(entry.results?.length));
      }
    }
    for (const ack of run.acknowledged) {
      const entry = log.entries.find((candidate) => candidate.revision === ack.revision);
      if (!entry || entry.event.type !== ack.type || entry.event.featureId !== ack.featureId) problems.push(`acknowledged ${ack.type} at revision ${ack.revision} is not in events.jsonl`);
      if (view.revision < ack.revision) problems.push(`acknowledged revision ${ack.revision} is above state.json's ${view.revision}`);
    }
    if (withReplay) {
      // The committed log alone rebuilds the committed snapshot (replay never runs actors).
      run.counts.replayChecks += 1;
      const replayed = await runCli(['replay', '--to', String(view.revision), '--json'], project.dir);
      if (replayed.code !== 0) problems.push(`baton replay --to ${view.revision} exited ${replayed.code}: ${replayed.stderr.trim()}`);
      else if (!isDeepStrictEqual(JSON.parse(replayed.stdout).snapshot, raw.snapshot)) problems.push(`replay --to ${view.revision} differs from state.json's snapshot`);
    }
  }
  // The other files baton replaces atomically must be whole too.
  for (const file of ['state.json.bak', 'checkpoint.json', 'feature-list.json']) {
    const text = await fs.readFile(project.file(`${PROGRESS}/${file}`), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      const value = JSON.parse(text);
      const whole =
        file === 'feature-list.json'
          ? Array.isArray(value.features) && value.features.length === FEATURE_IDS.length
          : Number.isInteger(value.revision) && value.revision <= run.lastRevision;
      if (!whole) problems.push(`${file} is not a whole ${file}`);
    } catch (error) {
      problems.push(`${file} is not JSON: ${(error as Error).message}`);
    }
  }
  if (problems.length) run.corruptions.push(`${label}: ${problems.join(' | ')}`);
  return view;
}

/** An event the session accepts now, without running an actor where possible. */
function chooseEvent(random: () => number, view: StatusView, disk: FeatureOnDisk[]): { type: string; data?: { featureId?: string; reason?: string } } {
  const roll = random();
  const accepts = (type: string) => view.accepted_events.includes(type);
  const open = disk.filter((feature) => feature.status !== 'tested' && feature.status !== 'completed');
  if (view.state === 'IMPLEMENT' && open.length > 0) {
    const feature = open[Math.floor(random() * open.length)]!;
    if (roll < 0.45 && accepts('FEATURE_STARTED')) return { type: 'FEATURE_STARTED', data: { featureId: feature.id } };
    if (roll < 0.92 && accepts('FEATURE_IMPLEMENTED')) return { type: 'FEATURE_IMPLEMENTED', data: { featureId: feature.id } };
  }
  if (view.state === 'TEST') {
    const underTest = disk.find((feature) => feature.id === view.current_feature)?.status === 'implemented';
    if (underTest && roll < 0.9 && accepts('TESTS_FAILED')) return { type: 'TESTS_FAILED', data: { featureId: view.current_feature!, reason: 'kill test' } };
  }
  if (view.state === 'FIX_BROKEN' && accepts('HEALTH_FIXED')) return { type: 'HEALTH_FIXED' };
  if (view.state !== 'FIX_BROKEN' && accepts('HEALTH_BROKEN')) return { type: 'HEALTH_BROKEN', data: { reason: 'kill test' } };
  throw new Error(`kill test reached ${view.state} (accepts ${view.accepted_events.join(', ')}), which it does not drive`);
}

/**
 * `iterations` sends, every 4th run to the end (the session keeps moving, and acknowledged sends
 * must survive the kills after them), the others SIGKILLed at 0-150 ms; a check after each, and
 * one last send that is not killed.
 */
async function killRun(iterations: number): Promise<KillRun> {
  const project = await sessionProject();
  const seed = Number(process.env.BATON_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const run: KillRun = {
    project,
    seed,
    random: prng(seed),
    iterations,
    acknowledged: [],
    ranActors: new Map(),
    lastRevision: (await readState(project)).revision,
    corruptions: [],
    unexpected: [],
    recoveries: [],
    finalSend: null,
    leftovers: [],
    staleAsides: [],
    counts: { kills: 0, completed: 0, completedDespiteKill: 0, killsInsideLock: 0, tempFilesLeft: 0, dirtyLeft: 0, uncommittedShown: 0, featureListAhead: 0, replayChecks: 0 },
    dirtyBy: new Set(),
    durations: [],
  };
  const unkilled = (i: number) => i % 4 === 3;
  const readDisk = async () => (await project.readJson<{ features: FeatureOnDisk[] }>(FEATURES)).features;

  let view = await checkAfterKill(run, 'after entry', null, true);
  for (let i = 0; i < iterations && view !== null; i += 1) {
    const disk = await readDisk();
    // A figure for the report only: how often the file's open count differed from the session's tally.
    const tally = (await readState(project)).snapshot.context.featureTally as { counts: { open: number } } | null;
    if (disk.filter((feature) => feature.status !== 'tested' && feature.status !== 'completed').length !== tally?.counts.open) run.counts.featureListAhead += 1;

    const event = chooseEvent(run.random, view, disk);
    const delay = run.random() * 150;
    const sent = await runCli(send(event.type, event.data), project.dir, unkilled(i) ? {} : { killAfterMs: delay });
    if (sent.killed) {
      run.counts.kills += 1;
      const files = await progressFiles(project);
      if (files.includes('.lock')) run.counts.killsInsideLock += 1;
      run.counts.tempFilesLeft += files.filter((name) => name.endsWith('.tmp')).length;
    } else if (sent.code === 0) {
      run.counts.completed += 1;
      if (!unkilled(i)) run.counts.completedDespiteKill += 1;
      run.durations.push(sent.ms);
      const out = JSON.parse(sent.stdout) as { revision: number };
      run.acknowledged.push({ revision: out.revision, type: event.type, ...(event.data?.featureId ? { featureId: event.data.featureId } : {}) });
    } else {
      run.unexpected.push(`iteration ${i}: ${event.type} exited ${sent.code} (${sent.signal}): ${sent.stderr.trim()}`);
    }

    const label = `after iteration ${i} (${event.type} in ${view.state}, ${sent.killed ? `killed at ${delay.toFixed(0)} ms` : `exit ${sent.code}`})`;
    const from = view.state;
    view = await checkAfterKill(run, label, sent.killed ? { type: event.type, from, pid: sent.pid } : null, i % 10 === 9);
    if (view?.dirty) {
      // Only an actor-running change has a dirty phase; a send refuses it, `baton recover` repairs it.
      run.counts.dirtyLeft += 1;
      run.dirtyBy.add(`${event.type} in ${from} (${view.pending?.action})`);
      const refused = await runCli(send('HEALTH_BROKEN'), project.dir);
      const recovered = await runCli(['recover', '--json'], project.dir);
      const reason = recovered.code === 0 ? ((JSON.parse(recovered.stdout) as { recovered: { reason: string } }).recovered.reason ?? null) : null;
      view = await checkAfterKill(run, `after recover ${i}`, null, true);
      run.recoveries.push({ label, sendExit: refused.code, recoverExit: recovered.code, recoverStderr: recovered.stderr, reason, dirtyAfter: view?.dirty });
    }
  }
  if (view === null) return run; // status could not read the session: the corruptions say why

  // One last command that is not killed cleans up what the killed ones left behind.
  const lastEvent = chooseEvent(run.random, view, await readDisk());
  const finalRun = await runCli(send(lastEvent.type, lastEvent.data), project.dir);
  run.finalSend = { code: finalRun.code, stderr: finalRun.stderr };
  await checkAfterKill(run, 'after the final send', null, true);
  const files = await progressFiles(project);
  run.leftovers = files.filter((name) => name.endsWith('.tmp') || name === '.lock');
  // A process killed while breaking a stale lock leaves its `.lock.stale.<pid>` (gitignored, never read again).
  run.staleAsides = files.filter((name) => name.startsWith('.lock.stale.'));
  return run;
}

function reportKillRun(run: KillRun): void {
  const { counts } = run;
  const median = [...run.durations].sort((a, b) => a - b)[Math.floor(run.durations.length / 2)] ?? 0;
  console.log(
    `[kill test] seed ${run.seed}: ${run.iterations} sends, ${run.iterations - run.iterations / 4} with a SIGKILL at 0-150 ms: ${counts.kills} kills delivered ` +
      `(${counts.killsInsideLock} while holding the lock, ${counts.tempFilesLeft} temp files left behind), ${counts.completedDespiteKill} finished before their kill; ` +
      `${counts.completed} acknowledged (exit 0, median ${median.toFixed(0)} ms), ` +
      `${counts.dirtyLeft} left dirty mid-actor (${[...run.dirtyBy].join(', ') || 'none'}; recovered), ${counts.uncommittedShown} times events.jsonl held an uncommitted line, ` +
      `${counts.featureListAhead} times feature-list.json differed from state.json, ${counts.replayChecks} replay checks, ` +
      `${run.staleAsides.length} .lock.stale.<pid> files left, ${run.corruptions.length} corruptions, final revision ${run.lastRevision}`,
  );
}

// ---------------------------------------------------------------------------------------

describe('durability with the real CLI as separate processes', () => {
  describe('1. SIGKILL at random points of `baton send` never corrupts or loses acknowledged state', () => {
    let run: KillRun;
    beforeAll(async () => {
      run = await killRun(100);
      reportKillRun(run);
    }, 120_000);

    it('after every kill, status reads the session, state.json and the log agree, no revision goes back, and every acknowledged send is still there', () => {
      expect(run.corruptions, run.corruptions.join('\n')).toEqual([]);
    });

    it('a send that was not killed exits 0', () => {
      expect(run.unexpected, run.unexpected.join('\n')).toEqual([]);
    });

    it('a session a kill left dirty mid-actor refuses the next send (exit 3), and `baton recover` repairs it as "interrupted"', () => {
      for (const recovery of run.recoveries) {
        expect(recovery.sendExit, `${recovery.label}: a send on an interrupted session is refused`).toBe(3);
        expect(recovery.recoverExit, `${recovery.label}: ${recovery.recoverStderr}`).toBe(0);
        expect(recovery.reason, recovery.label).toBe('interrupted');
        expect(recovery.dirtyAfter, recovery.label).toBe(false);
      }
    });

    it('one send that is not killed cleans up after the killed ones: no temp file or lock is left', () => {
      expect(run.finalSend, 'the loop ended early: status could not read the session').not.toBeNull();
      expect(run.finalSend!.code, run.finalSend!.stderr).toBe(0);
      expect(run.leftovers).toEqual([]);
    });

    it('the kills were real: at least 30 sends were SIGKILLed while running', () => {
      expect(run.counts.kills).toBeGreaterThanOrEqual(30);
    });
  });

  it('2. 4 processes x 15 sends at once: no lost update, revisions contiguous', async () => {
    const project = await sessionProject();
    const setup = (await readLog(projectPaths(project.dir))).entries.length;
    const WORKERS = 4;
    const PER_WORKER = 15;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const runs = [];
        for (let k = 0; k < PER_WORKER; k += 1) {
          const featureId = FEATURE_IDS[(worker + k) % FEATURE_IDS.length]!;
          const result = await baton(send('FEATURE_STARTED', { featureId }), { cwd: project.dir });
          runs.push({ featureId, result });
        }
        return runs;
      }),
    );
    const elapsed = performance.now() - started;
    const all = results.flat();
    const busy = all.filter(({ result }) => result.exitCode === 5);
    const failed = all.filter(({ result }) => result.exitCode !== 0 && result.exitCode !== 5);
    const acknowledged = all.filter(({ result }) => result.exitCode === 0).map(({ featureId, result }) => ({ featureId, revision: result.json().revision as number }));

    const log = await readLog(projectPaths(project.dir));
    const state = await readState(project);
    const lost = acknowledged.filter((ack) => {
      const entry = log.entries.find((candidate) => candidate.revision === ack.revision);
      return !entry || entry.event.type !== 'FEATURE_STARTED' || entry.event.featureId !== ack.featureId;
    });
    console.log(
      `[contention] ${all.length} sends from ${WORKERS} processes at once in ${(elapsed / 1000).toFixed(1)} s: ` +
        `${acknowledged.length} acknowledged, ${busy.length} exit 5 (busy), ${failed.length} other failures, ` +
        `${log.entries.length - setup} logged, ${lost.length} lost`,
    );
    expect(failed.map(({ result }) => result.stderr)).toEqual([]);
    expect(busy.length).toBe(0);
    expect(log.problems).toEqual([]);
    expect(log.entries.length - setup).toBe(WORKERS * PER_WORKER);
    expect(log.entries.map((entry) => entry.revision)).toEqual(Array.from({ length: setup + WORKERS * PER_WORKER }, (_, i) => i + 1));
    expect(new Set(acknowledged.map((ack) => ack.revision)).size).toBe(acknowledged.length);
    expect(lost).toEqual([]);
    expect(state.revision).toBe(log.entries.at(-1)!.revision);
    expect(state.dirty).toBe(false);
  }, 90_000);

  it('3. a lock whose holder was SIGKILLed does not make the next send wait', async () => {
    const project = await sessionProject();
    const lockFile = project.file(`${PROGRESS}/.lock`);
    // The holder takes the lock with baton's own acquireLock (services/storage/lock.ts, bundled as the CLI is), then hangs.
    const holderScript = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'baton-lock-holder-')), 'holder.mjs');
    await build({
      stdin: {
        contents: `import { acquireLock } from './services/storage/lock.ts'; import { projectPaths } from './services/project/paths.ts'; await acquireLock(projectPaths(process.argv[2])); process.stdout.write('locked\\n'); setInterval(() => {}, 60_000);`,
        resolveDir: REPO_ROOT,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: holderScript,
      logLevel: 'warning',
    });
    const holder = spawn(process.execPath, [holderScript, project.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('locked') && resolve());
      holder.on('close', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    const owner = JSON.parse(await fs.readFile(lockFile, 'utf8')) as { pid: number; token: string; acquired_at: string };
    expect(owner.pid).toBe(holder.pid);
    const exited = new Promise((resolve) => holder.on('close', resolve));
    holder.kill('SIGKILL');
    await exited;
    expect(existsSync(lockFile)).toBe(true); // a killed holder cannot clean up

    const before = (await readState(project)).revision;
    const run = await runCli(send('FEATURE_STARTED', { featureId: 'f1' }), project.dir);
    const baseline = await runCli(send('FEATURE_STARTED', { featureId: 'f1' }), project.dir);
    console.log(`[stale lock] send after the holder was SIGKILLed took ${run.ms.toFixed(0)} ms (an unlocked send: ${baseline.ms.toFixed(0)} ms)`);
    expect(run.code, run.stderr).toBe(0);
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(run.ms).toBeLessThan(2_000);
    expect(JSON.parse(run.stdout).revision).toBe(before + 1);
    expect((await progressFiles(project)).filter((name) => name.startsWith('.lock'))).toEqual([]);
    await fs.rm(path.dirname(holderScript), { recursive: true, force: true });
  });

  describe('4. injected I/O errors', () => {
    let project: Project;
    beforeAll(async () => {
      project = await sessionProject();
      await sendOk(project, 'FEATURE_STARTED', { featureId: 'f1' });
    });

    const cases: { fault: string; event: [string, object]; message: RegExp; file: string }[] = [
      { fault: 'write:state.json:ENOSPC', event: ['FEATURE_STARTED', { featureId: 'f1' }], file: 'state.json', message: /could not write \S*state\.json: write failed \(ENOSPC/ },
      { fault: 'sync:state.json:EIO', event: ['FEATURE_STARTED', { featureId: 'f1' }], file: 'state.json', message: /could not write \S*state\.json: fsync failed \(EIO/ },
      { fault: 'rename:state.json:EACCES', event: ['FEATURE_STARTED', { featureId: 'f1' }], file: 'state.json', message: /could not write \S*state\.json: rename failed \(EACCES/ },
      { fault: 'rename:state.json:EIO', event: ['FEATURE_STARTED', { featureId: 'f1' }], file: 'state.json', message: /could not write \S*state\.json: rename failed \(EIO/ },
      { fault: 'write:events.jsonl:ENOSPC', event: ['FEATURE_STARTED', { featureId: 'f1' }], file: 'events.jsonl', message: /could not write \S*events\.jsonl: write failed \(ENOSPC/ },
      { fault: 'sync:events.jsonl:EIO', event: ['FEATURE_STARTED', { featureId: 'f1' }], file: 'events.jsonl', message: /could not write \S*events\.jsonl: fsync failed \(EIO/ },
    ];

    for (const { fault, event, message, file } of cases) {
      it(`${fault}: exits non-zero naming the failed step, state.json unchanged, the next send succeeds`, async () => {
        const stateBefore = await readBytes(project, STATE);
        const featuresBefore = await readBytes(project, FEATURES);
        const revision = parseState(stateBefore.toString('utf8')).revision;
        const logBefore = await readLog(projectPaths(project.dir));

        const run = await runCli(send(...event), project.dir, { nodeArgs: ['--import', FAULT_PRELOAD], env: { BATON_FAULT: fault } });
        expect(run.stderr).toContain(`inject-fault:`); // the fault really fired
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(message);
        expect(run.stderr).toContain(file);
        expect((await readBytes(project, STATE)).equals(stateBefore)).toBe(true);
        expect((await readBytes(project, FEATURES)).equals(featuresBefore)).toBe(true);
        const status = await baton(['status', '--json'], { cwd: project.dir });
        expect(status.exitCode, status.stderr).toBe(0);
        expect(status.json()).toMatchObject({ revision, dirty: false });
        // Whatever the failed send appended (an uncommitted line) is above the committed revision.
        const logAfter = await readLog(projectPaths(project.dir));
        expect(logAfter.entries.filter((entry) => entry.revision <= revision)).toEqual(logBefore.entries);

        const next = await runCli(send(...event), project.dir);
        expect(next.code, next.stderr).toBe(0);
        expect(JSON.parse(next.stdout).revision).toBe(revision + 1);
        const clean = await readLog(projectPaths(project.dir));
        expect(clean.problems).toEqual([]);
        expect(clean.entries.map((entry: LogEntry) => entry.revision)).toEqual(Array.from({ length: revision + 1 }, (_, i) => i + 1));
        expect((await readState(project)).revision).toBe(revision + 1);
        const strays = (await progressFiles(project)).filter((name) => name.endsWith('.tmp'));
        expect(strays, 'temp files left after a successful send').toEqual([]);
      });
    }
  });

  it('4b. a feature-list write that fails after state.json committed: the send succeeds with a warning, the next command finishes the write', async () => {
    const project = await sessionProject();
    const revision = (await readState(project)).revision;
    const featuresBefore = await readBytes(project, FEATURES);
    // f2 is pending, so FEATURE_STARTED f2 also writes feature-list.json back: fail that write.
    const run = await runCli(send('FEATURE_STARTED', { featureId: 'f2' }), project.dir, { nodeArgs: ['--import', FAULT_PRELOAD], env: { BATON_FAULT: 'write:feature-list.json:ENOSPC' } });
    expect(run.stderr).toContain('inject-fault:');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).warnings.join('\n')).toMatch(/feature-list\.json: write failed \(ENOSPC.*the change is committed/);
    expect((await readState(project)).revision).toBe(revision + 1);
    expect((await readBytes(project, FEATURES)).equals(featuresBefore)).toBe(true);

    const next = await baton(['send', 'FEATURE_STARTED', '--data', '{"featureId":"f2"}', '--json'], { cwd: project.dir });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.json().warnings.join('\n')).toContain('finished the status update that an interrupted command had committed');
    expect(JSON.parse(await project.read(FEATURES)).features.find((f: { id: string }) => f.id === 'f2').status).toBe('in_progress');
  });

  it('4c. a state.json from a newer baton is refused, never downgraded to a backup', async () => {
    const project = await sessionProject();
    await fs.writeFile(project.file(STATE), JSON.stringify({ ...(await readState(project)), schema_version: 99 }));
    const bytes = await readBytes(project, STATE);
    for (const args of [send('FEATURE_STARTED', { featureId: 'f1' }), ['entry', '--json'], ['recover', '--json']]) {
      const run = await baton(args, { cwd: project.dir });
      expect(run.exitCode).toBe(4);
      expect(run.stderr).toMatch(/\(schema_version\).*newer baton/);
    }
    expect((await readBytes(project, STATE)).equals(bytes)).toBe(true);
    expect((await progressFiles(project)).filter((name) => name.includes('.bad-'))).toEqual([]);
  });

  describe('5. bad files are named, never overwritten, and recovered from', () => {
    const valid = async () => {
      const project = await sessionProject();
      await sendOk(project, 'FEATURE_STARTED', { featureId: 'f1' }); // revision 2: state.json.bak now holds revision 1
      return project;
    };

    const corpus: { name: string; content: (good: string) => string | Buffer; problem: RegExp }[] = [
      { name: 'empty', content: () => '', problem: /is empty/ },
      { name: 'truncated JSON', content: (good) => good.slice(0, Math.floor(good.length / 2)), problem: /truncated/ },
      { name: 'not JSON', content: () => 'state: IMPLEMENT\nrevision: 2\n', problem: /not valid JSON/ },
      { name: 'NUL bytes', content: (good) => Buffer.concat([Buffer.from(good.slice(0, 40)), Buffer.alloc(64)]), problem: /NUL bytes/ },
      { name: 'wrong types', content: (good) => JSON.stringify({ ...JSON.parse(good), revision: 'x' }), problem: /\(revision\)/ },
      {
        name: 'a state the machine does not have',
        content: (good) => {
          const value = JSON.parse(good);
          return JSON.stringify({ ...value, snapshot: { ...value.snapshot, value: 'NOPE' } });
        },
        problem: /\(snapshot\).*NOPE/,
      },
    ];

    for (const { name, content, problem } of corpus) {
      it(`state.json ${name}: send exits 4 naming it; entry moves it aside and restores the backup`, async () => {
        const project = await valid();
        const good = await project.read(STATE);
        const bad = content(good);
        await fs.writeFile(project.file(STATE), bad);
        const badBytes = await readBytes(project, STATE);

        const run = await baton(send('FEATURE_STARTED', { featureId: 'f2' }), { cwd: project.dir });
        expect(run.exitCode).toBe(4);
        expect(run.stderr).toContain('state.json');
        expect(run.stderr).toMatch(problem);
        expect((await readBytes(project, STATE)).equals(badBytes)).toBe(true);

        const entry = await baton(['entry', '--json'], { cwd: project.dir });
        expect(entry.exitCode, entry.stderr).toBe(0);
        const recovered = entry.json().recovered;
        // The log rebuilds revision 2 exactly; the backup only has revision 1.
        expect(recovered).toMatchObject({ reason: 'unreadable', restoredFrom: `${PROGRESS}/events.jsonl (replayed)`, restoredRevision: 2 });
        expect(recovered.restoredState).toBe('IMPLEMENT');
        expect((await baton(['status', '--json'], { cwd: project.dir })).json().current_feature).toBe('f1');
        expect(recovered.detail).toMatch(problem);
        expect(recovered.movedAside).toMatch(/state\.json\.bad-/);
        expect((await readBytes(project, recovered.movedAside)).equals(badBytes)).toBe(true);
        const state = await readState(project);
        expect(state.revision).toBeGreaterThan(2);
        const log = await readLog(projectPaths(project.dir));
        expect(log.entries.some((e) => e.event.type === 'baton.recovered' && e.event.reason === 'unreadable')).toBe(true);
        expect((await baton(send('FEATURE_STARTED', { featureId: 'f2' }), { cwd: project.dir })).exitCode).toBe(0);
      });
    }

    it('state.json unreadable and no event log: the backup is restored', async () => {
      const project = await valid();
      await fs.rm(project.file(EVENTS));
      await fs.writeFile(project.file(STATE), '{"truncated": ');
      const entry = await baton(['entry', '--json'], { cwd: project.dir });
      expect(entry.exitCode, entry.stderr).toBe(0);
      expect(entry.json().recovered).toMatchObject({ reason: 'unreadable', restoredFrom: `${PROGRESS}/state.json.bak`, restoredRevision: 1 });
    });

    it('state.json with a BOM in front of valid content: accepted with a warning', async () => {
      const project = await valid();
      await fs.writeFile(project.file(STATE), `\uFEFF${await project.read(STATE)}`);
      const sent = await baton(send('FEATURE_STARTED', { featureId: 'f2' }), { cwd: project.dir });
      expect(sent.exitCode, sent.stderr).toBe(0);
      expect(sent.json()).toMatchObject({ revision: 3 });
      expect(sent.json().warnings.join('\n')).toMatch(/state\.json: starts with a byte order mark/);
      await fs.writeFile(project.file(STATE), `\uFEFF${await project.read(STATE)}`);
      const entry = await baton(['entry', '--json'], { cwd: project.dir });
      expect(entry.exitCode, entry.stderr).toBe(0);
      expect(entry.json().recovered).toBeNull();
      expect(entry.json().revision).toBe(4);
      expect((await progressFiles(project)).filter((name) => name.includes('.bad-'))).toEqual([]);
    });

    it('feature-list.json with a bad status: exit 4 naming features[1].status, file unchanged', async () => {
      const project = await valid();
      const list = featureList({ f1: 'in_progress' });
      list.features[1]!.status = 'done';
      await project.write(FEATURES, list);
      const before = await readBytes(project, FEATURES);
      const stateBefore = await readBytes(project, STATE);
      for (const args of [send('FEATURE_STARTED', { featureId: 'f1' }), ['entry', '--json']]) {
        const run = await baton(args, { cwd: project.dir });
        expect(run.exitCode, `${args[0]}: ${run.stderr}`).toBe(4);
        expect(run.stderr).toContain('feature-list.json (features[1].status)');
        expect(run.stderr).toMatch(/status must be one of/);
      }
      expect((await readBytes(project, FEATURES)).equals(before)).toBe(true);
      expect((await readBytes(project, STATE)).equals(stateBefore)).toBe(true);
    });

    it('project.json with a wrong type: exit 4 naming the field, file unchanged', async () => {
      const project = await valid();
      await project.write('.claude/config/project.json', { health_check: 'true', timeout_seconds: { health_check: 'fast' } });
      const before = await readBytes(project, '.claude/config/project.json');
      const stateBefore = await readBytes(project, STATE);
      for (const args of [send('FEATURE_STARTED', { featureId: 'f1' }), ['entry', '--json']]) {
        const run = await baton(args, { cwd: project.dir });
        expect(run.exitCode, `${args[0]}: ${run.stderr}`).toBe(4);
        expect(run.stderr).toContain('project.json (timeout_seconds.health_check)');
      }
      expect((await readBytes(project, '.claude/config/project.json')).equals(before)).toBe(true);
      expect((await readBytes(project, STATE)).equals(stateBefore)).toBe(true);
    });

    it('events.jsonl with a torn last line: history lists the good entries, the next send cleans the log', async () => {
      const project = await valid();
      const good = await project.read(EVENTS);
      const fragment = '{"revision":3,"at":"2026-01-01T00:00:00.000Z","event":{"type":"FEATURE_STA';
      await fs.appendFile(project.file(EVENTS), fragment);

      const history = await baton(['history', '--json'], { cwd: project.dir });
      expect(history.exitCode, history.stderr).toBe(0);
      expect(history.json().entries.map((entry: LogEntry) => entry.revision)).toEqual([1, 2]);
      expect(history.json().problems.join('\n')).toMatch(/line 3: torn last line/);

      const sent = await sendOk(project, 'FEATURE_STARTED', { featureId: 'f2' });
      expect(sent.revision).toBe(3);
      const log = await readLog(projectPaths(project.dir));
      expect(log.problems).toEqual([]);
      expect(log.entries.map((entry) => entry.revision)).toEqual([1, 2, 3]);
      expect((await project.read(EVENTS)).startsWith(good)).toBe(true);
      expect(await project.read(`${EVENTS}.uncommitted`)).toContain(fragment);
    });
  });

  describe('6. recovery', () => {
    it('(a) dirty with a dead pid: send refuses (exit 3); entry recovers as "interrupted" and logs it', async () => {
      const project = await sessionProject();
      await sendOk(project, 'FEATURE_STARTED', { featureId: 'f1' });
      const state = await readState(project);
      const pid = await deadPid();
      await project.write(STATE, { ...state, dirty: true, pending: { action: 'healthCheck', started_at: new Date().toISOString(), pid } });

      const run = await baton(send('FEATURE_STARTED', { featureId: 'f2' }), { cwd: project.dir });
      expect(run.exitCode).toBe(3);
      expect(run.stderr).toMatch(/interrupted during healthCheck/);
      expect(run.stderr).toMatch(/baton entry.*baton recover/);

      const entry = await baton(['entry', '--json'], { cwd: project.dir });
      expect(entry.exitCode, entry.stderr).toBe(0);
      expect(entry.json().recovered).toMatchObject({ reason: 'interrupted', restoredRevision: 2 });
      const after = await readState(project);
      expect(after.dirty).toBe(false);
      expect(after.pending).toBeNull();
      const log = await readLog(projectPaths(project.dir));
      expect(log.entries.find((e) => e.event.type === 'baton.recovered')).toMatchObject({ revision: 3, event: { reason: 'interrupted', interrupted: 'healthCheck' } });
      expect(log.entries.map((e) => e.revision)).toEqual([1, 2, 3, 4]);
    });

    it('(b) garbage state.json: `baton recover` restores the lost revision from the event log, newer than the backup', async () => {
      const project = await sessionProject(); // checkpoint.json: revision 1 (written when the state changes)
      await sendOk(project, 'FEATURE_STARTED', { featureId: 'f1' });
      await sendOk(project, 'FEATURE_STARTED', { featureId: 'f2' }); // revision 3; state.json.bak is revision 2, the newest good copy
      const backup = parseState(await project.read(`${STATE}.bak`));
      expect(backup.revision).toBe(2);
      const lost = await readState(project);
      await fs.writeFile(project.file(STATE), 'garbage \x00\x01 not a state');

      const run = await baton(['recover', '--json'], { cwd: project.dir });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.json().recovered).toMatchObject({ reason: 'unreadable', restoredFrom: `${PROGRESS}/events.jsonl (replayed)`, restoredRevision: 3, restoredState: 'IMPLEMENT' });
      const state = await readState(project);
      expect(state.snapshot).toEqual(lost.snapshot);
      expect((state.snapshot.context as { currentFeatureId: string }).currentFeatureId).toBe('f2');
      expect(state.revision).toBe(4);
      expect(await project.read(run.json().recovered.movedAside)).toBe('garbage \x00\x01 not a state');
      const status = await baton(['status', '--json'], { cwd: project.dir });
      expect(status.exitCode, status.stderr).toBe(0);
    });
  });

  it('7. replay rebuilds the committed snapshot at the head and at revision 2', async () => {
    const project = await sessionProject();
    await sendOk(project, 'FEATURE_STARTED', { featureId: 'f1' });
    const atTwo = await readState(project);
    expect(atTwo.revision).toBe(2);
    await sendOk(project, 'FEATURE_IMPLEMENTED', { featureId: 'f1' });
    await sendOk(project, 'TESTS_FAILED', { featureId: 'f1', reason: 'one test failed' });
    await sendOk(project, 'FEATURE_IMPLEMENTED', { featureId: 'f1' });
    await sendOk(project, 'HEALTH_BROKEN', { reason: 'server down' });
    await sendOk(project, 'HEALTH_FIXED'); // runs the health check: its result is in the log
    await sendOk(project, 'TESTS_PASSED', { featureId: 'f1' });
    const head = await readState(project);
    expect(head.revision).toBe(8);

    const full = await baton(['replay', '--json'], { cwd: project.dir });
    expect(full.exitCode, full.stderr).toBe(0);
    expect(full.json().revision).toBe(8);
    expect(full.json().snapshot).toEqual(head.snapshot);

    const two = await baton(['replay', '--to', '2', '--json'], { cwd: project.dir });
    expect(two.exitCode, two.stderr).toBe(0);
    expect(two.json()).toMatchObject({ revision: 2, state: 'IMPLEMENT', current_feature: 'f1' });
    expect(two.json().snapshot).toEqual(atTwo.snapshot);
  });
});
