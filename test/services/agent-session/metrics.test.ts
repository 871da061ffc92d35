/**
 * The metrics row a handoff writes (services/agent-session/handoff.ts metricsRow, services/session-record.ts
 * for metrics.json), against the source: what each counter is counted from, how a resumed
 * session's row goes on, and metrics.json on a real temp directory (one row per session, a
 * damaged file's whole rows kept and the file kept aside).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../../services/lifecycle/event-log.js';
import { metricsRow } from '../../../services/agent-session/handoff.js';
import { newSessionRecord, readMetrics, upsertMetrics, type MetricsRow } from '../../../services/agent-session/session-record.js';
import { entry } from '../session-log.js';
import { takeNotices } from '../../../services/storage/notices.js';
import { useTempProject } from '../temp-project.js';

type Facts = Parameters<typeof metricsRow>[0];

const STARTED = new Date('2026-12-01T09:00:00.000Z');
const health = (status: string) => ({ type: 'xstate.done.actor.healthCheck', output: { status, source: 'command', detail: '' } });
const testRun = (outcome: string) => ({ type: 'xstate.done.actor.testRun', output: { outcome } });

function facts(entries: LogEntry[], overrides: Partial<Facts> = {}): Facts {
  const record = { ...newSessionRecord({ sessionId: 's-1', source: 'cli', startRevision: 0, startHead: null, now: STARTED }), ended_at: '2026-12-01T10:00:00.000Z' };
  return { record, state: null, entries, firstSeen: new Map(), endFeatures: null, endList: null, taken: new Set(), end: { state: 'IMPLEMENT', health_status: 'HEALTHY' }, context: null, gateRefusals: 0, ...overrides };
}

describe('metricsRow', () => {
  it('names the session, its times, how it ended and its health at the end', () => {
    expect(metricsRow(facts([]), 'handoff')).toMatchObject({
      session_id: 's-1',
      started_at: STARTED.toISOString(),
      ended_at: '2026-12-01T10:00:00.000Z',
      ended_by: 'handoff',
      health_status: 'HEALTHY',
    });
    expect(metricsRow(facts([], { end: null }), 'never')).toMatchObject({ ended_by: 'never', health_status: 'UNKNOWN', states_visited: [] });
  });

  it('states_visited follows the log, each state once in a row, through the states a line passed', () => {
    const entries = [
      entry(1, 'SESSION_ENTRY', 'START', 'IMPLEMENT', { path: ['START', 'INIT', 'IMPLEMENT'] }),
      entry(2, 'FEATURE_STARTED', 'IMPLEMENT', 'IMPLEMENT'),
      entry(3, 'FEATURE_IMPLEMENTED', 'IMPLEMENT', 'TEST'),
      entry(4, 'TESTS_FAILED', 'TEST', 'IMPLEMENT'),
    ];
    expect(metricsRow(facts(entries), 'handoff').states_visited).toEqual(['START', 'INIT', 'IMPLEMENT', 'TEST', 'IMPLEMENT']);
  });

  it('a session with no events visited the state it ended in', () => {
    expect(metricsRow(facts([], { end: { state: 'COMPLETE', health_status: 'HEALTHY' } }), 'handoff').states_visited).toEqual(['COMPLETE']);
  });

  it('health checks are counted from the results the log recorded: HEALTHY passed, BROKEN failed, UNKNOWN neither', () => {
    const entries = [
      entry(1, 'SESSION_ENTRY', 'START', 'IMPLEMENT', { results: [health('HEALTHY')] }),
      entry(2, 'HEALTH_FIXED', 'FIX_BROKEN', 'FIX_BROKEN', { results: [health('BROKEN')] }),
      entry(3, 'HEALTH_FIXED', 'FIX_BROKEN', 'IMPLEMENT', { results: [health('HEALTHY')] }),
      entry(4, 'SESSION_ENTRY', 'IMPLEMENT', 'IMPLEMENT', { results: [health('UNKNOWN')] }),
    ];
    expect(metricsRow(facts(entries), 'handoff')).toMatchObject({ health_checks_passed: 2, health_checks_failed: 1 });
  });

  it('retries: each TESTS_FAILED sent, and each test run that failed or timed out', () => {
    const entries = [
      entry(1, 'TESTS_FAILED', 'TEST', 'IMPLEMENT'),
      entry(2, 'RUN_TESTS', 'TEST', 'IMPLEMENT', { results: [testRun('failed')] }),
      entry(3, 'RUN_TESTS', 'TEST', 'IMPLEMENT', { results: [testRun('timed_out')] }),
      entry(4, 'RUN_TESTS', 'TEST', 'TEST', { results: [testRun('passed')] }),
    ];
    expect(metricsRow(facts(entries), 'handoff').retries).toBe(3);
  });

  it('compressions add manual and auto; tokens and gate refusals are carried as recorded', () => {
    const base = facts([]);
    const record = { ...base.record, compressions: { manual: 2, auto: 3 }, tokens_used: 1234 };
    expect(metricsRow({ ...base, record, gateRefusals: 4 }, 'handoff')).toMatchObject({ compressions: 5, tokens_used: 1234, gate_refusals: 4 });
  });

  it('features_completed counts the features the session took from open to done, not the ones that arrived done', () => {
    const endFeatures = [
      { id: 'a', status: 'tested', retries: 0 },
      { id: 'b', status: 'tested', retries: 0 },
      { id: 'c', status: 'in_progress', retries: 0 },
    ] as Facts['endFeatures'];
    const firstSeen = new Map([
      ['a', 'pending'],
      ['b', 'tested'],
      ['c', 'pending'],
    ]);
    expect(metricsRow(facts([], { endFeatures, firstSeen }), 'handoff').features_completed).toBe(1);
  });

  it('a resumed session goes on from its earlier row: counts add up, start and states carry over', () => {
    const before: MetricsRow = {
      ...metricsRow(facts([entry(1, 'FEATURE_IMPLEMENTED', 'IMPLEMENT', 'TEST', { results: [health('HEALTHY')] })]), 'handoff'),
      started_at: '2026-12-01T08:00:00.000Z',
      compressions: 1,
      retries: 2,
      tokens_used: 500,
    };
    const base = facts([entry(2, 'TESTS_FAILED', 'TEST', 'IMPLEMENT', { results: [health('BROKEN')] })]);
    const row = metricsRow({ ...base, record: { ...base.record, continues: before, tokens_used: null } }, 'handoff');
    expect(row).toMatchObject({ started_at: '2026-12-01T08:00:00.000Z', compressions: 1, retries: 3, tokens_used: 500, health_checks_passed: 1, health_checks_failed: 1 });
    // TEST is where the earlier row stopped and where this one starts: listed once.
    expect(row.states_visited).toEqual(['IMPLEMENT', 'TEST', 'IMPLEMENT']);
  });
});

describe('metrics.json on disk', () => {
  const temp = useTempProject('baton-metrics-');
  const row = (session_id: string, retries = 0): MetricsRow => ({ ...metricsRow(facts([]), 'handoff'), session_id, retries });


  it('one row per session, in the order they started: a second handoff replaces its row where it is', async () => {
    await upsertMetrics(temp.paths, row('s-1'));
    await upsertMetrics(temp.paths, row('s-2'));
    await upsertMetrics(temp.paths, row('s-1', 7));
    const onDisk = JSON.parse(readFileSync(temp.paths.metrics, 'utf8')) as { sessions: MetricsRow[] };
    expect(onDisk.sessions.map((r) => [r.session_id, r.retries])).toEqual([
      ['s-1', 7],
      ['s-2', 0],
    ]);
    expect(readMetrics(temp.paths)).toEqual({ rows: onDisk.sessions, damage: null });
  });

  it('no metrics.json: no rows, no damage', () => {
    expect(readMetrics(temp.paths)).toEqual({ rows: [], damage: null });
  });

  it('a damaged row is named by its index; the whole rows are read', () => {
    writeFileSync(temp.paths.metrics, JSON.stringify({ sessions: [row('s-1'), { session_id: 's-2', retries: 'many' }, row('s-3')] }));
    const read = readMetrics(temp.paths);
    expect(read.rows.map((r) => r.session_id)).toEqual(['s-1', 's-3']);
    expect(read.damage).toEqual({ problem: { file: '.claude/progress/metrics.json', location: 'sessions[1]', problem: 'not a metrics row' }, recovered: 'recovered 2 of its 3 rows' });
  });

  it('writing over a damaged file keeps its bytes aside first, and keeps its whole rows', async () => {
    const damaged = JSON.stringify({ sessions: [row('s-1'), 'garbage'] });
    writeFileSync(temp.paths.metrics, damaged);
    await upsertMetrics(temp.paths, row('s-2'));
    expect(readMetrics(temp.paths).rows.map((r) => r.session_id)).toEqual(['s-1', 's-2']);
    const aside = readdirSync(temp.paths.progressDir).filter((name) => name.startsWith('metrics.json.') && name !== 'metrics.json');
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(temp.paths.progressDir, aside[0]!), 'utf8')).toBe(damaged);
    expect(takeNotices().join('\n')).toContain('metrics.json');
  });

  it('a file that is not JSON gives no rows and says none could be read', () => {
    writeFileSync(temp.paths.metrics, '{"sessions": [');
    expect(readMetrics(temp.paths)).toMatchObject({ rows: [], damage: { recovered: 'none of its rows could be read back' } });
    expect(existsSync(temp.paths.metrics)).toBe(true);
  });
});
