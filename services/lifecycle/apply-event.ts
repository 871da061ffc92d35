/**
 * The session service: restores the statechart from state.json, sends one event, lets the
 * invoked actors run, and persists the result as one revision.
 *
 * Durability rules:
 * - every read-modify-write of the progress directory holds the lock, never across a
 *   child process: when an event starts actors, state.json is marked `dirty` with what is
 *   running, the lock is released, the actors run, and the result is committed only if
 *   the revision is still the one the change started from (compare-and-swap);
 * - the event log line is appended before state.json is replaced; state.json commits.
 */
import { createActor, waitFor, type Actor, type InspectionEvent, type SnapshotFrom } from 'xstate';
import type { SessionEvent, UserEvent } from '../../machines/events.js';
import type { FeatureProgress } from '../../machines/features.js';
import { eachActor, promiseActors, type ActorWorks, type WorldActors } from '../../machines/actors.js';
import type { HealthReport } from '../../machines/observations.js';
import { explainRefusal, stateLabel } from '../../machines/refusals.js';
import { MACHINE_VERSION, sessionMachine, type SessionMachine, type TopState } from '../../machines/session.js';
import type { ResolvedConfig } from '../project/config.js';
import { BadFileError, BatonError, BusyError, EXIT, RefusedEventError, describeError } from '../errors.js';
import { appendEntry, readLog, trimToCommitted, type LogEntry, type LoggedEvent } from './event-log.js';
import { loadFeatureList, readFeatureListFile, serializeFeatureList, toProgress, withProgress, type FeatureList } from '../features/feature-list.js';
import { changesBetween, listKey, saveListCopy, type FeatureListChange } from '../features/feature-list-history.js';
import { FeatureSync, type FeaturesSynced } from '../features/feature-sync.js';
import { checkpointIsDue, saveCheckpointIfDue, writeCheckpointFile } from './checkpoint.js';
import { describeProblem, type FileProblem } from '../storage/json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { findSources, highestRevision, keepBadSourcesAside, type Sources } from './recovery.js';
import { removeStrayTempFiles } from '../storage/cleanup.js';
import { acquireLock, type HeldLock } from '../storage/lock.js';
import { inspectOwn } from '../storage/own-path.js';
import { readOwnText, type TextRead } from '../storage/read.js';
import { moveOwnAside, ownFileStats, writeOwnFile } from '../storage/write.js';
import { sha256 } from '../utils/hash.js';
import { processIsAlive, processStart } from '../utils/pid.js';
import { globsToRecord, type ConfigGlobs } from '../gate/protected-paths.js';
import { STATE_SCHEMA_VERSION } from '../storage/schema-versions.js';
import {
  HISTORY_LIMIT,
  readStateFile,
  serializeState,
  snapshotForState,
  topStateOf,
  type FeatureListWrite,
  type PersistedSnapshot,
  type StateFile,
} from './state-file.js';

/** What the state's own upkeep needs (loading, recovery, checkpoints): no actor runs. */
export type ProjectRuntime = Pick<Runtime, 'paths' | 'config' | 'now'>;

/** What the session service runs with: the project, its config, the world's actors (actors/; tests may provide others), the clock. */
export interface Runtime {
  paths: ProjectPaths;
  config: ResolvedConfig;
  actors: WorldActors;
  now: () => Date;
  /** Observer for every actor event (the Stately inspector, traces). */
  inspect?: (event: InspectionEvent) => void;
  /** project.json's protected globs now, recorded in state.json when the file is good; absent: keep the record. */
  protectedGlobs?: ConfigGlobs;
}

export interface Recovery {
  /** interrupted: dirty mid side effect; unreadable: state.json cannot be used; missing: state.json is gone but the session's other files are not. */
  reason: 'interrupted' | 'unreadable' | 'missing';
  detail: string;
  restoredFrom: string;
  restoredState: TopState;
  restoredRevision: number;
  /** When the restored snapshot was recorded. */
  recordedAt: string;
  movedAside?: string;
}

export interface ChangeOutcome {
  before: StateFile | null;
  after: StateFile;
  entry: LogEntry;
  snapshot: SnapshotFrom<SessionMachine>;
  /** The feature list as the change left it (null: there is none). */
  features: FeatureList | null;
  recovery: Recovery | null;
  warnings: string[];
}

