/**
 * `.claude/progress/events.jsonl`: one line per accepted change, appended before state.json
 * is replaced. state.json is the commit point: a line whose revision is above the state's
 * was never committed (the writer died in between) and is set aside before the next append.
 */
import { promises as fs } from 'node:fs';
import { appendLineDurably, writeFileAtomic } from './atomic-file.js';
import type { PersistedSnapshot } from './state-file.js';

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

function isEntry(value: unknown): value is LogEntry {
  const entry = value as LogEntry;
  return typeof entry === 'object' && entry !== null && Number.isInteger(entry.revision) && typeof entry.event?.type === 'string';
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
      else problems.push(`${file} line ${index + 1}: not a log entry (needs revision and event.type); skipped`);
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

export async function readLog(file: string): Promise<LogRead> {
  try {
    return parseLog(file, await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], problems: [] };
    throw error;
  }
}

const TAIL_BYTES = 64 * 1024;

/** The last line of the file, read from its end only (the log can be long). */
async function lastLine(file: string): Promise<{ line: string; endsWithNewline: boolean } | null> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return null;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const endsWithNewline = text.endsWith('\n');
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    return { line: lines.at(-1) ?? '', endsWithNewline };
  } finally {
    await handle.close();
  }
}

/**
 * Makes the log end at `committedRevision` with a complete line, so the next append is
 * clean. Anything cut off is appended to `<log>.uncommitted`, never deleted.
 * Returns a description of what was set aside, if anything.
 */
export async function trimToCommitted(file: string, committedRevision: number): Promise<string | null> {
  const tail = await lastLine(file);
  if (tail === null) return null;
  let tailRevision: number | null = null;
  try {
    tailRevision = (JSON.parse(tail.line) as LogEntry).revision;
  } catch {
    tailRevision = null;
  }
  if (tail.endsWithNewline && tailRevision !== null && tailRevision <= committedRevision) return null;

  const text = await fs.readFile(file, 'utf8');
  const keep: string[] = [];
  const setAside: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let revision: number | null = null;
    try {
      revision = (JSON.parse(line) as LogEntry).revision;
    } catch {
      revision = null;
    }
    if (revision !== null && revision <= committedRevision) keep.push(line);
    else setAside.push(line);
  }
  if (setAside.length > 0) await appendLineDurably(`${file}.uncommitted`, setAside.join('\n'));
  await writeFileAtomic(file, keep.length > 0 ? `${keep.join('\n')}\n` : '');
  return setAside.length > 0 ? `${setAside.length} uncommitted or torn line(s) of ${file} moved to ${file}.uncommitted` : null;
}

export async function appendEntry(file: string, entry: LogEntry): Promise<void> {
  await appendLineDurably(file, JSON.stringify(entry));
}

/** Entries up to the committed revision (state.json's): lines above it were never committed. */
export function committedEntries(entries: LogEntry[], committedRevision: number | null): { entries: LogEntry[]; uncommitted: number } {
  if (committedRevision === null) return { entries, uncommitted: 0 };
  const kept = entries.filter((entry) => entry.revision <= committedRevision);
  return { entries: kept, uncommitted: entries.length - kept.length };
}
