/**
 * checkpoint.json: the spec's auto-save (every `checkpoint_interval_seconds`, default 300)
 * without a daemon. Any command may call saveCheckpointIfDue: when the last checkpoint is
 * recent it costs one stat. Kept free of zod and xstate so the per-tool-call hooks can
 * auto-save too; a checkpoint is validated when it is read back for a recovery.
 */
import { readConfigLight } from '../project/config-light.js';
import { DEFAULTS } from '../project/defaults.js';
import { CHECKPOINT_SCHEMA_VERSION, STATE_SCHEMA_VERSION } from '../storage/schema-versions.js';
import type { ProjectPaths } from '../project/paths.js';
import { acquireLock } from '../storage/lock.js';
import { readOwnText } from '../storage/read.js';
import { ownFileStats, writeOwnFile } from '../storage/write.js';


/** What a checkpoint copies from a settled state.json. */
export interface CheckpointSource {
  revision: number;
  state: string;
  snapshot: unknown;
}

export async function writeCheckpointFile(paths: ProjectPaths, source: CheckpointSource, now: Date): Promise<string> {
  const checkpoint = { schema_version: CHECKPOINT_SCHEMA_VERSION, checkpoint_at: now.toISOString(), revision: source.revision, state: source.state, snapshot: source.snapshot };
  await writeOwnFile(paths, paths.checkpoint, `${JSON.stringify(checkpoint, null, 2)}\n`);
  return checkpoint.checkpoint_at;
}

export async function checkpointIsDue(paths: ProjectPaths, intervalSeconds: number, now: Date): Promise<boolean> {
  const stat = ownFileStats(paths, paths.checkpoint);
  return !stat || now.getTime() - stat.mtimeMs >= intervalSeconds * 1000;
}

/**
 * Writes a checkpoint when one is due and the session is at rest. `readSettled` returns
 * the state to copy, or null when it is not settled (dirty) or cannot be read. Never waits
 * long for the lock: whoever holds it is writing, and checkpoints itself.
 */
export async function saveCheckpointIfDue(paths: ProjectPaths, intervalSeconds: number, now: Date, readSettled: () => Promise<CheckpointSource | null>): Promise<boolean> {
  if (!(await checkpointIsDue(paths, intervalSeconds, now))) return false;
  let lock;
  try {
    lock = await acquireLock(paths, { timeoutMs: 200 });
  } catch {
    return false;
  }
  try {
    const source = await readSettled();
    if (!source) return false;
    await writeCheckpointFile(paths, source, now);
    return true;
  } finally {
    await lock.release();
  }
}

/** state.json as the hooks read it: parsed, not validated (only baton writes it). */
export async function readSettledStateLight(paths: ProjectPaths): Promise<CheckpointSource | null> {
  const read = readOwnText(paths, paths.state);
  if (read.kind !== 'ok') return null;
  try {
    const state = JSON.parse(read.text) as { schema_version?: unknown; dirty?: unknown; revision?: unknown; state?: unknown; snapshot?: unknown };
    if (state.schema_version !== STATE_SCHEMA_VERSION || state.dirty !== false || typeof state.revision !== 'number' || typeof state.state !== 'string' || !state.snapshot) return null;
    return { revision: state.revision, state: state.state, snapshot: state.snapshot };
  } catch {
    return null;
  }
}

export function checkpointIntervalLight(paths: ProjectPaths): number {
  const value = readConfigLight(paths).checkpoint_interval_seconds;
  return typeof value === 'number' && value >= 0 ? value : DEFAULTS.checkpoint_interval_seconds;
}