function healthOf(snapshot: PersistedSnapshot): StateFile['health_status'] {
  return ((snapshot.context as { health?: HealthReport | null }).health?.status ?? 'UNKNOWN') as StateFile['health_status'];
}

function stateFileFor(snapshot: PersistedSnapshot, revision: number, at: string, previous: StateFile | null, configGlobs?: ConfigGlobs): StateFile {
  const state = topStateOf(snapshot.value);
  const health = healthOf(snapshot);
  const protectedPaths = globsToRecord(configGlobs, previous?.protected_paths, health === 'BROKEN' || state === 'FIX_BROKEN');
  return {
    ...(previous ?? {}),
    ...(protectedPaths ? { protected_paths: protectedPaths } : {}),
    state,
    entered_at: previous && previous.state === state ? previous.entered_at : at,
    health_status: health,
    history: previous?.history ?? [],
    dirty: false,
    schema_version: STATE_SCHEMA_VERSION,
    machine_version: MACHINE_VERSION,
    revision,
    updated_at: at,
    pending: null,
    snapshot,
  };
}

async function writeState(paths: ProjectPaths, state: StateFile): Promise<void> {
  await writeOwnFile(paths, paths.state, serializeState(state), { backup: paths.stateBackup });
}

function lastLoggedRevision(paths: ProjectPaths): number {
  return readLog(paths).entries.reduce((max, entry) => Math.max(max, entry.revision), 0);
}

/** Commits a change that replaces the snapshot without a machine event (upgrade, recovery). */
async function commitReset(paths: ProjectPaths, state: StateFile, event: LoggedEvent, note: string, at: string): Promise<StateFile> {
  await trimToCommitted(paths, state.revision - 1);
  await appendEntry(paths, { revision: state.revision, at, event, from: state.state, to: state.state, reset: state.snapshot, note });
  await writeState(paths, state);
  return state;
}

type Mode = 'entry' | 'send' | 'recover';

interface Base {
  state: StateFile | null;
  recovery: Recovery | null;
  warnings: string[];
}

/**
 * The state a change starts from, under the lock. Upgrades old formats; for entry and
 * recover it also repairs an interrupted, unreadable or missing state, recording what it did.
 */
async function loadBase(runtime: ProjectRuntime, mode: Mode): Promise<Base> {
  const { paths } = runtime;
  const now = runtime.now();
  if (mode !== 'send') await keepBadSourcesAside(paths, now);
  const read = readStateFile(paths, now);
  switch (read.kind) {
    case 'ok': {
      const upgraded = await upgrade(runtime, read.state, read.migratedFrom);
      return settle(runtime, mode, upgraded.state, [...read.warnings, ...upgraded.warnings]);
    }
    case 'missing':
      return restoreMissing(runtime, mode);
    case 'invalid':
      return restoreUnreadable(runtime, mode, read.problem, read.entry ?? false);
  }
}

/** A state.json in an older format, rewritten in the current one (logged as baton.migrated). */
async function upgrade(runtime: ProjectRuntime, state: StateFile, migratedFrom: string | undefined): Promise<{ state: StateFile; warnings: string[] }> {
  if (!migratedFrom) return { state, warnings: [] };
  const { paths } = runtime;
  const upgraded = { ...state, revision: lastLoggedRevision(paths) + 1 };
  await commitReset(paths, upgraded, { type: 'baton.migrated', from: migratedFrom }, `upgraded state.json from ${migratedFrom}`, runtime.now().toISOString());
  return { state: upgraded, warnings: [`${displayPath(paths, paths.state)}: upgraded from ${migratedFrom}; state ${state.state} kept`] };
}

