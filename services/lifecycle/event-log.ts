/**
 * `.claude/progress/events.jsonl`: one line per accepted change, appended before state.json
 * is replaced. state.json is the commit point: a line whose revision is above the state's
 * was never committed (the writer died in between) and is set aside before the next append.
 */
import { displayPath, type ProjectPaths } from '../project/paths.js';
import type { FeatureListChange } from '../features/feature-list-history.js';
import type { PersistedSnapshot } from './state-file.js';
import { readOwnTail, readOwnText } from '../storage/read.js';
import { keepDamagedAside } from '../storage/damaged.js';
import { appendOwnLine, writeOwnFile } from '../storage/write.js';

export interface LoggedEvent {
  type: string;
  [key: string]: unknown;
}

export interface LogEntry {
  revision: number;
  at: string;
  event: LoggedEvent;
  /** Events baton sent before `event` in the same change (the feature list read from disk). */
  prelude?: LoggedEvent[];
  /** What the invoked actors reported, in order: replaying these reproduces the state without running them. */
  results?: LoggedEvent[];
  from: string;
  to: string;
  /** What the change did to the feature list (feature-list-history.ts); absent on lines of an older baton. */
  features?: FeatureListChange;
  /** The top-level states passed through on the way, when there were any between from and to. */
  path?: string[];
  /** The machine restarts from this snapshot (recovery, or an upgraded state.json). */
  reset?: PersistedSnapshot;
  note?: string;
}

export interface LogRead {
  entries: LogEntry[];
  problems: string[];
}

/** The log can be long; a file past this is refused rather than read into memory. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

function isEntry(value: unknown): value is LogEntry {
  const entry = value as LogEntry;
  return typeof entry === 'object' && entry !== null && Number.isInteger(entry.revision) && typeof entry.event?.type === 'string' && typeof entry.from === 'string' && typeof entry.to === 'string';
}

export function parseLog(file: string, text: string): LogRead {
  const entries: LogEntry[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  const torn = lines.at(-1) !== '';
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const last = index === lines.length - 1;
    try {
      const value = JSON.parse(line);
      if (isEntry(value)) entries.push(value);
      else problems.push(`${file} line ${index + 1}: not a log entry (needs revision, event.type, from and to); skipped`);
    } catch {
      problems.push(
        last && torn
          ? `${file} line ${index + 1}: torn last line (a write was cut off); ignored, the state does not depend on it`
          : `${file} line ${index + 1}: not valid JSON; skipped`,
      );
    }
  });
  return { entries, problems };
}

export function readLog(paths: ProjectPaths): LogRead {
  const read = readOwnText(paths, paths.events, { maxBytes: MAX_LOG_BYTES });
  if (read.kind === 'missing') return { entries: [], problems: [] };
  if (read.kind === 'bad') return { entries: [], problems: [`${read.problem.file}: ${read.problem.problem}`] };
  return parseLog(displayPath(paths, paths.events), read.text);
}

/** A stretch of the log (indexes into its entries, inclusive) that can be replayed on its own. */
export interface LogSegment {
  first: number;
  last: number;
}

export interface LogCheck {
  segments: LogSegment[];
  /** Where the log stops holding together, in words, in order. */
  breaks: { after: number; problem: string }[];
}

/**
 * Which stretches of the log can rebuild the session: each starts at revision 1 or at a line
 * carrying a snapshot to restart from (a recovery, an upgrade), and goes on while each revision
 * follows the one before and each line starts from the state the previous one went to. A
 * damaged line in the middle shows up as a gap; a recovery after it starts a new stretch.
 */
export function checkLog(entries: readonly LogEntry[]): LogCheck {
  const segments: LogSegment[] = [];
  const breaks: LogCheck['breaks'] = [];
  let open: LogSegment | null = null;
  entries.forEach((entry, index) => {
    const previous = index > 0 ? entries[index - 1]! : null;
    let problem: string | null = null;
    if (previous === null) {
      if (entry.revision !== 1 && !entry.reset) problem = `it starts at revision ${entry.revision}, with no snapshot to start from`;
    } else if (entry.revision !== previous.revision + 1) {
      problem = `revision ${previous.revision} is followed by revision ${entry.revision}`;
    } else if (!entry.reset && entry.from !== previous.to) {
      problem = `revision ${entry.revision} starts from ${entry.from}, but revision ${previous.revision} went to ${previous.to}`;
    }
    if (problem) {
      breaks.push({ after: previous?.revision ?? 0, problem });
      open = null;
    }
    const restarts = entry.reset !== undefined && (previous === null || entry.revision > previous.revision);
    if (open && !problem) open.last = index;
    else if (restarts || (previous === null && !problem)) {
      open = { first: index, last: index };
      segments.push(open);
    }
  });
  return { segments, breaks };
}

const TAIL_BYTES = 64 * 1024;

/** The revision of a log line, or null for a line that is not one. */
function revisionOf(line: string): number | null {
  try {
    const revision = (JSON.parse(line) as LogEntry).revision;
    return Number.isInteger(revision) ? revision : null;
  } catch {
    return null;
  }
}

/**
 * Makes the log end at `committedRevision` with a complete line, so the next append is
 * clean. Anything cut off is appended to `<log>.uncommitted`, never deleted.
 * Returns a description of what was set aside, if anything.
 */
export async function trimToCommitted(paths: ProjectPaths, committedRevision: number): Promise<string | null> {
  const tail = readOwnTail(paths, paths.events, TAIL_BYTES);
  if (tail.kind !== 'ok' || tail.text === '') return null;
  const lastLine = tail.text.split('\n').filter((line) => line.trim() !== '').at(-1) ?? '';
  const tailRevision = revisionOf(lastLine);
  if (tail.text.endsWith('\n') && tailRevision !== null && tailRevision <= committedRevision) return null;

  const read = readOwnText(paths, paths.events, { maxBytes: MAX_LOG_BYTES });
  if (read.kind === 'bad') {
    // Too big or unreadable to trim: kept whole, and the log starts again after it.
    await keepDamagedAside(paths, paths.events, read.problem, 'the log starts again with the next change (revisions before it cannot be replayed from the log)');
    return null;
  }
  if (read.kind !== 'ok') return null;
  const keep: string[] = [];
  const setAside: string[] = [];
  for (const line of read.text.split('\n')) {
    if (line.trim() === '') continue;
    const revision = revisionOf(line);
    if (revision !== null && revision <= committedRevision) keep.push(line);
    else setAside.push(line);
  }
  const log = displayPath(paths, paths.events);
  if (setAside.length > 0) await appendOwnLine(paths, `${paths.events}.uncommitted`, setAside.join('\n'));
  await writeOwnFile(paths, paths.events, keep.length > 0 ? `${keep.join('\n')}\n` : '');
  return setAside.length > 0 ? `${setAside.length} uncommitted or torn line(s) of ${log} moved to ${log}.uncommitted` : null;
}

export async function appendEntry(paths: ProjectPaths, entry: LogEntry): Promise<void> {
  await appendOwnLine(paths, paths.events, JSON.stringify(entry));
}

/** Entries up to the committed revision (state.json's): lines above it were never committed. */
export function committedEntries(entries: LogEntry[], committedRevision: number | null): { entries: LogEntry[]; uncommitted: number } {
  if (committedRevision === null) return { entries, uncommitted: 0 };
  const kept = entries.filter((entry) => entry.revision <= committedRevision);
  return { entries: kept, uncommitted: entries.length - kept.length };
}
