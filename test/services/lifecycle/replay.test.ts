/** Replay against the source: the log alone rebuilds the session, and never across a gap or a line that does not follow. */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../services/lifecycle/event-log.js';
import { EXIT } from '../../../services/errors.js';
import { replay } from '../../../services/lifecycle/replay.js';
import { topStateOf } from '../../../services/lifecycle/state-file.js';
import { SESSION, logText } from '../session-log.js';

describe('replay of a damaged log', () => {
  it('rebuilds the whole log exactly', () => {
    const result = replay(SESSION);
    expect(result).toMatchObject({ revision: 3, problem: null });
    expect(topStateOf(result.snapshot.value)).toBe('IMPLEMENT');
    expect((result.snapshot.context as { currentFeatureId: string }).currentFeatureId).toBe('a');
  });

  it('stops at the revision asked for', () => {
    const result = replay(SESSION, 2);
    expect(result).toMatchObject({ revision: 2, problem: null });
    expect((result.snapshot.context as { currentFeatureId: string | null }).currentFeatureId).toBeNull();
  });

  it('a revision the log does not have is a usage error (exit 2) naming the revisions it has', () => {
    let thrown: unknown = null;
    try {
      replay(SESSION, 9);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ message: 'revision 9 is not in the event log (revisions: 1..3)', exitCode: EXIT.USAGE });
  });

  it('never replays across a gap: it stops before it and says why', () => {
    const text = logText(SESSION).split('\n').map((line, index) => (index === 1 ? '{"revision": 2, "ev' : line)).join('\n');
    const log = parseLog('events.jsonl', text);
    expect(log.problems).toEqual(['events.jsonl line 2: not valid JSON; skipped']);
    const result = replay(log.entries);
    expect(result.revision).toBe(1);
    expect(topStateOf(result.snapshot.value)).toBe('INIT');
    expect(result.problem).toBe('the log does not hold together after revision 1: revision 1 is followed by revision 3');
  });

  it('stops at a line whose replay does not reach the state it records', () => {
    const forged = [...SESSION.slice(0, 2), { ...SESSION[2]!, to: 'COMPLETE' }];
    const result = replay(forged);
    expect(result.revision).toBe(2);
    expect(result.problem).toBe('replaying revision 3 reaches IMPLEMENT, but the log says COMPLETE');
    expect(topStateOf(result.snapshot.value)).toBe('IMPLEMENT');
  });
});
