/** Leftovers of writers that were killed mid-write: their temp files, a stale lock's aside name. */
import path from 'node:path';
import type { ProjectPaths } from '../project/paths.js';
import { pidIsAlive } from '../utils/pid.js';
import { TEMP_FILE_NAME } from './atomic.js';
import { listOwnDir, removeOwnFile } from './write.js';

const STALE_LOCK_NAME = /^\.lock\.stale\.(\d+)$/;

/** Removes the temp files in `dir` whose writer (the pid in their name) is gone. Returns their names. */
export async function removeStrayTempFiles(paths: ProjectPaths, dir: string): Promise<string[]> {
  const list = await listOwnDir(paths, dir);
  if (list.kind !== 'ok') return [];
  const removed: string[] = [];
  for (const name of list.names) {
    const naming = [TEMP_FILE_NAME, STALE_LOCK_NAME].find((pattern) => pattern.test(name));
    const pid = naming?.exec(name)?.[1];
    if (!naming || pidIsAlive(Number(pid))) continue;
    if (await removeOwnFile(paths, path.join(dir, name), naming)) removed.push(name);
  }
  return removed;
}
