/**
 * The session record (session.json) and the transcript's token count, against the source on a
 * real temp directory: a damaged record keeps its good fields and names the bad ones; tokens are
 * summed once per message, and only from what was appended since the last read.
 */
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSessionRecord, newSessionRecord, readTranscriptTokens, salvageSessionRecord, sessionGoesOn, updateSessionRecord } from '../../../services/agent-session/session-record.js';
import { takeNotices } from '../../../services/storage/notices.js';
import { useTempProject } from '../temp-project.js';

const NOW = new Date('2026-12-01T09:00:00.000Z');
const record = (overrides: object = {}) => ({ ...newSessionRecord({ sessionId: 's-1', source: 'startup', startRevision: 4, startHead: 'abc', now: NOW }), ...overrides });

const temp = useTempProject('baton-session-record-');

describe('sessionGoesOn', () => {
  it('a session not handed off, or last handed off by a Stop (the end of a turn), goes on; one ended otherwise does not', () => {
    expect(sessionGoesOn(record())).toBe(true);
    expect(sessionGoesOn(record({ ended_at: NOW.toISOString(), last_action: 'Stop' }))).toBe(true);
    expect(sessionGoesOn(record({ ended_at: NOW.toISOString(), last_action: 'SessionEnd' }))).toBe(false);
  });
});

describe('salvageSessionRecord', () => {
  it('a whole record comes back as it is, with nothing wrong', () => {
    const whole = record({ decisions: ['use sqlite'], tokens_used: 12 });
    expect(salvageSessionRecord(JSON.parse(JSON.stringify(whole)))).toEqual({ record: whole, wrong: [] });
  });

  it('fields of the wrong type take their defaults and are named; the others are kept', () => {
    const salvaged = salvageSessionRecord({ ...record({ decisions: ['keep me'] }), blockers: 'not a list', compressions: { manual: -1, auto: 0 }, tokens_used: 'lots' });
    expect(salvaged?.wrong.sort()).toEqual(['blockers', 'compressions', 'tokens_used']);
    expect(salvaged?.record).toMatchObject({ session_id: 's-1', decisions: ['keep me'], blockers: [], compressions: { manual: 0, auto: 0 }, tokens_used: null, start_revision: 4 });
  });

  it('missing fields take their defaults without being called wrong', () => {
    const salvaged = salvageSessionRecord({ session_id: 's-2' });
    expect(salvaged?.wrong).toEqual([]);
    expect(salvaged?.record).toMatchObject({ session_id: 's-2', source: 'unknown', decisions: [], ended_at: null });
  });

  it('without a session id it is not a session record', () => {
    for (const value of [null, [], 'x', { source: 'startup' }, { session_id: 7 }]) expect(salvageSessionRecord(value)).toBeNull();
  });
});

describe('session.json on disk', () => {
  it('a record with a bad field is read with its other fields and the damage named', () => {
    writeFileSync(temp.paths.session, JSON.stringify({ ...record({ decisions: ['d1'] }), blockers: 5 }));
    const { record: read, damage } = loadSessionRecord(temp.paths);
    expect(read?.decisions).toEqual(['d1']);
    expect(damage).toEqual({ problem: { file: '.claude/progress/session.json', location: 'blockers', problem: 'has the wrong type' }, recovered: 'kept its other fields' });
  });

  it('an update over a damaged record keeps the damaged bytes aside, then writes the new record', async () => {
    const damaged = '{"session_id": "s-1", "decisions": ';
    writeFileSync(temp.paths.session, damaged);
    const next = await updateSessionRecord(temp.paths, (current) => current ?? record({ blockers: ['new'] }));
    expect(next?.blockers).toEqual(['new']);
    expect(JSON.parse(readFileSync(temp.paths.session, 'utf8')).blockers).toEqual(['new']);
    const aside = readdirSync(temp.paths.progressDir).filter((name) => name.startsWith('session.json.'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(temp.paths.progressDir, aside[0]!), 'utf8')).toBe(damaged);
    expect(takeNotices().join('\n')).toContain('session.json');
  });
});

describe('readTranscriptTokens', () => {
  const usage = (id: string, tokens: number) => JSON.stringify({ message: { id, usage: { input_tokens: tokens, output_tokens: 1, cache_read_input_tokens: 0 } } });
  const transcript = () => path.join(temp.paths.root, 'transcript.jsonl');

  it('sums the usage of each message once, though a message split over lines repeats it', () => {
    writeFileSync(transcript(), [usage('m1', 10), usage('m1', 10), JSON.stringify({ type: 'user' }), usage('m2', 5), ''].join('\n'));
    expect(readTranscriptTokens(transcript(), null)?.tokens).toBe(17);
  });

  it('the next read adds only what was appended since', () => {
    writeFileSync(transcript(), `${usage('m1', 10)}\n`);
    const first = readTranscriptTokens(transcript(), null);
    appendFileSync(transcript(), `${usage('m1', 10)}\n${usage('m2', 100)}\n`);
    const second = readTranscriptTokens(transcript(), first);
    expect([first?.tokens, second?.tokens]).toEqual([11, 112]);
  });

  it('a last line still being written is not counted until it is whole', () => {
    const whole = usage('m2', 100);
    writeFileSync(transcript(), `${usage('m1', 10)}\n${whole.slice(0, 20)}`);
    const first = readTranscriptTokens(transcript(), null);
    expect(first?.tokens).toBe(11);
    appendFileSync(transcript(), `${whole.slice(20)}\n`);
    expect(readTranscriptTokens(transcript(), first)?.tokens).toBe(112);
  });

  it('a transcript replaced by another file is counted from its start', () => {
    writeFileSync(transcript(), `${usage('m1', 10)}\n${usage('m2', 10)}\n`);
    const first = readTranscriptTokens(transcript(), null);
    rmSync(transcript());
    writeFileSync(transcript(), `${usage('m3', 3)}\n`);
    expect(readTranscriptTokens(transcript(), first)?.tokens).toBe(4);
  });

  it('no transcript, or a folder in its place: unknown (null), not zero', () => {
    expect(readTranscriptTokens(path.join(temp.paths.root, 'missing.jsonl'), null)).toBeNull();
    expect(readTranscriptTokens(temp.paths.progressDir, null)).toBeNull();
  });
});
