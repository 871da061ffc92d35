/**
 * One writer at a time for the progress directory: an O_EXCL lock file holding the
 * owner's pid. A holder that was killed is detected by its pid being gone, so the lock
 * heals at once instead of after a stale timeout. Never hold it across a child process.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { BusyError } from './errors.js';
import { pidIsAlive } from './atomic-file.js';

interface LockOwner {
  pid: number;
  token: string;
  acquired_at: string;
}

export interface HeldLock {
  release(): Promise<void>;
  /** Whether the lock file still names this holder (false if another process broke it). */
  stillHeld(): Promise<boolean>;
}

export interface LockOptions {
  /** How long to wait for a live holder before giving up. */
  timeoutMs?: number;
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? (parsed as LockOwner) : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireLock(file: string, options: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const owner: LockOwner = { pid: process.pid, token: randomBytes(8).toString('hex'), acquired_at: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      await fs.writeFile(file, JSON.stringify(owner), { flag: 'wx' });
      return heldLock(file, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(file);
    if (holder && !pidIsAlive(holder.pid)) {
      await breakStaleLock(file, holder);
      continue;
    }
    if (!holder) {
      // Written but not yet filled in by its holder, or unreadable: give it a moment, then treat as stale.
      const age = await fs.stat(file).then((s) => Date.now() - s.mtimeMs).catch(() => 0);
      if (age > 2_000) {
        await fs.rm(file, { force: true });
        continue;
      }
    }
    if (Date.now() > deadline) {
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
async function breakStaleLock(file: string, stale: LockOwner): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await fs.rename(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const taken = await readOwner(aside);
  if (taken && taken.token !== stale.token) {
    // We moved a fresh lock that replaced the stale one in between: put it back if nobody took the name.
    await fs.link(aside, file).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}

function heldLock(file: string, owner: LockOwner): HeldLock {
  let released = false;
  return {
    async stillHeld() {
      return (await readOwner(file))?.token === owner.token;
    },
    async release() {
      if (released) return;
      released = true;
      if ((await readOwner(file))?.token === owner.token) await fs.rm(file, { force: true });
    },
  };
}