/** A readable state: used as it is, unless a side effect was interrupted (dirty), which entry and recover repair. */
async function settle(runtime: ProjectRuntime, mode: Mode, state: StateFile, warnings: string[]): Promise<Base> {
  if (!state.dirty) return { state, recovery: null, warnings };
  const { paths } = runtime;
  const pending = state.pending;
  if (pending && pending.pid !== process.pid && processIsAlive(pending.pid, pending.pid_start)) {
    throw new BusyError(`another baton process (pid ${pending.pid}) is running ${pending.action} since ${pending.started_at}`, 'wait for it to finish, then run the command again');
  }
  const what = pending ? `${pending.action} (started ${pending.started_at} by pid ${pending.pid})` : 'a side effect';
  if (mode === 'send') {
    throw new BatonError(`the last session was interrupted during ${what}`, EXIT.REFUSED, 'run `baton entry` (or `baton recover`) to recover first');
  }
  const at = runtime.now().toISOString();
  const recovered: StateFile = { ...state, dirty: false, pending: null, revision: state.revision + 1, updated_at: at };
  await trimToCommitted(paths, state.revision);
  await appendEntry(paths, {
    revision: recovered.revision,
    at,
    event: { type: 'baton.recovered', reason: 'interrupted', interrupted: pending?.action ?? null },
    from: state.state,
    to: state.state,
    note: `interrupted during ${what}; kept the last settled snapshot`,
  });
  await writeState(paths, recovered);
  return {
    state: recovered,
    warnings,
    recovery: {
      reason: 'interrupted',
      detail: `the previous session was interrupted during ${what}`,
      restoredFrom: `${displayPath(paths, paths.state)} (its last settled snapshot, revision ${state.revision})`,
      restoredState: state.state,
      restoredRevision: state.revision,
      recordedAt: state.updated_at,
    },
  };
}

/**
 * No state.json. A new project starts fresh; but when the backup, checkpoint or log show an
 * earlier runtime, starting over would throw its record away: restore it instead.
 */
async function restoreMissing(runtime: ProjectRuntime, mode: Mode): Promise<Base> {
  const { paths } = runtime;
  const sources = findSources(paths, runtime.now());
  const known = highestRevision(sources);
  if (known === 0 && sources.problems.length === 0) {
    if (mode === 'send') throw new BatonError(`no session in ${paths.root} yet`, EXIT.REFUSED, 'run `baton entry` first');
    return { state: null, recovery: null, warnings: sources.log.problems };
  }
  const detail = `${displayPath(paths, paths.state)} is missing, but the session's other files go up to revision ${known}`;
  if (mode === 'send') throw new BatonError(detail, EXIT.REFUSED, 'run `baton entry` (or `baton recover`) to restore it; to start over instead, move .claude/progress aside');
  return restore(runtime, sources, { reason: 'missing', detail, logged: 'state.json was missing', fail: () => new BatonError(`${detail}, and none of them can be restored from`, EXIT.BAD_FILE, describeSourceProblems(sources)) });
}

/**
 * state.json is there but cannot be used: moved aside, and the best source restored. When
 * nothing can be restored, bad content stops here (the user may want to fix it), but an
 * entry that was never a state file (a link, a folder, a FIFO: a clone's doing) is set aside
 * and the session starts fresh.
 */
async function restoreUnreadable(runtime: ProjectRuntime, mode: Mode, problem: FileProblem, badEntry: boolean): Promise<Base> {
  const { paths } = runtime;
  if (problem.location === 'schema_version') {
    // Written by a newer baton: restoring an older backup would be a silent downgrade.
    throw new BadFileError(problem.file, problem.problem, problem.location, 'baton has not changed it');
  }
  if (mode === 'send') {
    throw new BadFileError(problem.file, problem.problem, problem.location, 'run `baton entry` or `baton recover` to restore the last good state from the backup, checkpoint or event log');
  }
  const sources = findSources(paths, runtime.now());
  const detail = describeProblem(problem);
  if (badEntry && sources.candidates.length === 0) {
    const aside = await moveOwnAside(paths, paths.state, 'bad', runtime.now());
    return { state: null, recovery: null, warnings: [`${detail}; nothing to restore from, so it was moved aside to ${displayPath(paths, aside)} and a new session starts`] };
  }
  return restore(runtime, sources, {
    reason: 'unreadable',
    detail,
    logged: detail,
    moveAside: true,
    fail: () => new BadFileError(problem.file, problem.problem, problem.location, `nothing to recover from (${describeSourceProblems(sources)}); fix the file, or move it away to start a new session (baton has not changed it)`),
  });
}

function describeSourceProblems(sources: Sources): string {
  const problems = [...sources.problems.map(describeProblem), ...sources.log.problems];
  return problems.length ? problems.join('; ') : 'no backup, checkpoint or event log';
}

