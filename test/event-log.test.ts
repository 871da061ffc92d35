/** The event log's own logic, against the source: which stretches hold together, and what replay makes of a damaged log. */
import { describe, expect, it } from 'vitest';
import { checkLog, parseLog, type LogEntry } from '../services/event-log.js';
import { rankCandidates, type Candidate } from '../services/recovery.js';
import { replay } from '../services/replay.js';
import { snapshotForState, topStateOf } from '../services/state-file.js';

const at = '2026-12-01T00:00:00.000Z';
const entry = (revision: number, event: string, from: string, to: string, extra: Partial<LogEntry> = {}): LogEntry => ({ revision, at, event: { type: event }, from, to, ...extra });

/** A real session's log: entry to INIT, features defined, one started. */
const features = [{ id: 'a', status: 'pending', retries: 0 }];
const session: LogEntry[] = [
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

describe('checkLog', () => {
  it('a whole log is one stretch with no breaks', () => {
    expect(checkLog(session)).toEqual({ segments: [{ first: 0, last: 2 }], breaks: [] });
  });

  it('a missing line in the middle ends the stretch before it', () => {
    const check = checkLog([session[0]!, session[2]!]);
    expect(check.segments).toEqual([{ first: 0, last: 0 }]);
    expect(check.breaks).toEqual([{ after: 1, problem: 'revision 1 is followed by revision 3' }]);
  });

  it('a line that does not start where the previous went breaks it too', () => {
    const check = checkLog([session[0]!, entry(2, 'FEATURE_STARTED', 'IMPLEMENT', 'IMPLEMENT')]);
    expect(check.breaks[0]!.problem).toBe('revision 2 starts from IMPLEMENT, but revision 1 went to INIT');
  });

  it('a recovery line carrying a snapshot starts a new stretch after a break', () => {
    const reset = entry(4, 'baton.recovered', 'IMPLEMENT', 'IMPLEMENT', { reset: snapshotForState('IMPLEMENT', 'UNKNOWN') });
    const check = checkLog([session[0]!, session[2]!, reset, entry(5, 'HEALTH_BROKEN', 'IMPLEMENT', 'FIX_BROKEN')]);
    expect(check.segments).toEqual([
      { first: 0, last: 0 },
      { first: 2, last: 3 },
    ]);
  });

  it('a log that starts past revision 1 without a snapshot holds nothing', () => {
    expect(checkLog([session[1]!, session[2]!]).segments).toEqual([]);
  });
});

describe('replay of a damaged log', () => {
  it('rebuilds the whole log exactly', () => {
    const result = replay(session);
    expect(result).toMatchObject({ revision: 3, problem: null });
    expect(topStateOf(result.snapshot.value)).toBe('IMPLEMENT');
    expect((result.snapshot.context as { currentFeatureId: string }).currentFeatureId).toBe('a');
  });

  it('never replays across a gap: it stops before it and says why', () => {
    const text = session.map((line, index) => (index === 1 ? '{"revision": 2, "ev' : JSON.stringify(line))).join('\n') + '\n';
    const log = parseLog('events.jsonl', text);
    expect(log.problems).toEqual(['events.jsonl line 2: not valid JSON; skipped']);
    const result = replay(log.entries);
    expect(result.revision).toBe(1);
    expect(topStateOf(result.snapshot.value)).toBe('INIT');
    expect(result.problem).toBe('the log does not hold together after revision 1: revision 1 is followed by revision 3');
  });

  it('stops at a line whose replay does not reach the state it records', () => {
    const forged = [...session.slice(0, 2), { ...session[2]!, to: 'COMPLETE' }];
    const result = replay(forged);
    expect(result.revision).toBe(2);
    expect(result.problem).toBe('replaying revision 3 reaches IMPLEMENT, but the log says COMPLETE');
    expect(topStateOf(result.snapshot.value)).toBe('IMPLEMENT');
  });
});

describe('rankCandidates', () => {
  const candidate = (source: Candidate['source'], revision: number): Candidate => ({ source, revision, label: source, snapshot: snapshotForState('INIT', 'UNKNOWN'), recordedAt: at, previous: null, note: null });

  it('newest first; a stored copy before a replay of the same revision', () => {
    expect(rankCandidates([candidate('log', 5), candidate('backup', 5), candidate('checkpoint', 7)]).map((c) => c.source)).toEqual(['checkpoint', 'backup', 'log']);
  });
});
