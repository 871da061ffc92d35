/**
 * state.json and checkpoint.json as baton reads them, against the source: what is accepted,
 * what is upgraded, and what is refused with the file and the field named (the words a user
 * sees when `baton send` exits 4).
 */
import { describe, expect, it } from 'vitest';
import { MACHINE_VERSION } from '../../../machines/session.js';
import { CHECKPOINT_SCHEMA_VERSION, STATE_SCHEMA_VERSION } from '../../../services/storage/schema-versions.js';
import { parseCheckpointText, parseStateText, serializeState, snapshotForState, topStateOf, validateSnapshot, type StateFile } from '../../../services/lifecycle/state-file.js';

const FILE = '.claude/progress/state.json';
const now = new Date('2026-12-01T12:00:00.000Z');

/** A state.json as baton writes it, in IMPLEMENT at revision 3. */
function goodState(overrides: Partial<StateFile> = {}): StateFile {
  return {
    state: 'IMPLEMENT',
    entered_at: '2026-12-01T10:00:00.000Z',
    health_status: 'HEALTHY',
    history: [{ revision: 3, at: '2026-12-01T10:00:00.000Z', event: 'FEATURE_STARTED', from: 'IMPLEMENT', to: 'IMPLEMENT' }],
    dirty: false,
    schema_version: STATE_SCHEMA_VERSION,
    machine_version: MACHINE_VERSION,
    revision: 3,
    updated_at: '2026-12-01T10:00:00.000Z',
    pending: null,
    snapshot: snapshotForState('IMPLEMENT', 'HEALTHY'),
    ...overrides,
  };
}

const text = (value: unknown) => JSON.stringify(value, null, 2);

function problemOf(parse: ReturnType<typeof parseStateText> | ReturnType<typeof parseCheckpointText>) {
  if (parse.kind !== 'invalid') throw new Error(`expected a refusal, got ${parse.kind}`);
  return parse.problem;
}

describe('parseStateText: the current format', () => {
  it('reads back what baton writes, with no warnings', () => {
    const state = goodState();
    const parsed = parseStateText(FILE, serializeState(state), now);
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.state).toMatchObject({ state: 'IMPLEMENT', revision: 3, health_status: 'HEALTHY', dirty: false });
    expect(parsed.state.snapshot).toEqual(state.snapshot);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.migratedFrom).toBeUndefined();
  });

  it('a "state" field that disagrees with the snapshot: the snapshot wins, and the warning says so', () => {
    const parsed = parseStateText(FILE, text(goodState({ state: 'COMPLETE' })), now);
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.state.state).toBe('IMPLEMENT');
    expect(parsed.warnings).toEqual([`${FILE}: field "state" says COMPLETE but the snapshot is in IMPLEMENT; baton follows the snapshot`]);
  });

  it('a byte order mark in front is ignored, with a warning', () => {
    const parsed = parseStateText(FILE, `\uFEFF${text(goodState())}`, now);
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.warnings).toEqual([`${FILE}: starts with a byte order mark; ignored it`]);
  });

  it('a file from a newer baton is refused, naming schema_version and telling the user to upgrade', () => {
    const problem = problemOf(parseStateText(FILE, text({ ...goodState(), schema_version: STATE_SCHEMA_VERSION + 1 }), now));
    expect(problem).toMatchObject({ file: FILE, location: 'schema_version' });
    expect(problem.problem).toMatch(/newer baton .*upgrade baton/);
  });

  it('a field of the wrong type is refused naming the field', () => {
    expect(problemOf(parseStateText(FILE, text({ ...goodState(), revision: 'x' }), now))).toMatchObject({ file: FILE, location: 'revision' });
    expect(problemOf(parseStateText(FILE, text({ ...goodState(), dirty: 'no' }), now))).toMatchObject({ location: 'dirty' });
  });

  it('a state the machine does not have is refused naming it', () => {
    const state = goodState();
    const problem = problemOf(parseStateText(FILE, text({ ...state, snapshot: { ...state.snapshot, value: 'NOPE' } }), now));
    expect(problem.location).toBe('snapshot');
    expect(problem.problem).toContain('"NOPE" does not exist in the session machine');
  });

  it('a snapshot with a running actor is refused: baton never restores mid-protocol', () => {
    const state = goodState();
    const problem = problemOf(parseStateText(FILE, text({ ...state, snapshot: { ...state.snapshot, children: { healthCheck: {} } } }), now));
    expect(problem).toMatchObject({ location: 'snapshot', problem: 'snapshot has running actors (healthCheck)' });
  });

  it('empty, truncated, binary and non-object files are each named for what they are', () => {
    const good = text(goodState());
    expect(problemOf(parseStateText(FILE, '', now)).problem).toMatch(/is empty/);
    expect(problemOf(parseStateText(FILE, good.slice(0, good.length / 2), now)).problem).toMatch(/is truncated/);
    expect(problemOf(parseStateText(FILE, `${good.slice(0, 20)}\u0000\u0000`, now)).problem).toMatch(/NUL bytes/);
    expect(problemOf(parseStateText(FILE, '[1, 2]', now))).toEqual({ file: FILE, problem: 'must be a JSON object' });
    expect(problemOf(parseStateText(FILE, 'state: IMPLEMENT', now)).problem).toMatch(/is not valid JSON/);
  });
});