/** Restores the best source as a new revision above every known one, logged with what was done. */
async function restore(
  runtime: ProjectRuntime,
  sources: Sources,
  how: { reason: 'unreadable' | 'missing'; detail: string; logged: string; moveAside?: boolean; fail: () => Error },
): Promise<Base> {
  const { paths } = runtime;
  const now = runtime.now();
  const best = sources.candidates[0];
  if (!best) throw how.fail();
  const movedAside = how.moveAside ? await moveOwnAside(paths, paths.state, 'bad', now) : undefined;
  const revision = highestRevision(sources) + 1;
  // features_key null: the list the restored revision left is not known to be the file's, so the next change copies it.
  const restored = { ...stateFileFor(best.snapshot, revision, now.toISOString(), best.previous ? { ...best.previous, dirty: false, pending: null } : null), features_key: null };
  const note = `restored from ${best.label} (revision ${best.revision})${best.note ? `; ${best.note}` : ''}`;
  await commitReset(paths, restored, { type: 'baton.recovered', reason: how.reason, problem: how.logged }, note, now.toISOString());
  const unused = sources.problems.map((problem) => `${describeProblem(problem)}; not used for recovery`);
  return {
    state: restored,
    warnings: [...unused, ...sources.log.problems, ...(best.note ? [`${displayPath(paths, paths.events)}: ${best.note}`] : [])],
    recovery: {
      reason: how.reason,
      detail: how.detail,
      restoredFrom: best.label,
      restoredState: restored.state,
      restoredRevision: best.revision,
      recordedAt: best.recordedAt,
      ...(movedAside ? { movedAside: displayPath(paths, movedAside) } : {}),
    },
  };
}

/** The text of a file that was read, null when it is missing or cannot be read. */
const textOf = (read: TextRead): string | null => (read.kind === 'ok' ? read.text : null);

/** A promise opened by hand: the actors wait on one until the change lets them run (after the lock is released). */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const isSettled = (snapshot: SnapshotFrom<SessionMachine>) => snapshot.status !== 'active' || snapshot.hasTag('settled');

function loggable(event: { type: string } & Record<string, unknown>): LoggedEvent {
  // Errors do not survive JSON: keep their message so a replay reaches the same context.
  if ('error' in event) return { ...event, error: { message: describeError(event.error) } };
  return { ...event };
}

function runningActors(snapshot: SnapshotFrom<SessionMachine>): string {
  const ids = Object.keys(snapshot.children);
  return ids.length ? ids.join(' + ') : stateLabel(snapshot);
}

/**
 * The feature list file with the change's moves written in, and the hashes of the text it
 * replaces and of the new one. state.json records both (and the moves) before the file is
 * written, so the next command can tell a write-back that a crash cut off (the file still has
 * the old text) from a hand edit (any other content). Null when the file already says it.
 */
function planFeatureWriteBack(file: { list: FeatureList; text: string } | null, left: FeatureList | null, changed: readonly FeatureProgress[]): { text: string; write: FeatureListWrite } | null {
  if (!file || !left || changed.length === 0) return null;
  const text = serializeFeatureList(left);
  return text === file.text ? null : { text, write: { before: sha256(file.text), after: sha256(text), changed: [...changed] } };
}

/**
 * Finishes a feature-list write-back that a crash cut off between state.json and the file:
 * the file still holds exactly the text the write replaced, unchanged since that revision
 * committed. A file edited back to that text later (git checkout, an undo) is the user's.
 */
async function completeFeatureWriteBack(paths: ProjectPaths, state: StateFile | null): Promise<string | null> {
  const pending = state?.feature_list_write;
  if (!pending?.changed?.length || pending.before === pending.after) return null;
  const current = textOf(readOwnText(paths, paths.features));
  if (current === null || sha256(current) !== pending.before) return null;
  const modified = ownFileStats(paths, paths.features)?.mtimeMs ?? 0;
  if (modified > Date.parse(state!.updated_at)) return null;
  const list = await loadFeatureList(paths);
  if (!list) return null;
  await writeOwnFile(paths, paths.features, serializeFeatureList(withProgress(list, pending.changed)));
  return `${displayPath(paths, paths.features)}: finished the status update that an interrupted command had committed (revision ${state!.revision})`;
}

/** An event sent before there is a session must not create `.claude/progress/` on its way to being refused. */
export function refuseWithoutSession(paths: ProjectPaths): void {
  if (inspectOwn(paths, paths.progressDir, 'dir').kind === 'missing') {
    throw new BatonError(`no session in ${paths.root} yet`, EXIT.REFUSED, 'run `baton entry` first');
  }
}

/**
 * Compare-and-swap before committing: this process still holds the lock and state.json is
 * still at the revision the change started from. Cheap (two small reads), and it stops a
 * writer whose lock was broken from overwriting a newer state.
 */
