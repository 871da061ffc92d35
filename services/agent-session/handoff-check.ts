/**
 * Whether a handoff has anything to do. Stop runs after every turn, so this is cheap: the mark
 * of what the last handoff was built from (a stat per file and the session record's counters,
 * no parsing, no git process) and the transcript's appended lines. No zod and no xstate: the
 * Stop hook answers "nothing new" from dist/hook-fast.js.
 */
import os from 'node:os';
import path from 'node:path';
import { gateRefusalsFile } from '../gate/gate-refusals.js';
import type { ProjectPaths } from '../project/paths.js';
import { readSessionRecord, readTranscriptTokens, updateMetrics, updateSessionRecord, type SessionRecord, type TranscriptRead } from './session-record.js';
import { isInside } from '../storage/read.js';
import { ownFileStats } from '../storage/write.js';
import { fileStamp } from '../utils/file-stamp.js';

export interface HandoffCheckOptions {
  /** The Claude Code session the hook speaks for: a Stop from a session that is no longer the current one hands nothing off. */
  sessionId?: string;
  transcriptPath?: string | null;
  /** A stamp of what git would report (actors/git-stamp.ts). */
  gitStamp: () => string;
}

/** The files a handoff is built from, stamped: the state (the machine: features, health) and what the session recorded. */
export function ownStamps(paths: ProjectPaths): string {
  return [paths.state, paths.features, paths.fileHistory, gateRefusalsFile(paths)].map((file) => fileStamp(ownFileStats(paths, file))).join('|');
}

/**
 * What a handoff was built from, as one string: the summary and the metrics row change only
 * when it does. `stamps` from ownStamps, `gitStamp` for what git would report (commits, the
 * index; actors/git-stamp.ts). Tokens are not in it: the transcript grows every turn and is
 * read on its own.
 */
export function handoffMark(stamps: string, record: SessionRecord, gitStamp: string): string {
  const counters = [record.decisions.length, record.blockers.length, record.compressions.manual, record.compressions.auto];
  return [stamps, counters.join(','), gitStamp].join('|');
}

/**
 * A transcript path remembered in session.json, which a clone can carry: used only when it is
 * where Claude Code keeps transcripts, so a clone cannot make baton read a file of its choosing.
 * (A path in the hook's own input comes from Claude Code and is used as it is.)
 */
function claudeTranscript(file: string | null): string | null {
  if (!file) return null;
  const projects = path.join(process.env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'projects');
  return file.endsWith('.jsonl') && isInside(projects, path.resolve(file)) ? file : null;
}

/**
 * The session's tokens, reading only what the transcript appended since the last read: from
 * the hook's transcript path, else the one remembered when it is Claude Code's. Null: none to read.
 */
export function transcriptTokens(record: SessionRecord, given: string | null | undefined): SessionRecord['transcript_read'] {
  const transcriptPath = given ?? claudeTranscript(record.transcript_path);
  return transcriptPath ? readTranscriptTokens(transcriptPath, record.transcript_read) : record.transcript_read;
}

export type HandoffCheck =
  | { kind: 'no-session' }
  /** The hook speaks for a session that is no longer the current one. */
  | { kind: 'other-session'; reason: string }
  /** Nothing for the summary since the last handoff; `transcript`: the transcript as read now. */
  | { kind: 'nothing-new' | 'tokens-only'; record: SessionRecord; transcript: TranscriptRead | null; reason: string }
  | { kind: 'hand-off'; record: SessionRecord };

/**
 * Whether a handoff has anything to do, reading no more than it must: the mark (a stat per
 * file) and the transcript's new lines. Runs in the Stop hook's fast path too (no zod, no xstate).
 */
export function checkHandoff(paths: ProjectPaths, options: HandoffCheckOptions): HandoffCheck {
  const record = readSessionRecord(paths);
  if (!record) return { kind: 'no-session' };
  // A Claude Code session's record is its own; one begun by `baton entry` is handed off by whichever session's hook comes.
  if (options.sessionId !== undefined && options.sessionId !== record.session_id && record.source !== 'cli') {
    return { kind: 'other-session', reason: `session ${options.sessionId} is not the current session (${record.session_id} is); it has nothing to hand off` };
  }
  const handedOff = record.ended_at !== null && record.handoff_mark === handoffMark(ownStamps(paths), record, options.gitStamp());
  // Not handed off since the last change: the handoff reads the transcript itself, once.
  if (!handedOff) return { kind: 'hand-off', record };
  const transcript = transcriptTokens(record, options.transcriptPath);
  if (!transcript || transcript.tokens === record.tokens_used) {
    return { kind: 'nothing-new', record, transcript, reason: `session ${record.session_id} already handed off at ${record.ended_at}; nothing new since` };
  }
  return { kind: 'tokens-only', record, transcript, reason: `session ${record.session_id} already handed off at ${record.ended_at}; only its token count changed (${transcript.tokens})` };
}

/**
 * A handoff with nothing for the summary still records who handed off last (a SessionEnd
 * after a Stop ends the session), how far the transcript was read, and a grown token count
 * (in the record and the metrics row). A Stop after a Stop with nothing appended writes nothing.
 */
export async function recordLightHandoff(paths: ProjectPaths, check: Extract<HandoffCheck, { kind: 'nothing-new' | 'tokens-only' }>, by: string): Promise<void> {
  const { record, transcript } = check;
  const readFurther = transcript !== null && (transcript.offset !== record.transcript_read?.offset || transcript.inode !== record.transcript_read?.inode);
  if (!readFurther && record.last_action === by) return;
  await updateSessionRecord(paths, (current) => {
    if (!current || current.session_id !== record.session_id) return null;
    // Another handoff moved the transcript on meanwhile: its count stands.
    const unmoved = current.transcript_read?.offset === record.transcript_read?.offset;
    return { ...current, last_action: by, ...(readFurther && unmoved ? { tokens_used: transcript.tokens, transcript_read: transcript } : {}) };
  });
  if (check.kind === 'tokens-only') await updateMetrics(paths, (rows) => rows.map((row) => (row.session_id === record.session_id ? { ...row, tokens_used: transcript!.tokens } : row)));
}
