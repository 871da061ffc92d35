/** Phase 3 of the entry protocol: the last session's summary and the recently edited files. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedContext } from '../machines/observations.js';
import { readFileHistory } from '../services/agent-session/file-history.js';
import { describeProblem } from '../services/storage/json-file.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { notice } from '../services/storage/notices.js';
import { listOwnDir, ownFileStats } from '../services/storage/write.js';

/** Where the spec's script looks for summaries; read as a fallback so both tools agree. */
export const SPEC_SUMMARY_DIR = '/tmp/summary';

const SUMMARY_NAME = /^session_.*\.md$/;

/** The newest of baton's own summaries: regular files in the real summaries folder. */
async function newestOwnSummary(paths: ProjectPaths): Promise<string | null> {
  const list = await listOwnDir(paths, paths.summaries);
  if (list.kind !== 'ok') return null;
  let newest: { file: string; mtime: number } | null = null;
  for (const name of list.names.filter((item) => SUMMARY_NAME.test(item))) {
    const file = path.join(paths.summaries, name);
    const stats = ownFileStats(paths, file);
    if (stats && (!newest || stats.mtimeMs > newest.mtime)) newest = { file, mtime: stats.mtimeMs };
  }
  return newest?.file ?? null;
}

/** The spec script's summary folder: only its newest file's name is reported, never its content. */
async function newestSpecSummary(dir: string): Promise<string | null> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let newest: { file: string; mtime: number } | null = null;
  for (const name of names.filter((item) => SUMMARY_NAME.test(item))) {
    const file = path.join(dir, name);
    const stats = await fs.lstat(file).catch(() => null);
    if (stats?.isFile() && (!newest || stats.mtimeMs > newest.mtime)) newest = { file, mtime: stats.mtimeMs };
  }
  return newest?.file ?? null;
}

export async function loadSessionContext(paths: ProjectPaths, specSummaryDir = SPEC_SUMMARY_DIR): Promise<LoadedContext> {
  const history = readFileHistory(paths);
  if (history.damage) notice(`${describeProblem(history.damage.problem)}; git's recent files are used instead (the next edit keeps the file aside)`);
  const own = await newestOwnSummary(paths);
  // No tracked files: the entry falls back to the files of git's recent commits.
  return { latestSummary: own ?? (await newestSpecSummary(specSummaryDir)), fileHistory: history.files.length > 0 ? history.files.slice(0, 5) : null };
}