async function assertStillOwner(paths: ProjectPaths, lock: HeldLock, baseRevision: number, now: Date): Promise<void> {
  const current = await readStateFile(paths, now);
  const revision = current.kind === 'ok' ? current.state.revision : 0;
  if (!(await lock.stillHeld()) || revision !== baseRevision) {
    throw new BusyError(`state.json moved to revision ${revision} while this change was based on ${baseRevision}; nothing was written`, 'run the command again');
  }
}

/** One change under way: the lock it holds (released while actors run) and the state it started from. */
interface Change {
  runtime: Runtime;
  lock: HeldLock;
  base: Base;
  warnings: string[];
}

/** The machine running one change, and what the change will log of it. */
interface MachineRun {
  actor: Actor<SessionMachine>;
  actorsMayRun: ReturnType<typeof latch>;
  features: FeatureSync;
  /** Syncs sent before the event (the feature list as the file has it). */
  prelude: LoggedEvent[];
  /** What the actors reported and the syncs sent after the event, in order. */
  results: LoggedEvent[];
  /** The top-level states the event passed through. */
  statePath: string[];
  recording: boolean;
}

/** Sends one event and persists the outcome as one revision. */
export async function applyEvent(runtime: Runtime, event: SessionEvent, mode: Mode): Promise<ChangeOutcome> {
  if (mode === 'send') refuseWithoutSession(runtime.paths);
  const change = await openChange(runtime, mode);
  let run: MachineRun | undefined;
  try {
    run = startMachine(change, event);
    // The machine decides on what the file says, not on its tally from the last event.
    sendSync(run, run.features.syncFor(run.actor.getSnapshot().context), run.prelude);
    refuseUnlessAccepted(run, event);
    run.statePath.push(topStateOf(run.actor.getSnapshot().value));
    run.recording = true;
    run.actor.send(event);
    if (!isSettled(run.actor.getSnapshot())) await runActorsOutsideLock(change, run);
    return await commitChange(change, run, event);
  } finally {
    run?.actor.stop();
    await change.lock.release();
  }
}

