/**
 * What a handoff was built from, as one string: the summary and the metrics row change only
 * when it does. Stop runs after every turn, so this is the cheap way to know there is nothing
 * new: a stat per file and the session record's counters, no parsing, no git process. Tokens
 * are not in it: the transcript grows every turn and is read incrementally on its own.
 */
import { gateRefusalsFile } from './gate-refusals.js';
import type { ProjectPaths } from './paths.js';
import type { SessionRecord } from './session-record.js';
import { ownFileStats } from './storage/write.js';

/** Size and modification time: any write to the file changes one of them. */
function ownStamp(paths: ProjectPaths, file: string): string {
  const stats = ownFileStats(paths, file);
  return stats ? `${stats.size}@${stats.mtimeMs}` : '-';
}

/**
 * `gitStamp` stands for what git would report (commits, the index), from the caller: the
 * state file carries the machine (features, health), the others what the session recorded.
 */
export function handoffMark(paths: ProjectPaths, record: SessionRecord, gitStamp: string): string {
  const files = [paths.state, paths.features, paths.fileHistory, gateRefusalsFile(paths)].map((file) => ownStamp(paths, file));
  const counters = [record.decisions.length, record.blockers.length, record.compressions.manual, record.compressions.auto];
  return [...files, counters.join(','), gitStamp].join('|');
}
