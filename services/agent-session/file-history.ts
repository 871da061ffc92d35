/**
 * `.claude/progress/file_history.json`: the files the agent edited lately, most recent first,
 * no duplicates, bounded. One reader for everyone (the entry's recent files, the summary, the
 * PostToolUse hook). No zod: the hook runs on every edit.
 */
import type { FileProblem } from '../storage/json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { keepDamagedAside } from '../storage/damaged.js';
import { acquireLock } from '../storage/lock.js';

import { readOwnJson } from '../storage/read.js';
import { writeOwnFile } from '../storage/write.js';

export const FILE_HISTORY_LIMIT = 50;

export interface FileHistory {
  files: string[];
  damage: { problem: FileProblem; recovered: string } | null;
}

/** Accepts baton's own list of paths, and the shapes other tools write ({files: [...]}, [{path}]). */
function pathsIn(value: unknown): { files: string[]; dropped: number } | null {
  const list = Array.isArray(value) ? value : Array.isArray((value as { files?: unknown })?.files) ? (value as { files: unknown[] }).files : null;
  if (!list) return null;
  const files = list
    .map((item) => (typeof item === 'string' ? item : typeof (item as { path?: unknown })?.path === 'string' ? (item as { path: string }).path : null))
    .filter((item): item is string => item !== null && item.trim() !== '');
  return { files, dropped: list.length - files.length };
}

export function readFileHistory(paths: ProjectPaths): FileHistory {
  const read = readOwnJson(paths, paths.fileHistory);
  if (read.kind === 'missing') return { files: [], damage: null };
  if (read.kind === 'invalid') return { files: [], damage: { problem: read.problem, recovered: 'started a new history' } };
  const found = pathsIn(read.value);
  const file = displayPath(paths, paths.fileHistory);
  if (!found) return { files: [], damage: { problem: { file, problem: 'is not a list of file paths' }, recovered: 'started a new history' } };
  if (found.dropped === 0) return { files: found.files, damage: null };
  return { files: found.files, damage: { problem: { file, problem: `has ${found.dropped} entr${found.dropped === 1 ? 'y' : 'ies'} that are not file paths` }, recovered: `kept its ${found.files.length} paths` } };
}

/** Puts `relative` first. Editing the file that is already first (the common case) writes nothing. */
export async function recordEdit(paths: ProjectPaths, relative: string): Promise<void> {
  if (readFileHistory(paths).files[0] === relative) return;
  const lock = await acquireLock(paths, { timeoutMs: 2_000 });
  try {
    const { files, damage } = readFileHistory(paths);
    if (damage) await keepDamagedAside(paths, paths.fileHistory, damage.problem, damage.recovered);
    const next = [relative, ...files.filter((item) => item !== relative)].slice(0, FILE_HISTORY_LIMIT);
    await writeOwnFile(paths, paths.fileHistory, `${JSON.stringify(next, null, 2)}\n`, { durable: false });
  } finally {
    await lock.release();
  }
}
