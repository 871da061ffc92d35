/** A real session's event log, shared by the log, replay and recovery tests: entry to INIT, features defined, one started. */
import type { LogEntry } from '../../services/lifecycle/event-log.js';

export const AT = '2026-12-01T00:00:00.000Z';

export const entry = (revision: number, event: string, from: string, to: string, extra: Partial<LogEntry> = {}): LogEntry => ({ revision, at: AT, event: { type: event }, from, to, ...extra });

const features = [{ id: 'a', status: 'pending', retries: 0 }];

export const SESSION: LogEntry[] = [
  entry(1, 'SESSION_ENTRY', 'START', 'INIT', {
    results: [
      { type: 'xstate.done.actor.gitContext', output: null },
      { type: 'xstate.done.actor.healthCheck', output: { status: 'UNKNOWN', source: 'none', detail: 'none' } },
      { type: 'xstate.done.actor.featureList', output: { features: null } },
      { type: 'xstate.done.actor.sessionContext', output: { latestSummary: null, fileHistory: null } },
    ],
  }),
  entry(2, 'FEATURES_DEFINED', 'INIT', 'IMPLEMENT', { prelude: [{ type: 'FEATURES_SYNCED', features }] }),
  { ...entry(3, 'FEATURE_STARTED', 'IMPLEMENT', 'IMPLEMENT'), event: { type: 'FEATURE_STARTED', featureId: 'a' } },
];

/** The log as baton writes it: one JSON line per entry, each ending with a newline. */
export const logText = (entries: readonly LogEntry[]) => entries.map((line) => `${JSON.stringify(line)}\n`).join('');
