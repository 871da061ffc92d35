/**
 * Time travel: rebuilds the session at any revision from events.jsonl alone. Invoked
 * actors never run; their logged results are fed back in the order they arrived.
 */
import { createActor, fromPromise, type Actor } from 'xstate';
import type { SessionEvent } from '../machines/events.js';
import { sessionMachine, type SessionMachine } from '../machines/session.js';
import { BatonError, EXIT } from './errors.js';
import type { LogEntry } from './event-log.js';
import type { PersistedSnapshot } from './state-file.js';

import type { CommitReport, FeatureListReport, GitContext, HealthReport, LoadedContext, TestRunReport } from '../machines/observations.js';

/** Stands in for an actor whose result comes from the log. */
function pendingForever<T, I = unknown>() {
  return fromPromise<T, I>(() => new Promise<T>(() => undefined));
}

const replayMachine = sessionMachine.provide({
  actors: {
    checkHealth: pendingForever<HealthReport>(),
    readGitContext: pendingForever<GitContext, { since: string | null }>(),
    loadFeatures: pendingForever<FeatureListReport>(),
    loadContext: pendingForever<LoadedContext>(),
    runTests: pendingForever<TestRunReport, { featureId: string | null }>(),
    commitFeature: pendingForever<CommitReport, { featureId: string | null }>(),
  },
});

export interface ReplayResult {
  revision: number;
  snapshot: PersistedSnapshot;
  entry: LogEntry | null;
}

export function replay(entries: readonly LogEntry[], toRevision?: number): ReplayResult {
  const ordered = [...entries].sort((a, b) => a.revision - b.revision);
  const target = toRevision ?? ordered.at(-1)?.revision ?? 0;
  if (toRevision !== undefined && !ordered.some((entry) => entry.revision === toRevision)) {
    const known = ordered.length ? `${ordered[0]!.revision}..${ordered.at(-1)!.revision}` : 'none';
    throw new BatonError(`revision ${toRevision} is not in the event log (revisions: ${known})`, EXIT.USAGE);
  }
  let actor: Actor<SessionMachine> = createActor(replayMachine, { input: {} }).start();
  let last: LogEntry | null = null;
  for (const entry of ordered) {
    if (entry.revision > target) break;
    if (entry.reset) {
      actor.stop();
      actor = createActor(replayMachine, { snapshot: entry.reset as never, input: {} }).start();
    }
    if (!entry.event.type.startsWith('baton.')) {
      for (const event of [...(entry.prelude ?? []), entry.event, ...(entry.results ?? [])]) actor.send(event as SessionEvent);
    }
    last = entry;
  }
  const snapshot = actor.getPersistedSnapshot() as unknown as PersistedSnapshot;
  actor.stop();
  return { revision: last?.revision ?? 0, snapshot, entry: last };
}