/** Takes the lock and loads the state the change starts from (repairing it for entry and recover). */
async function openChange(runtime: Runtime, mode: Mode): Promise<Change> {
  const { paths } = runtime;
  const lock = await acquireLock(paths);
  try {
    await removeStrayTempFiles(paths, paths.progressDir);
    const base = await loadBase(runtime, mode);
    const warnings = [...base.warnings];
    const finished = await completeFeatureWriteBack(paths, base.state);
    if (finished) warnings.push(finished);
    return { runtime, lock, base, warnings };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * The machine restored from the base state, its actors provided and held until the lock is
 * released. After each actor, before the machine takes its result, features added or deleted
 * meanwhile reach its tally, so what it decides next (IMPLEMENT or COMPLETE) counts them.
 */
function startMachine(change: Change, event: SessionEvent): MachineRun {
  const { runtime, base } = change;
  const { paths } = runtime;
  const actorsMayRun = latch();
  // A feature list baton cannot read stops every command: deciding the state without it would be a guess.
  const features = new FeatureSync(readFeatureListFile(paths), 'featureId' in event ? event.featureId : null);
  const run: MachineRun = { actor: undefined as unknown as Actor<SessionMachine>, actorsMayRun, features, prelude: [], results: [], statePath: [], recording: false };
  /** No lock here (the file is replaced atomically); a file that cannot be read now is left to the read under the lock at commit. */
  const catchUp = () => {
    try {
      const file = readFeatureListFile(paths);
      if (run.actor.getSnapshot().status === 'active') sendSync(run, features.catchUp(file, run.actor.getSnapshot().context), run.results);
    } catch {
      // read again, under the lock, when the change commits
    }
  };
  const thenCatchUp = async <T>(work: () => Promise<T>): Promise<T> => {
    await actorsMayRun.opened;
    try {
      return await work();
    } finally {
      catchUp();
    }
  };
  const world = runtime.actors as ActorWorks;
  const works: ActorWorks = {
    ...eachActor((name) => (input, signal) => thenCatchUp(() => world[name](input as never, signal))),
    // The entry protocol's phase 2 reads the list for the machine: the tally of what the file says now.
    loadFeatures: async (input) => {
      await actorsMayRun.opened;
      return features.reread(readFeatureListFile(paths), input);
    },
  };
  const machine = sessionMachine.provide({ actors: promiseActors(works) });
  run.actor = createActor(machine, {
    ...(base.state ? { snapshot: base.state.snapshot as never } : {}),
    input: { maxRetries: runtime.config.maxRetries },
    inspect: (inspection) => {
      runtime.inspect?.(inspection);
      if (!run.recording || inspection.actorRef !== run.actor) return;
      if (inspection.type === '@xstate.snapshot') {
        const top = topStateOf((inspection.snapshot as SnapshotFrom<SessionMachine>).value);
        if (run.statePath.at(-1) !== top) run.statePath.push(top);
      }
      if (inspection.type === '@xstate.event' && /^xstate\.(done|error)\.actor\./.test(inspection.event.type)) {
        run.results.push(loggable(inspection.event as LoggedEvent));
      }
    },
  });
  run.actor.start();
  return run;
}

/** Tells the machine what the feature list says now, when its tally no longer does; logged in `into`. */
function sendSync(run: MachineRun, sync: FeaturesSynced | null, into: LoggedEvent[]): void {
  if (!sync) return;
  run.actor.send(sync);
  into.push(sync);
}

/** An event the machine would not take is refused with why, before anything is written. */
function refuseUnlessAccepted(run: MachineRun, event: SessionEvent): void {
  const snapshot = run.actor.getSnapshot();
  if (snapshot.can(event)) return;
  const refusal = explainRefusal(snapshot, event as UserEvent, run.features.someIds());
  throw new RefusedEventError(`${refusal.message} Nothing was written.`, stateLabel(snapshot), refusal.accepted);
}

/**
 * Side effects run without the lock: state.json is marked dirty with what is running, the
 * actors run, and the lock is taken again; the result counts only if nobody changed the
 * session meanwhile (compare-and-swap on the revision and the marker).
 */
async function runActorsOutsideLock(change: Change, run: MachineRun): Promise<void> {
  const { runtime, base } = change;
  const { paths } = runtime;
  const startedAt = runtime.now().toISOString();
  const marker: StateFile = {
    ...(base.state ?? stateFileFor(snapshotForState('START', 'UNKNOWN'), 0, startedAt, null)),
    dirty: true,
    pending: { action: runningActors(run.actor.getSnapshot()), started_at: startedAt, pid: process.pid, pid_start: processStart(process.pid) },
    updated_at: startedAt,
  };
  await writeState(paths, marker);
  await change.lock.release();
  run.actorsMayRun.open();
  await waitFor(run.actor, isSettled, { timeout: Infinity });
  change.lock = await acquireLock(paths);
  const latest = await readStateFile(paths, runtime.now());
  if (latest.kind !== 'ok' || latest.state.revision !== (base.state?.revision ?? 0) || latest.state.pending?.pid !== process.pid) {
    throw new BusyError(`the session changed while this baton ran ${marker.pending!.action}; its result was not recorded`, 'run the command again');
  }
}

/**
 * Under the lock: the feature list as it is now with the change's moves merged in, one log
 * line, state.json (the commit point), then the feature list and a checkpoint when due.
 */
async function commitChange(change: Change, run: MachineRun, event: SessionEvent): Promise<ChangeOutcome> {
  const { runtime, base, warnings } = change;
  const { paths } = runtime;
  if (run.actor.getSnapshot().status === 'error') throw new BatonError(`the session machine failed: ${describeError(run.actor.getSnapshot().error)}`, EXIT.INTERNAL);
  const file = readFeatureListFile(paths);
  const found = toProgress(file?.list ?? null);
  sendSync(run, run.features.catchUp(file, run.actor.getSnapshot().context), run.results);
  const result = run.features.result(run.actor.getSnapshot().context);
  const changed = changesBetween(found, result);
  const snapshot = run.actor.getSnapshot();

  const at = runtime.now().toISOString();
  const persisted = run.actor.getPersistedSnapshot() as unknown as PersistedSnapshot;
  const baseRevision = base.state?.revision ?? 0;
  const from = base.state?.state ?? 'START';
  const to = topStateOf(persisted.value);
  const revision = baseRevision + 1;
  await assertStillOwner(paths, change.lock, baseRevision, runtime.now());
  const trimmed = await trimToCommitted(paths, baseRevision);
  if (trimmed) warnings.push(trimmed);
  const foundKey = listKey(found);
  // The list is copied only when it is not the one the last revision left (an edit by hand, new features).
  const record: FeatureListChange = {
    ...(foundKey !== base.state?.features_key ? { base: await saveListCopy(paths, found) } : {}),
    ...(changed.length ? { changed } : {}),
  };
  const entry: LogEntry = {
    revision,
    at,
    event: loggable(event),
    ...(run.prelude.length ? { prelude: run.prelude } : {}),
    ...(run.results.length ? { results: run.results } : {}),
    features: record,
    from,
    to,
    ...(run.statePath.length > 2 ? { path: run.statePath } : {}),
  };
  await appendEntry(paths, entry);
  const left = file && changed.length ? withProgress(file.list, changed) : (file?.list ?? null);
  const writeBack = planFeatureWriteBack(file, left, changed);
  const history = [...(base.state?.history ?? []), { revision, at, event: event.type, from, to }].slice(-HISTORY_LIMIT);
  const after: StateFile = {
    ...stateFileFor(persisted, revision, at, base.state, runtime.protectedGlobs),
    history,
    features_key: changed.length ? listKey(result) : foundKey,
    feature_list_write: writeBack?.write ?? null,
  };
  // state.json commits the change; the feature list follows (and is finished by the next command if cut off).
  await writeState(paths, after);
  if (writeBack) {
    try {
      await writeOwnFile(paths, paths.features, writeBack.text);
    } catch (error) {
      // The change is committed; failing the command now would make the agent retry a done event.
      warnings.push(`${describeError(error)}; the change is committed and the next baton command finishes the feature-list update`);
    }
  }
  await saveCheckpointIfDueAfter(runtime, after, from !== to || base.state === null);
  return { before: base.state, after, entry, snapshot, features: left, recovery: base.recovery, warnings };
}

/** Writes checkpoint.json when the session moved to another state, or the last checkpoint is older than the interval. */
async function saveCheckpointIfDueAfter(runtime: ProjectRuntime, state: StateFile, stateChanged: boolean): Promise<void> {
  if (state.dirty) return;
  if (stateChanged || (await checkpointIsDue(runtime.paths, runtime.config.checkpointIntervalSeconds, runtime.now()))) {
    await writeCheckpointFile(runtime.paths, state, runtime.now());
  }
}

/** Auto-save for commands that change nothing (status): a checkpoint of the validated, settled state when one is due. */
export async function autoCheckpoint(runtime: ProjectRuntime): Promise<boolean> {
  return saveCheckpointIfDue(runtime.paths, runtime.config.checkpointIntervalSeconds, runtime.now(), async () => {
    const read = await readStateFile(runtime.paths, runtime.now());
    return read.kind === 'ok' && !read.state.dirty && !read.migratedFrom ? read.state : null;
  });
}

/** `baton recover`: repairs an interrupted or unreadable state now, without running the entry protocol. */
export async function recoverNow(runtime: ProjectRuntime): Promise<{ state: StateFile | null; recovery: Recovery | null; warnings: string[] }> {
  if (inspectOwn(runtime.paths, runtime.paths.progressDir, 'dir').kind === 'missing') return { state: null, recovery: null, warnings: [] };
  const lock = await acquireLock(runtime.paths);
  try {
    await removeStrayTempFiles(runtime.paths, runtime.paths.progressDir);
    return await loadBase(runtime, 'recover');
  } finally {
    await lock.release();
  }
}

/** `baton checkpoint`: a checkpoint of the current settled state, on demand. */
export async function checkpointNow(runtime: ProjectRuntime): Promise<{ checkpoint_at: string; revision: number; state: string }> {
  refuseWithoutSession(runtime.paths);
  const lock = await acquireLock(runtime.paths);
  try {
    const read = await readStateFile(runtime.paths, runtime.now());
    if (read.kind === 'missing') throw new BatonError(`no session in ${runtime.paths.root} yet`, EXIT.REFUSED, 'run `baton entry` first');
    if (read.kind === 'invalid') throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, 'run `baton recover` first');
    if (read.state.dirty) throw new BatonError('the session is mid side effect (dirty); a checkpoint must be a settled state', EXIT.REFUSED, 'run `baton entry` or `baton recover` first');
    const checkpoint_at = await writeCheckpointFile(runtime.paths, read.state, runtime.now());
    return { checkpoint_at, revision: read.state.revision, state: read.state.state };
  } finally {
    await lock.release();
  }
}
