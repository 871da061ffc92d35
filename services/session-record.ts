/**
 * The agent session (one Claude Code session, or one run from `baton entry` to `baton end`)
 * as baton records it: `.claude/progress/session.json` while it runs, one row per session
 * in `metrics.json` when it hands off. Counters the event log cannot know (compressions,
 * tokens) are kept here, gate refusals in gate-refusals.jsonl (services/gate-refusals.ts);
 * everything else is derived from the log at the end.
 *
 * No zod and no xstate here: the hooks that update these counters run on every tool call.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { acquireLock } from './lock.js';
import type { ProjectPaths } from './paths.js';

export interface SessionRecord {
  session_id: string;
  /** startup | resume | clear | compact | cli */
  source: string;
  started_at: string;
  /** The state.json revision when the session started: its events are the ones after it. */
  start_revision: number;
  start_head: string | null;
  ended_at: string | null;
  /** The state revision at the last handoff: a handoff with nothing new since changes nothing. */
  end_revision: number | null;
  last_action: string | null;
  compressions: { manual: number; auto: number };
  tokens_used: number | null;
  transcript_path: string | null;
  decisions: string[];
  blockers: string[];
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

export function sessionFile(paths: ProjectPaths): string {
  return path.join(paths.progressDir, 'session.json');
}

export function metricsFile(paths: ProjectPaths): string {
  return path.join(paths.progressDir, 'metrics.json');
}

export async function readSessionRecord(paths: ProjectPaths): Promise<SessionRecord | null> {
  try {
    const record = JSON.parse(await fs.readFile(sessionFile(paths), 'utf8')) as SessionRecord;
    return typeof record.session_id === 'string' ? record : null;
  } catch {
    return null;
  }
}

export function newSessionRecord(options: { sessionId?: string; source: string; startRevision: number; startHead: string | null; transcriptPath?: string | null; now?: Date }): SessionRecord {
  return {
    session_id: options.sessionId ?? randomUUID(),
    source: options.source,
    started_at: (options.now ?? new Date()).toISOString(),
    start_revision: options.startRevision,
    start_head: options.startHead,
    ended_at: null,
    end_revision: null,
    last_action: null,
    compressions: { manual: 0, auto: 0 },
    tokens_used: null,
    transcript_path: options.transcriptPath ?? null,
    decisions: [],
    blockers: [],
  };
}

/** Read-modify-write of session.json under the progress lock. */
export async function updateSessionRecord(paths: ProjectPaths, update: (record: SessionRecord | null) => SessionRecord | null): Promise<SessionRecord | null> {
  await fs.mkdir(paths.progressDir, { recursive: true });
  const lock = await acquireLock(paths.lock);
  try {
    const next = update(await readSessionRecord(paths));
    if (next) await writeFileAtomic(sessionFile(paths), `${JSON.stringify(next, null, 2)}\n`);
    return next;
  } finally {
    await lock.release();
  }
}

export async function readMetrics(paths: ProjectPaths): Promise<MetricsRow[]> {
  try {
    const parsed = JSON.parse(await fs.readFile(metricsFile(paths), 'utf8')) as { sessions?: MetricsRow[] };
    return Array.isArray(parsed.sessions) ? parsed.sessions : [];
  } catch {
    return [];
  }
}

/** One row per session id: a second handoff of the same session replaces its row. */
export async function upsertMetrics(paths: ProjectPaths, row: MetricsRow): Promise<void> {
  const rows = (await readMetrics(paths)).filter((existing) => existing.session_id !== row.session_id);
  await writeFileAtomic(metricsFile(paths), `${JSON.stringify({ sessions: [...rows, row] }, null, 2)}\n`);
}

/**
 * Tokens used, summed from a Claude Code transcript (JSONL). A message split over several
 * lines repeats its usage, so each message id counts once. Null when unreadable.
 */
export async function sumTranscriptTokens(transcriptPath: string): Promise<number | null> {
  let text: string;
  try {
    text = await fs.readFile(transcriptPath, 'utf8');
  } catch {
    return null;
  }
  const seen = new Set<string>();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.includes('"usage"')) continue;
    try {
      const entry = JSON.parse(line) as { message?: { id?: string; usage?: Record<string, unknown> } };
      const usage = entry.message?.usage;
      if (!usage) continue;
      const id = entry.message?.id;
      if (id) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']) {
        const value = usage[key];
        if (typeof value === 'number') total += value;
      }
    } catch {
      // a torn line at the end of a live transcript
    }
  }
  return total;
}
