/**
 * The event log's own logic, against the source: reading its lines (and saying which are bad),
 * which stretches hold together, and setting aside what was never committed on a real temp
 * directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEntry, checkLog, committedEntries, parseLog, readLog, trimToCommitted } from '../../../services/lifecycle/event-log.js';
import { projectPaths, type ProjectPaths } from '../../../services/project/paths.js';
import { snapshotForState } from '../../../services/lifecycle/state-file.js';
import { SESSION, entry, logText } from '../session-log.js';

const LOG = '.claude/progress/events.jsonl';

describe('parseLog', () => {
  it('reads every line of a whole log, with no problems', () => {
    expect(parseLog(LOG, logText(SESSION))).toEqual({ entries: SESSION, problems: [] });
  });

  it('a torn last line (no newline, cut-off JSON) is ignored and called torn', () => {
    const text = `${logText(SESSION.slice(0, 2))}{"revision":3,"at":"2026`;
    const log = parseLog(LOG, text);
    expect(log.entries.map((e) => e.revision)).toEqual([1, 2]);
    expect(log.problems).toEqual([`${LOG} line 3: torn last line (a write was cut off); ignored, the state does not depend on it`]);
  });

  it('bad JSON in the middle, and JSON that is not an entry, are skipped and named by line', () => {
    const lines = [JSON.stringify(SESSION[0]), '{"revision": 2, "ev', JSON.stringify({ revision: 3, event: { type: 'X' } }), JSON.stringify(SESSION[2])];
    const log = parseLog(LOG, `${lines.join('\n')}\n`);
    expect(log.entries.map((e) => e.revision)).toEqual([1, 3]);
    expect(log.problems).toEqual([`${LOG} line 2: not valid JSON; skipped`, `${LOG} line 3: not a log entry (needs revision, event.type, from and to); skipped`]);
  });

  it('blank lines are not problems', () => {
    expect(parseLog(LOG, `\n${JSON.stringify(SESSION[0])}\n\n`)).toEqual({ entries: [SESSION[0]], problems: [] });
  });
});

describe('checkLog', () => {
  it('a whole log is one stretch with no breaks', () => {
    expect(checkLog(SESSION)).toEqual({ segments: [{ first: 0, last: 2 }], breaks: [] });
  });

  it('a missing line in the middle ends the stretch before it', () => {
    const check = checkLog([SESSION[0]!, SESSION[2]!]);
    expect(check.segments).toEqual([{ first: 0, last: 0 }]);
    expect(check.breaks).toEqual([{ after: 1, problem: 'revision 1 is followed by revision 3' }]);
  });

  it('a line that does not start where the previous went breaks it too', () => {
    const check = checkLog([SESSION[0]!, entry(2, 'FEATURE_STARTED', 'IMPLEMENT', 'IMPLEMENT')]);
    expect(check.breaks[0]!.problem).toBe('revision 2 starts from IMPLEMENT, but revision 1 went to INIT');
  });

  it('a recovery line carrying a snapshot starts a new stretch after a break', () => {
    const reset = entry(4, 'baton.recovered', 'IMPLEMENT', 'IMPLEMENT', { reset: snapshotForState('IMPLEMENT', 'UNKNOWN') });
    const check = checkLog([SESSION[0]!, SESSION[2]!, reset, entry(5, 'HEALTH_BROKEN', 'IMPLEMENT', 'FIX_BROKEN')]);
    expect(check.segments).toEqual([
      { first: 0, last: 0 },
      { first: 2, last: 3 },
    ]);
  });

  it('a recovery line in an unbroken log carries the stretch on, whatever state it starts from', () => {
    const reset = entry(4, 'baton.recovered', 'COMPLETE', 'IMPLEMENT', { reset: snapshotForState('IMPLEMENT', 'UNKNOWN') });
    expect(checkLog([...SESSION, reset])).toEqual({ segments: [{ first: 0, last: 3 }], breaks: [] });
  });

  it('a log that starts past revision 1 without a snapshot holds nothing', () => {
    const check = checkLog([SESSION[1]!, SESSION[2]!]);
    expect(check.segments).toEqual([]);
    expect(check.breaks).toEqual([{ after: 0, problem: 'it starts at revision 2, with no snapshot to start from' }]);
  });

  it('a log that starts past revision 1 with a snapshot (an upgraded state.json) holds from there', () => {
    const upgraded = entry(7, 'baton.upgraded', 'IMPLEMENT', 'IMPLEMENT', { reset: snapshotForState('IMPLEMENT', 'UNKNOWN') });
    expect(checkLog([upgraded, entry(8, 'HEALTH_BROKEN', 'IMPLEMENT', 'FIX_BROKEN')])).toEqual({ segments: [{ first: 0, last: 1 }], breaks: [] });
  });
});

describe('committedEntries', () => {
  it('keeps the lines up to state.json\'s revision and counts the others', () => {
    expect(committedEntries(SESSION, 2)).toEqual({ entries: SESSION.slice(0, 2), uncommitted: 1 });
    expect(committedEntries(SESSION, null)).toEqual({ entries: SESSION, uncommitted: 0 });
  });
});

describe('the log on disk', () => {
  let base: string;
  let paths: ProjectPaths;
  const read = (file: string) => readFileSync(file, 'utf8');

  beforeEach(() => {
    base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-event-log-')));
    mkdirSync(path.join(base, '.claude', 'progress'), { recursive: true });
    paths = projectPaths(base);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('appendEntry writes lines readLog reads back', async () => {
    for (const line of SESSION) await appendEntry(paths, line);
    expect(read(paths.events)).toBe(logText(SESSION));
    expect(readLog(paths)).toEqual({ entries: SESSION, problems: [] });
  });

  it('no log is an empty log, not a problem', () => {
    expect(readLog(paths)).toEqual({ entries: [], problems: [] });
  });

  describe('trimToCommitted', () => {
    it('a log that ends at the committed revision is left alone', async () => {
      writeFileSync(paths.events, logText(SESSION));
      expect(await trimToCommitted(paths, 3)).toBeNull();
      expect(read(paths.events)).toBe(logText(SESSION));
      expect(existsSync(`${paths.events}.uncommitted`)).toBe(false);
    });

    it('a line above the committed revision is moved to events.jsonl.uncommitted, and the message says how many', async () => {
      writeFileSync(paths.events, logText(SESSION));
      expect(await trimToCommitted(paths, 2)).toBe(`1 uncommitted or torn line(s) of ${LOG} moved to ${LOG}.uncommitted`);
      expect(read(paths.events)).toBe(logText(SESSION.slice(0, 2)));
      expect(read(`${paths.events}.uncommitted`)).toBe(`${JSON.stringify(SESSION[2])}\n`);
    });

    it('a torn last line is moved aside with its bytes, and the log ends with a whole line again', async () => {
      const torn = '{"revision":4,"at":"2026-12-01T00:00:00.000Z","event":{"type":"FEATURE_STA';
      writeFileSync(paths.events, `${logText(SESSION)}${torn}`);
      expect(await trimToCommitted(paths, 3)).toBe(`1 uncommitted or torn line(s) of ${LOG} moved to ${LOG}.uncommitted`);
      expect(read(paths.events)).toBe(logText(SESSION));
      expect(read(`${paths.events}.uncommitted`)).toBe(`${torn}\n`);
      // The next append starts on its own line.
      await appendEntry(paths, entry(4, 'HEALTH_BROKEN', 'IMPLEMENT', 'FIX_BROKEN'));
      expect(readLog(paths).problems).toEqual([]);
      expect(readLog(paths).entries.map((e) => e.revision)).toEqual([1, 2, 3, 4]);
    });

    it('a committed last line without its newline gets one, and nothing is set aside', async () => {
      writeFileSync(paths.events, logText(SESSION).trimEnd());
      expect(await trimToCommitted(paths, 3)).toBeNull();
      expect(read(paths.events)).toBe(logText(SESSION));
      expect(existsSync(`${paths.events}.uncommitted`)).toBe(false);
    });

    it('what was set aside before is never overwritten: a second trim adds to it', async () => {
      writeFileSync(paths.events, logText(SESSION));
      await trimToCommitted(paths, 2);
      await appendEntry(paths, entry(3, 'HEALTH_BROKEN', 'IMPLEMENT', 'FIX_BROKEN'));
      expect(await trimToCommitted(paths, 2)).not.toBeNull();
      expect(read(`${paths.events}.uncommitted`).trimEnd().split('\n').map((line) => JSON.parse(line).event.type)).toEqual(['FEATURE_STARTED', 'HEALTH_BROKEN']);
      expect(read(paths.events)).toBe(logText(SESSION.slice(0, 2)));
    });

    it('committed revision 0: every line goes aside and the log is left empty', async () => {
      writeFileSync(paths.events, logText(SESSION));
      expect(await trimToCommitted(paths, 0)).toBe(`3 uncommitted or torn line(s) of ${LOG} moved to ${LOG}.uncommitted`);
      expect(read(paths.events)).toBe('');
      expect(read(`${paths.events}.uncommitted`)).toBe(logText(SESSION));
    });

    it('no log: nothing to do, and no file is made', async () => {
      expect(await trimToCommitted(paths, 3)).toBeNull();
      expect(existsSync(paths.events)).toBe(false);
    });
  });
});
