/**
 * Where a session is restored from when state.json cannot be used, against the source on a
 * real temp directory: the backup, the checkpoint and the replayed log, each checked, ranked
 * newest first (a stored copy before a replay of the same revision); a bad source is named,
 * never silently passed over, and kept aside before it is replaced.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINE_VERSION } from '../../../machines/session.js';
import { findSources, highestRevision, keepBadSourcesAside, rankCandidates, type Candidate } from '../../../services/lifecycle/recovery.js';
import { CHECKPOINT_SCHEMA_VERSION, STATE_SCHEMA_VERSION } from '../../../services/storage/schema-versions.js';
import { serializeState, snapshotForState, topStateOf } from '../../../services/lifecycle/state-file.js';
import { AT, SESSION, entry, logText } from '../session-log.js';
import { takeNotices } from '../../../services/storage/notices.js';
import { useTempProject } from '../temp-project.js';

const now = new Date('2026-12-02T00:00:00.000Z');
const BACKUP = '.claude/progress/state.json.bak';
const CHECKPOINT = '.claude/progress/checkpoint.json';
const REPLAYED = '.claude/progress/events.jsonl (replayed)';

describe('rankCandidates', () => {
  const candidate = (source: Candidate['source'], revision: number): Candidate => ({ source, revision, label: source, snapshot: snapshotForState('INIT', 'UNKNOWN'), recordedAt: AT, previous: null, note: null });

  it('newest first; a stored copy before a replay of the same revision', () => {
    expect(rankCandidates([candidate('log', 5), candidate('backup', 5), candidate('checkpoint', 7)]).map((c) => c.source)).toEqual(['checkpoint', 'backup', 'log']);
    expect(rankCandidates([candidate('log', 4), candidate('checkpoint', 4)]).map((c) => c.source)).toEqual(['checkpoint', 'log']);
  });

  it('ranks by the source, not by what its label says', () => {
    const misleading = { ...candidate('log', 4), label: 'state.json.bak' };
    const backup = { ...candidate('backup', 4), label: 'events.jsonl (replayed)' };
    expect(rankCandidates([misleading, backup])).toEqual([backup, misleading]);
  });
});

describe('findSources on disk', () => {
  const temp = useTempProject('baton-recovery-');

  const writeBackup = (revision: number) =>
    writeFileSync(
      temp.paths.stateBackup,
      serializeState({
        state: 'IMPLEMENT',
        entered_at: AT,
        health_status: 'UNKNOWN',
        history: [],
        dirty: false,
        schema_version: STATE_SCHEMA_VERSION,
        machine_version: MACHINE_VERSION,
        revision,
        updated_at: AT,
        pending: null,
        snapshot: snapshotForState('IMPLEMENT', 'UNKNOWN'),
      }),
    );
  const writeCheckpoint = (revision: number) =>
    writeFileSync(temp.paths.checkpoint, JSON.stringify({ schema_version: CHECKPOINT_SCHEMA_VERSION, checkpoint_at: AT, revision, state: 'INIT', snapshot: snapshotForState('INIT', 'UNKNOWN') }));
  const labels = (candidates: Candidate[]) => candidates.map((c) => [c.label, c.revision]);

  it('nothing to restore from: no candidates, no problems, revision 0', () => {
    const sources = findSources(temp.paths, now);
    expect(sources).toMatchObject({ candidates: [], problems: [] });
    expect(highestRevision(sources)).toBe(0);
  });

  it('all three sources, newest first: the log (3), the backup (2), the checkpoint (1)', () => {
    writeBackup(2);
    writeCheckpoint(1);
    writeFileSync(temp.paths.events, logText(SESSION));
    const sources = findSources(temp.paths, now);
    expect(labels(sources.candidates)).toEqual([
      [REPLAYED, 3],
      [BACKUP, 2],
      [CHECKPOINT, 1],
    ]);
    expect(sources.problems).toEqual([]);
    const [log, backup] = sources.candidates;
    expect(topStateOf(log!.snapshot.value)).toBe('IMPLEMENT');
    expect(log!.recordedAt).toBe(AT);
    // Only the backup carries state.json's own fields over.
    expect(backup!.previous?.revision).toBe(2);
    expect(log!.previous).toBeNull();
    expect(highestRevision(sources)).toBe(3);
  });

  it('a backup as new as the log is preferred to replaying it', () => {
    writeBackup(3);
    writeFileSync(temp.paths.events, logText(SESSION));
    expect(labels(findSources(temp.paths, now).candidates)).toEqual([
      [BACKUP, 3],
      [REPLAYED, 3],
    ]);
  });

  it('a damaged backup is named with what is wrong, and the other sources still count', () => {
    writeFileSync(temp.paths.stateBackup, '{"revision": 2, "sta');
    writeCheckpoint(1);
    const sources = findSources(temp.paths, now);
    expect(labels(sources.candidates)).toEqual([[CHECKPOINT, 1]]);
    expect(sources.problems).toHaveLength(1);
    expect(sources.problems[0]).toMatchObject({ file: BACKUP });
    expect(sources.problems[0]!.problem).toMatch(/truncated/);
  });

  it('a checkpoint in a state the machine does not have is named, not restored', () => {
    writeFileSync(temp.paths.checkpoint, JSON.stringify({ schema_version: CHECKPOINT_SCHEMA_VERSION, checkpoint_at: AT, revision: 5, state: 'INIT', snapshot: { ...snapshotForState('INIT', 'UNKNOWN'), value: 'NOPE' } }));
    const sources = findSources(temp.paths, now);
    expect(sources.candidates).toEqual([]);
    expect(sources.problems).toEqual([expect.objectContaining({ file: CHECKPOINT, location: 'snapshot' })]);
  });

  it('a log with a gap counts up to the gap, says why, and its later revisions are still never reused', () => {
    writeFileSync(temp.paths.events, logText([SESSION[0]!, SESSION[2]!, entry(4, 'HEALTH_BROKEN', 'IMPLEMENT', 'FIX_BROKEN')]));
    const sources = findSources(temp.paths, now);
    expect(labels(sources.candidates)).toEqual([[REPLAYED, 1]]);
    expect(sources.candidates[0]!.note).toBe('the log does not hold together after revision 1: revision 1 is followed by revision 3');
    expect(highestRevision(sources)).toBe(4);
  });

  it('a log that starts past revision 1 with no snapshot is no source', () => {
    writeFileSync(temp.paths.events, logText(SESSION.slice(1)));
    const sources = findSources(temp.paths, now);
    expect(sources.candidates).toEqual([]);
    expect(highestRevision(sources)).toBe(3);
  });

  it('keepBadSourcesAside moves a bad backup aside with its bytes, and says where', async () => {
    const bad = '{"revision": 2, "sta';
    writeFileSync(temp.paths.stateBackup, bad);
    writeCheckpoint(1);
    const checkpointBefore = readFileSync(temp.paths.checkpoint, 'utf8');
    await keepBadSourcesAside(temp.paths, now);
    expect(existsSync(temp.paths.stateBackup)).toBe(false);
    const aside = readdirSync(temp.paths.progressDir).filter((name) => name.startsWith('state.json.bak.bad-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(temp.paths.progressDir, aside[0]!), 'utf8')).toBe(bad);
    // The good checkpoint stays where it is.
    expect(readFileSync(temp.paths.checkpoint, 'utf8')).toBe(checkpointBefore);
    const notices = takeNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`${BACKUP}`);
    expect(notices[0]).toContain(`it cannot be recovered from, so it was kept as .claude/progress/${aside[0]}`);
  });
});
