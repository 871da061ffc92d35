/** Phase 3 of the entry protocol: the last session's summary and the recently edited files. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedContext } from '../machines/observations.js';
import type { ProjectPaths } from '../services/paths.js';

/** Where the spec's script looks for summaries; read as a fallback so both tools agree. */
export const SPEC_SUMMARY_DIR = '/tmp/summary';

async function newestSummary(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((name) => /^session_.*\.md$/.test(name));
  } catch {
    return null;
  }
  let newest: { file: string; mtime: number } | null = null;
  for (const name of names) {
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => null);
    if (stat && (!newest || stat.mtimeMs > newest.mtime)) newest = { file, mtime: stat.mtimeMs };
  }
  return newest?.file ?? null;
}

async function readFileHistory(file: string): Promise<string[] | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return null;
  }
  const list = Array.isArray(parsed) ? parsed : Array.isArray((parsed as { files?: unknown })?.files) ? (parsed as { files: unknown[] }).files : null;
  if (!list) return null;
  return list
    .map((item) => (typeof item === 'string' ? item : typeof (item as { path?: unknown })?.path === 'string' ? (item as { path: string }).path : null))
    .filter((item): item is string => item !== null)
    .slice(0, 5);
}

export async function loadSessionContext(paths: ProjectPaths, specSummaryDir = SPEC_SUMMARY_DIR): Promise<LoadedContext> {
  const [own, fileHistory] = await Promise.all([newestSummary(paths.summaries), readFileHistory(paths.fileHistory)]);
  return { latestSummary: own ?? (await newestSummary(specSummaryDir)), fileHistory };
}
