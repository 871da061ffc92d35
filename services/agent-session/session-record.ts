/**
 * The agent session (one Claude Code session, or one run from `baton entry` to `baton end`)
 * as baton records it: `.claude/progress/session.json` while it runs, one row per session
 * in `metrics.json` when it hands off. Counters the event log cannot know (compressions,
 * tokens) are kept here, gate refusals in gate-refusals.jsonl (services/gate/gate-refusals.ts);
 * everything else is derived from the log at the end.
 *
 * No zod and no xstate here: the hooks that update these counters run on every tool call.
 */
import { randomUUID } from 'node:crypto';
import type { FileProblem } from '../storage/json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { keepDamagedAside } from '../storage/damaged.js';
import { acquireLock } from '../storage/lock.js';

import { readNamedLinesFrom, readOwnJson, type LinePosition } from '../storage/read.js';
import { writeOwnFile } from '../storage/write.js';

export interface SessionRecord {
  session_id: string;
  /** startup | resume | clear | compact | cli */
  source: string;
  started_at: string;
  /** The state.json revision when the session started: its events are the ones after it. */
  start_revision: number;
  start_head: string | null;
  ended_at: string | null;
  last_action: string | null;
  compressions: { manual: number; auto: number };
  tokens_used: number | null;
  transcript_path: string | null;
  decisions: string[];
  blockers: string[];
  /** How far the transcript has been read, so each handoff reads only what was appended since. */
  transcript_read: TranscriptRead | null;
  /** What the last handoff was built from (services/agent-session/handoff-check.ts): a Stop with the same has nothing new. */
  handoff_mark: string | null;
  /** What git said at the last handoff (a key): SessionEnd and `baton end` compare it. */
  handoff_git: string | null;
  /** This session's metrics row from before it was resumed: the handoff continues it. */
  continues: MetricsRow | null;
}

export interface TranscriptRead extends LinePosition {
  path: string;
  tokens: number;
  /** The last message ids counted: a message split over lines repeats its usage on each. */
  recent_ids: string[];
}

export interface MetricsRow {
  session_id: string;
  started_at: string;
  ended_at: string | null;
  /** How the session ended: a handoff (end, Stop, SessionEnd), or never (found by the next session). */
  ended_by: 'handoff' | 'never';
  health_status: string;
  states_visited: string[];
  compressions: number;
  retries: number;
  tokens_used: number | null;
  features_completed: number;
  health_checks_passed: number;
  health_checks_failed: number;
  gate_refusals: number;
}

export function newSessionRecord(options: {
  sessionId?: string;
  source: string;
  startRevision: number;
  startHead: string | null;
  transcriptPath?: string | null;
  now?: Date;
  continues?: MetricsRow | null;
}): SessionRecord {
  return {
    session_id: options.sessionId ?? randomUUID(),
    source: options.source,
    started_at: (options.now ?? new Date()).toISOString(),
    start_revision: options.startRevision,
    start_head: options.startHead,
    ended_at: null,
    last_action: null,
    compressions: { manual: 0, auto: 0 },
    tokens_used: null,
    transcript_path: options.transcriptPath ?? null,
    decisions: [],
    blockers: [],
    transcript_read: null,
    handoff_mark: null,
    handoff_git: null,
    continues: options.continues ?? null,
  };
}

/** A Stop ends a turn, not the session: a record not handed off, or last handed off by a Stop, goes on. */
export function sessionGoesOn(record: SessionRecord): boolean {
  return record.ended_at === null || record.last_action === 'Stop';
}

