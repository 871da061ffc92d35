/**
 * Time travel: rebuilds the session at any revision from events.jsonl alone. Invoked
 * actors never run; their logged results are fed back in the order they arrived.
 */
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { eachActor, promiseActors } from '../../machines/actors.js';
import type { SessionEvent } from '../../machines/events.js';
import { sessionMachine, type SessionMachine } from '../../machines/session.js';
import { BatonError, EXIT } from '../errors.js';
import { checkLog, type LogEntry, type LoggedEvent } from './event-log.js';
import { topStateOf, type PersistedSnapshot } from './state-file.js';

import { tallyFeatures, type FeatureProgress } from '../../machines/features.js';

/** Every actor stands in for one whose result comes from the log: it never settles on its own. */
const replayMachine = sessionMachine.provide({ actors: promiseActors(eachActor(() => () => new Promise<never>(() => undefined))) });

export interface ReplayResult {
  revision: number;
  snapshot: PersistedSnapshot;
  entry: LogEntry | null;
  /** Why the log could not be followed past `revision` (a gap, a line from elsewhere, a replay that went another way); null when it was followed to the end asked for. */
  problem: string | null;
}

interface Run {
  actor: Actor<SessionMachine>;
  last: LogEntry | null;
  /** Set when replaying a line did not reach the state the line records. */
  diverged: string | null;
}

/**
 * Lines written before the machine kept a tally (machine version 1) carry the whole feature
 * list in their syncs and in the list actor's result, and later lines rely on the machine
 * knowing every feature: replayed as a tally with all of them in focus, so old logs rebuild.
 */
function withTally(event: LoggedEvent): SessionEvent {
  const asTally = (features: unknown) => {
    const wellFormed = Array.isArray(features) && features.every((feature) => typeof feature?.id === 'string' && typeof feature.status === 'string');
    const list = wellFormed ? (features as FeatureProgress[]) : null;
    return tallyFeatures(list, (list ?? []).map((feature) => feature.id));
  };
  if (event.type === 'FEATURES_SYNCED' && !('tally' in event)) return { type: 'FEATURES_SYNCED', tally: asTally(event.features) };
  const output = event.output as { features?: unknown } | null | undefined;
  if (event.type === 'xstate.done.actor.featureList' && output && 'features' in output) return { ...event, output: asTally(output.features) } as unknown as SessionEvent;
  return event as SessionEvent;
}

/** An actor of the machine whose invoked actors' results come from the log; from a snapshot a line reset to, or fresh. */
export function startReplayActor(options: { snapshot?: unknown; inspect?: (event: InspectionEvent) => void; id?: string } = {}): Actor<SessionMachine> {
  return createActor(replayMachine, { input: {}, ...(options.snapshot ? { snapshot: options.snapshot as never } : {}), ...(options.inspect ? { inspect: options.inspect } : {}), ...(options.id ? { id: options.id } : {}) }).start();
}

/** One log line's events, fed in the order they arrived: what ran before it, the event, the actors' results. */
export function feedEntry(actor: Actor<SessionMachine>, entry: LogEntry): void {
  if (entry.event.type.startsWith('baton.')) return;
  for (const event of [...(entry.prelude ?? []), entry.event, ...(entry.results ?? [])]) actor.send(withTally(event));
}

/** Feeds the log's events to a fresh actor, line by line, up to revision `reach`. */
function follow(entries: readonly LogEntry[], reach: number): Run {
  let actor: Actor<SessionMachine> = startReplayActor();
  let last: LogEntry | null = null;
  for (const entry of entries) {
    if (entry.revision > reach) break;
    if (entry.reset) {
      actor.stop();
      actor = startReplayActor({ snapshot: entry.reset });
    }
    feedEntry(actor, entry);
    const reached = topStateOf(actor.getSnapshot().value);
    if (reached !== entry.to) return { actor, last, diverged: `replaying revision ${entry.revision} reaches ${reached}, but the log says ${entry.to}` };
    last = entry;
  }
  return { actor, last, diverged: null };
}

/**
 * Replays the log up to `toRevision` (default: its end) from the start of the stretch that
 * holds together there (checkLog), stopping where it stops holding together or where
 * replaying a line does not reach the state it records.
 */
export function replay(entries: readonly LogEntry[], toRevision?: number): ReplayResult {
  const target = toRevision ?? entries.at(-1)?.revision ?? 0;
  if (toRevision !== undefined && !entries.some((entry) => entry.revision === toRevision)) {
    const known = entries.length ? `${entries[0]!.revision}..${entries.at(-1)!.revision}` : 'none';
    throw new BatonError(`revision ${toRevision} is not in the event log (revisions: ${known})`, EXIT.USAGE);
  }
  const check = checkLog(entries);
  const segment = check.segments.filter((candidate) => entries[candidate.first]!.revision <= target).at(-1);
  const segmentEnd = segment ? entries[segment.last]!.revision : 0;
  const gap = check.breaks.find((item) => item.after >= segmentEnd);
  let problem = segmentEnd < target ? `the log does not hold together after revision ${segmentEnd}${gap ? `: ${gap.problem}` : ''}` : null;
  const stretch = segment ? entries.slice(segment.first, segment.last + 1) : [];
  let run = follow(stretch, Math.min(target, segmentEnd));
  if (run.diverged) {
    problem = run.diverged;
    run.actor.stop();
    run = follow(stretch, run.last?.revision ?? 0);
  }
  const snapshot = run.actor.getPersistedSnapshot() as unknown as PersistedSnapshot;
  run.actor.stop();
  return { revision: run.last?.revision ?? 0, snapshot, entry: run.last, problem };
}
