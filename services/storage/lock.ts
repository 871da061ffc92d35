/**
 * One writer at a time: an O_EXCL lock file holding the owner's pid. A holder that was killed
 * is detected by its pid being gone, so the lock heals at once instead of after a stale
 * timeout. Never hold one across a child process.
 *
 * The progress directory's lock (acquireLock) and the claim board's (services/claims) are the
 * same lock in two places: a LockPlace says how to reach the file through each one's guard.
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

/** Where a lock file lives and how to reach it safely. */
export interface LockPlace {
  file: string;
  /** What the lock guards, for the message when it stays busy. */
  guards: string;
  /** Makes the lock's folder ready and sets aside an entry at its path that is not a regular file. */
  prepare(): Promise<void>;
  /** The lock file's text; null when it is missing or not a regular file. */
  readText(file: string): string | null;
  /** The lock file's mtime when it is a regular file; null otherwise. */
  mtimeMs(file: string): number | null;
  /** Deletes a regular file with one of the lock's names; anything else stays. */
  remove(file: string): Promise<void>;
}

/** The lock file and the name a process breaking a stale one moves it to. */
export const LOCK_NAME = /^\.lock(\.stale\.\d+)?$/;

function readOwner(place: LockPlace, file: string): LockOwner | null {
  const text = place.readText(file);
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? (parsed as LockOwner) : null;
  } catch {
    return null;
  }
}

/** The progress directory's lock. A lock path that is not a regular file (a committed link, a folder) would wedge every writer: it is set aside. */
export function progressLockPlace(paths: ProjectPaths): LockPlace {
  return {
    file: paths.lock,
    guards: 'the progress directory',
    async prepare() {
      await ensureOwnDir(paths, path.dirname(paths.lock));
      const inspection = inspectOwn(paths, paths.lock, 'file');
      if (inspection.kind !== 'bad' || inspection.at !== paths.lock) return;
      const aside = await moveOwnAside(paths, paths.lock, 'bad');
      notice(`${displayPath(paths, paths.lock)} ${inspection.what}; moved aside to ${displayPath(paths, aside)}`);
    },
    readText(file) {
      const read = readOwnText(paths, file, { maxBytes: 4096 });
      return read.kind === 'ok' ? read.text : null;
    },
    mtimeMs: (file) => ownFileStats(paths, file)?.mtimeMs ?? null,
    async remove(file) {
      await removeOwnFile(paths, file, LOCK_NAME);
    },
  };
}

export function acquireLock(paths: ProjectPaths, options: LockOptions = {}): Promise<HeldLock> {
  return acquireLockAt(progressLockPlace(paths), options);
}

export async function acquireLockAt(place: LockPlace, options: LockOptions = {}): Promise<HeldLock> {
  const { file } = place;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const owner: LockOwner = { pid: process.pid, start: processStart(process.pid), token: randomBytes(8).toString('hex'), acquired_at: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  await place.prepare();
  for (;;) {
    try {
      await fs.writeFile(file, JSON.stringify(owner), { flag: 'wx' });
      return heldLock(place, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readOwner(place, file);
    if (holder && !processIsAlive(holder.pid, holder.start)) {
      await breakStaleLock(place, holder);
      continue;
    }
    if (!holder) {
      // Written but not yet filled in by its holder, or unreadable: give it a moment, then treat as stale.
      const mtime = place.mtimeMs(file);
      if (mtime === null) await place.prepare();
      else if (Date.now() - mtime > 2_000) await place.remove(file);
      if (mtime === null || Date.now() - mtime > 2_000) continue;
    }
    if (Date.now() >= deadline) {
      throw new BusyError(
        `${place.guards} is locked by pid ${holder?.pid ?? '?'} since ${holder?.acquired_at ?? '?'}`,
        `wait for that baton process to finish; if no baton process is running, remove ${file}`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Renames the stale lock aside first so that two processes breaking it at once cannot both win. */
async function breakStaleLock(place: LockPlace, stale: LockOwner): Promise<void> {
  const aside = `${place.file}.stale.${process.pid}`;
  try {
    await fs.rename(place.file, aside);
  } catch {
    return; // someone else broke it first
  }
  const taken = readOwner(place, aside);
  if (taken && taken.token !== stale.token) {
    // We moved a fresh lock that replaced the stale one in between: put it back if nobody took the name.
    await fs.link(aside, place.file).catch(() => undefined);
  }
  await place.remove(aside);
}

function heldLock(place: LockPlace, owner: LockOwner): HeldLock {
  let released = false;
  return {
    async stillHeld() {
      return readOwner(place, place.file)?.token === owner.token;
    },
    async release() {
      if (released) return;
      released = true;
      if (readOwner(place, place.file)?.token === owner.token) await place.remove(place.file);
    },
  };
}