// Hand-written checks, not zod: these run in the per-tool-call hooks.
const isString = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
const orNull = <T>(check: (value: unknown) => value is T) => (value: unknown): value is T | null => value === null || check(value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

const RECORD_FIELDS: { [K in keyof SessionRecord]: (value: unknown) => boolean } = {
  session_id: isString,
  source: isString,
  started_at: isString,
  start_revision: isCount,
  start_head: orNull(isString),
  ended_at: orNull(isString),
  last_action: orNull(isString),
  compressions: (value) => isCount((value as { manual?: unknown })?.manual) && isCount((value as { auto?: unknown })?.auto),
  tokens_used: orNull(isCount),
  transcript_path: orNull(isString),
  decisions: isStrings,
  blockers: isStrings,
  transcript_read: orNull((value): value is TranscriptRead => {
    const read = value as TranscriptRead;
    return Boolean(read) && isString(read.path) && isCount(read.offset) && isCount(read.inode) && isString(read.tail) && isCount(read.tokens) && isStrings(read.recent_ids);
  }),
  handoff_mark: orNull(isString),
  handoff_git: orNull(isString),
  continues: orNull((value): value is MetricsRow => isMetricsRow(value)),
};

/** What a record file holds: the fields that are right, the defaults for the others, and which those were. */
export function salvageSessionRecord(value: unknown): { record: SessionRecord; wrong: string[] } | null {
  if (!value || typeof value !== 'object' || Array.isArray(value) || !isString((value as { session_id?: unknown }).session_id)) return null;
  const given = value as Record<string, unknown>;
  const defaults = newSessionRecord({ sessionId: given.session_id as string, source: 'unknown', startRevision: 0, startHead: null, now: new Date(0) });
  const record = { ...given } as Record<string, unknown>;
  const wrong: string[] = [];
  for (const [field, check] of Object.entries(RECORD_FIELDS)) {
    if (check(given[field])) continue;
    if (given[field] !== undefined) wrong.push(field);
    record[field] = defaults[field as keyof SessionRecord];
  }
  return { record: record as unknown as SessionRecord, wrong };
}

type Damage = { problem: FileProblem; recovered: string };

/** session.json as far as it can be read, and what is wrong with it. */
export function loadSessionRecord(paths: ProjectPaths): { record: SessionRecord | null; damage: Damage | null } {
  const read = readOwnJson(paths, paths.session);
  if (read.kind === 'missing') return { record: null, damage: null };
  if (read.kind === 'invalid') return { record: null, damage: { problem: read.problem, recovered: "none of it could be read back (the open session's decisions and blockers are in the kept file)" } };
  const salvaged = salvageSessionRecord(read.value);
  if (!salvaged) return { record: null, damage: { problem: { file: displayPath(paths, paths.session), problem: 'is not a session record (no session_id)' }, recovered: 'nothing could be recovered from it' } };
  if (salvaged.wrong.length === 0) return { record: salvaged.record, damage: null };
  const problem = { file: displayPath(paths, paths.session), location: salvaged.wrong.join(', '), problem: 'has the wrong type' };
  return { record: salvaged.record, damage: { problem, recovered: 'kept its other fields' } };
}

export function readSessionRecord(paths: ProjectPaths): SessionRecord | null {
  return loadSessionRecord(paths).record;
}

/** Read-modify-write of session.json under the progress lock; a damaged file is kept aside before it is replaced. */
export async function updateSessionRecord(paths: ProjectPaths, update: (record: SessionRecord | null) => SessionRecord | null): Promise<SessionRecord | null> {
  const lock = await acquireLock(paths);
  try {
    const { record, damage } = loadSessionRecord(paths);
    const next = update(record);
    if (next) {
      if (damage) await keepDamagedAside(paths, paths.session, damage.problem, damage.recovered);
      await writeOwnFile(paths, paths.session, `${JSON.stringify(next, null, 2)}\n`);
    }
    return next;
  } finally {
    await lock.release();
  }
}

const METRICS_FIELDS: { [K in keyof MetricsRow]: (value: unknown) => boolean } = {
  session_id: isString,
  started_at: isString,
  ended_at: orNull(isString),
  ended_by: (value) => value === 'handoff' || value === 'never',
  health_status: isString,
  states_visited: isStrings,
  compressions: isCount,
  retries: isCount,
  tokens_used: orNull(isCount),
  features_completed: isCount,
  health_checks_passed: isCount,
  health_checks_failed: isCount,
  gate_refusals: isCount,
};

const isMetricsRow = (row: unknown): row is MetricsRow =>
  Boolean(row) && typeof row === 'object' && Object.entries(METRICS_FIELDS).every(([field, check]) => check((row as Record<string, unknown>)[field]));

export interface MetricsRead {
  rows: MetricsRow[];
  damage: Damage | null;
}

/** metrics.json's rows; a damaged file gives the rows that are whole, and says what is wrong. */
export function readMetrics(paths: ProjectPaths): MetricsRead {
  const read = readOwnJson<{ sessions?: unknown }>(paths, paths.metrics);
  if (read.kind === 'missing') return { rows: [], damage: null };
  if (read.kind === 'invalid') return { rows: [], damage: { problem: read.problem, recovered: 'none of its rows could be read back' } };
  const sessions = read.value?.sessions;
  const file = displayPath(paths, paths.metrics);
  if (!Array.isArray(sessions)) return { rows: [], damage: { problem: { file, location: 'sessions', problem: 'must be an array of rows' }, recovered: 'none of its rows could be read back' } };
  const rows = sessions.filter(isMetricsRow);
  if (rows.length === sessions.length) return { rows, damage: null };
  const bad = sessions.map((row, index) => (isMetricsRow(row) ? null : index)).filter((index) => index !== null);
  return { rows, damage: { problem: { file, location: bad.map((index) => `sessions[${index}]`).join(', '), problem: 'not a metrics row' }, recovered: `recovered ${rows.length} of its ${sessions.length} rows` } };
}

/** metrics.json's rows, changed under the progress lock; a damaged file is kept aside first. */
export async function updateMetrics(paths: ProjectPaths, update: (rows: MetricsRow[]) => MetricsRow[]): Promise<void> {
  const lock = await acquireLock(paths);
  try {
    const { rows, damage } = readMetrics(paths);
    if (damage) await keepDamagedAside(paths, paths.metrics, damage.problem, damage.recovered);
    await writeOwnFile(paths, paths.metrics, `${JSON.stringify({ sessions: update(rows) }, null, 2)}\n`);
  } finally {
    await lock.release();
  }
}

/** One row per session id, in the order the sessions started: a second handoff of the same session replaces its row where it is. */
export async function upsertMetrics(paths: ProjectPaths, row: MetricsRow): Promise<void> {
  await updateMetrics(paths, (rows) => {
    const at = rows.findIndex((existing) => existing.session_id === row.session_id);
    return at === -1 ? [...rows, row] : rows.map((existing, index) => (index === at ? row : existing));
  });
}

const RECENT_IDS = 16;
const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'];

/** What one handoff reads of a transcript: a first read of a huge one is refused, and its tokens stay unknown. */
const TRANSCRIPT_READ_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Tokens used, summed from a Claude Code transcript (JSONL), reading only the lines appended
 * since `since` (the same file read before). Null when unreadable.
 */
export function readTranscriptTokens(transcriptPath: string, since: TranscriptRead | null): TranscriptRead | null {
  const previous = since?.path === transcriptPath ? since : null;
  let tokens = previous?.tokens ?? 0;
  let recent = [...(previous?.recent_ids ?? [])];
  const parse = (line: string): { message?: { id?: string; usage?: Record<string, unknown> } } | null => {
    try {
      return JSON.parse(line);
    } catch {
      return null;
    }
  };
  const count = (line: string) => {
    const entry = line.includes('"usage"') ? parse(line) : null;
    const usage = entry?.message?.usage;
    if (!usage) return;
    const id = entry.message?.id;
    if (id) {
      if (recent.includes(id)) return;
      recent = [...recent, id].slice(-RECENT_IDS);
    }
    for (const key of USAGE_KEYS) if (typeof usage[key] === 'number') tokens += usage[key] as number;
  };
  // The path may come from session.json, which a clone can carry: a regular file, bounded, or nothing.
  // A last line without its newline counts once it is whole JSON; until then it is still being written.
  const isWhole = (line: string) => line.trim() !== '' && parse(line) !== null;
  const read = readNamedLinesFrom(transcriptPath, previous, count, { maxBytes: TRANSCRIPT_READ_MAX_BYTES, isWhole });
  if (read.kind !== 'ok') return null;
  if (previous && read.from !== previous.offset) {
    // Another file in its place: what was counted from the old one is gone with it.
    return readTranscriptTokens(transcriptPath, null);
  }
  return { path: transcriptPath, ...read.position, tokens, recent_ids: recent };
}
