/**
 * Where a session can be restored from when state.json cannot be used: the backup, the
 * checkpoint, or the event log replayed. Each source is checked before it counts: a stored
 * copy must validate, and the log counts only as far as it holds together (never replayed
 * across a gap or a line that does not follow). A bad source is never silently passed over:
 * it is reported, and a writer keeps its bytes aside before anything replaces it.
 */
import { readLog, type LogRead } from './event-log.js';
import { describeProblem, type FileProblem } from '../storage/json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { replay } from './replay.js';
import { parseCheckpointText, parseStateText, validateSnapshot, type PersistedSnapshot, type StateFile } from './state-file.js';
import { notice } from '../storage/notices.js';

import { readOwnText } from '../storage/read.js';
import { moveOwnAside } from '../storage/write.js';

export interface Candidate {
  source: 'log' | 'backup' | 'checkpoint';
  /** The file, as a user sees it; "(replayed)" for the log. */
  label: string;
  snapshot: PersistedSnapshot;
  revision: number;
  recordedAt: string;
  /** The state.json fields to carry over (the backup has them; the others do not). */
  previous: StateFile | null;
  /** What is wrong with it beyond its revision (the log past a gap), when something is. */
  note: string | null;
}

export interface Sources {
  candidates: Candidate[];
  /** Sources that could not be used, each naming its file and what is wrong. */
  problems: FileProblem[];
  log: LogRead;
}

/** The best source: newest first; on a tie, a stored copy before a replay. */
export function rankCandidates(candidates: readonly Candidate[]): Candidate[] {
  return [...candidates].sort((a, b) => b.revision - a.revision || Number(a.source === 'log') - Number(b.source === 'log'));
}

type StoredRead = { kind: 'missing' } | { kind: 'ok'; candidate: Candidate } | { kind: 'bad'; problem: FileProblem };

function readBackup(paths: ProjectPaths, now: Date): StoredRead {
  const read = readOwnText(paths, paths.stateBackup);
  if (read.kind !== 'ok') return read;
  const parsed = parseStateText(displayPath(paths, paths.stateBackup), read.text, now);
  if (parsed.kind === 'invalid') return { kind: 'bad', problem: parsed.problem };
  const { state } = parsed;
  return { kind: 'ok', candidate: { source: 'backup', label: displayPath(paths, paths.stateBackup), snapshot: state.snapshot, revision: state.revision, recordedAt: state.updated_at, previous: state, note: null } };
}

function readCheckpoint(paths: ProjectPaths): StoredRead {
  const read = readOwnText(paths, paths.checkpoint);
  if (read.kind !== 'ok') return read;
  const parsed = parseCheckpointText(displayPath(paths, paths.checkpoint), read.text);
  if (parsed.kind === 'invalid') return { kind: 'bad', problem: parsed.problem };
  const { checkpoint } = parsed;
  return { kind: 'ok', candidate: { source: 'checkpoint', label: displayPath(paths, paths.checkpoint), snapshot: checkpoint.snapshot, revision: checkpoint.revision, recordedAt: checkpoint.checkpoint_at, previous: null, note: null } };
}

function replayLog(paths: ProjectPaths, log: LogRead, now: Date): Candidate | null {
  if (log.entries.length === 0) return null;
  const replayed = replay(log.entries);
  if (replayed.revision === 0 || validateSnapshot(replayed.snapshot) !== null) return null;
  return {
    source: 'log',
    label: `${displayPath(paths, paths.events)} (replayed)`,
    snapshot: replayed.snapshot,
    revision: replayed.revision,
    recordedAt: replayed.entry?.at ?? now.toISOString(),
    previous: null,
    note: replayed.problem,
  };
}

/** Every source there is, checked. */
export function findSources(paths: ProjectPaths, now: Date): Sources {
  const candidates: Candidate[] = [];
  const problems: FileProblem[] = [];
  for (const read of [readBackup(paths, now), readCheckpoint(paths)]) {
    if (read.kind === 'ok') candidates.push(read.candidate);
    if (read.kind === 'bad') problems.push(read.problem);
  }
  const log = readLog(paths);
  const fromLog = replayLog(paths, log, now);
  if (fromLog) candidates.push(fromLog);
  return { candidates: rankCandidates(candidates), problems, log };
}

/** The highest revision any source knows, so a restored state never reuses a revision. */
export function highestRevision(sources: Sources): number {
  return Math.max(0, ...sources.candidates.map((candidate) => candidate.revision), ...sources.log.entries.map((entry) => entry.revision));
}

/**
 * For the commands that write: a backup or checkpoint that cannot be read is moved aside
 * (its bytes kept) before the next state write replaces it, and said so.
 */
export async function keepBadSourcesAside(paths: ProjectPaths, now: Date): Promise<void> {
  for (const [file, read] of [
    [paths.stateBackup, readBackup(paths, now)],
    [paths.checkpoint, readCheckpoint(paths)],
  ] as const) {
    if (read.kind !== 'bad') continue;
    const aside = await moveOwnAside(paths, file, 'bad', now);
    notice(`${describeProblem(read.problem)}; it cannot be recovered from, so it was kept as ${displayPath(paths, aside)}`);
  }
}
