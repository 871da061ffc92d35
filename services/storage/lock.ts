/**
 * One writer at a time for the progress directory: an O_EXCL lock file holding the
 * owner's pid. A holder that was killed is detected by its pid being gone, so the lock
 * heals at once instead of after a stale timeout. Never hold it across a child process.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BusyError } from '../errors.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { processIsAlive, processStart } from '../utils/pid.js';
import { sleep } from '../utils/sleep.js';
import { notice } from './notices.js';
import { inspectOwn } from './own-path.js';
import { readOwnText } from './read.js';
import { ensureOwnDir, moveOwnAside, ownFileStats, removeOwnFile } from './write.js';

interface LockOwner {
  pid: number;
  /** The holder's start time: a lock naming a pid that now belongs to another process (after a reboot, or in a committed file) is stale. */
  start?: string | null;
  token: string;
  acquired_at: string;
}

export interface HeldLock {
  release(): Promise<void>;
  /** Whether the lock file still names this holder (false if another process broke it). */
  stillHeld(): Promise<boolean>;
}

export interface LockOptions {
  /** How long to wait for a live holder before giving up (0: one attempt). */
  timeoutMs?: number;
}

const LOCK_NAME = /^\.lock$/;
const STALE_NAME = /^\.lock\.stale\.\d+$/;

function readOwner(paths: ProjectPaths, file: string): LockOwner | null {
  const read = readOwnText(paths, file, { maxBytes: 4096 });
  if (read.kind !== 'ok') return null;
  try {
    const parsed = JSON.parse(read.text) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? (parsed as LockOwner) : null;
  } catch {
    return null;
  }
}

/** A lock path that is not a regular file (a committed link, a folder) would wedge every writer: set it aside. */
async function clearBadLock(paths: ProjectPaths): Promise<void> {
  const inspection = inspectOwn(paths, paths.lock, 'file');
  if (inspection.kind !== 'bad' || inspection.at !== paths.lock) return;
  const aside = await moveOwnAside(paths, paths.lock, 'bad');
  notice(`${displayPath(paths, paths.lock)} ${inspection.what}; moved aside to ${displayPath(paths, aside)}`);
}

export async function acquireLock(paths: ProjectPaths, options: LockOptions = {}): Promise<HeldLock> {
  const file = paths.lock;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const owner: LockOwner = { pid: process.pid, start: processStart(process.pid), token: randomBytes(8).toString('hex'), acquired_at: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  await ensureOwnDir(paths, path.dirname(file));
  await clearBadLock(paths);
  for (;;) {
    try {
      await fs.writeFile(file, JSON.stringify(owner), { flag: 'wx' });
      return heldLock(paths, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readOwner(paths, file);
    if (holder && !processIsAlive(holder.pid, holder.start)) {
      await breakStaleLock(paths, holder);
      continue;
    }
    if (!holder) {
      // Written but not yet filled in by its holder, or unreadable: give it a moment, then treat as stale.
      const stats = ownFileStats(paths, file);
      if (stats === null) await clearBadLock(paths);
      else if (Date.now() - stats.mtimeMs > 2_000) await removeOwnFile(paths, file, LOCK_NAME);
      if (stats === null || Date.now() - stats.mtimeMs > 2_000) continue;
    }
    if (Date.now() >= deadline) {
      throw new BusyError(
        `the progress directory is locked by pid ${holder?.pid ?? '?'} since ${holder?.acquired_at ?? '?'}`,
        `wait for that baton process to finish; if no baton process is running, remove ${file}`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Renames the stale lock aside first so that two processes breaking it at once cannot both win. */
async function breakStaleLock(paths: ProjectPaths, stale: LockOwner): Promise<void> {
  const aside = `${paths.lock}.stale.${process.pid}`;
  try {
    await fs.rename(paths.lock, aside);
  } catch {
    return; // someone else broke it first
  }
  const taken = readOwner(paths, aside);
  if (taken && taken.token !== stale.token) {
    // We moved a fresh lock that replaced the stale one in between: put it back if nobody took the name.
    await fs.link(aside, paths.lock).catch(() => undefined);
  }
  await removeOwnFile(paths, aside, STALE_NAME);
}

function heldLock(paths: ProjectPaths, owner: LockOwner): HeldLock {
  let released = false;
  return {
    async stillHeld() {
      return readOwner(paths, paths.lock)?.token === owner.token;
    },
    async release() {
      if (released) return;
      released = true;
      if (readOwner(paths, paths.lock)?.token === owner.token) await removeOwnFile(paths, paths.lock, LOCK_NAME);
    },
  };
}