describe('parseStateText: the spec script format (no schema_version)', () => {
  it('is upgraded: same state and health, revision 0, a snapshot the machine accepts', () => {
    const parsed = parseStateText(FILE, text({ state: 'FIX_BROKEN', entered_at: '2026-11-30T00:00:00.000Z', health_status: 'BROKEN', history: [] }), now);
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.migratedFrom).toBe('the spec script format (no schema_version)');
    expect(parsed.state).toMatchObject({ state: 'FIX_BROKEN', health_status: 'BROKEN', revision: 0, schema_version: STATE_SCHEMA_VERSION, entered_at: '2026-11-30T00:00:00.000Z', dirty: false, pending: null });
    expect(topStateOf(parsed.state.snapshot.value)).toBe('FIX_BROKEN');
    expect(validateSnapshot(parsed.state.snapshot)).toBeNull();
    // What it was upgraded to is a state.json baton can write and read again.
    expect(parseStateText(FILE, serializeState(parsed.state), now).kind).toBe('ok');
  });

  it('missing fields take their defaults: now, UNKNOWN health', () => {
    const parsed = parseStateText(FILE, text({ state: 'INIT', health_status: 'so-so' }), now);
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.state).toMatchObject({ entered_at: now.toISOString(), updated_at: now.toISOString(), health_status: 'UNKNOWN' });
  });

  it('a state the spec does not have is refused naming the field', () => {
    const problem = problemOf(parseStateText(FILE, text({ state: 'DANCING' }), now));
    expect(problem).toMatchObject({ file: FILE, location: 'state' });
    expect(problem.problem).toContain('"DANCING" is not one of START, INIT, IMPLEMENT, TEST, FIX_BROKEN, COMPLETE');
  });
});

describe('parseCheckpointText', () => {
  const FILE_CP = '.claude/progress/checkpoint.json';
  const checkpoint = { schema_version: CHECKPOINT_SCHEMA_VERSION, checkpoint_at: '2026-12-01T10:00:00.000Z', revision: 2, state: 'IMPLEMENT', snapshot: snapshotForState('IMPLEMENT', 'UNKNOWN') };

  it('reads a good checkpoint', () => {
    const parsed = parseCheckpointText(FILE_CP, text(checkpoint));
    expect(parsed.kind).toBe('ok');
    if (parsed.kind === 'ok') expect(parsed.checkpoint).toMatchObject({ revision: 2, state: 'IMPLEMENT' });
  });

  it('refuses a bad one naming the file and the field', () => {
    expect(problemOf(parseCheckpointText(FILE_CP, text({ ...checkpoint, revision: -1 })))).toMatchObject({ file: FILE_CP, location: 'revision' });
    expect(problemOf(parseCheckpointText(FILE_CP, text({ ...checkpoint, schema_version: 99 })))).toMatchObject({ file: FILE_CP, location: 'schema_version' });
    expect(problemOf(parseCheckpointText(FILE_CP, text({ ...checkpoint, snapshot: { ...checkpoint.snapshot, status: 'done' } })))).toMatchObject({
      location: 'snapshot',
      problem: 'snapshot status is "done", expected "active"',
    });
    expect(problemOf(parseCheckpointText(FILE_CP, '{"revision": 2,')).problem).toMatch(/truncated/);
  });
});

describe('validateSnapshot and topStateOf', () => {
  it('the top states a spec-format file can name have a snapshot the machine accepts', () => {
    for (const state of ['START', 'INIT', 'IMPLEMENT', 'TEST', 'FIX_BROKEN', 'COMPLETE'] as const) {
      const snapshot = snapshotForState(state, 'UNKNOWN');
      expect(validateSnapshot(snapshot), state).toBeNull();
      expect(topStateOf(snapshot.value)).toBe(state);
    }
  });

  it('a state in the middle of the protocol (an actor running) is not a resting state', () => {
    const snapshot = { ...snapshotForState('START', 'UNKNOWN'), value: { START: 'stateManagement' } };
    expect(validateSnapshot(snapshot)).toMatch(/is mid-protocol \(a running actor\), not a resting state/);
  });

  it('topStateOf refuses a state it does not know', () => {
    expect(() => topStateOf('NOPE')).toThrow('unknown state "NOPE"');
    expect(topStateOf({ TEST: 'awaitingResults' })).toBe('TEST');
  });
});
