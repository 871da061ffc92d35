/**
 * Crash-safe file writes: temp file in the same directory, fsync, rename, fsync the
 * directory. A SIGKILL at any point leaves either the old or the new content, never a mix.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const TEMP_SUFFIX = '.tmp';

function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function wrap(step: string, target: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = (error as Error)?.message ?? String(error);
  const reason = code && !message.startsWith(code) ? `${code}: ${message}` : message;
  return Object.assign(new Error(`could not write ${target}: ${step} failed (${reason}); the previous content is intact`), { code, cause: error });
}

export interface AtomicWriteOptions {
  /** Keep the replaced content here (hard link to the old file, so no copy is made). */
  backup?: string;
  /** false: skip the fsyncs (still atomic against a killed process, not against power loss). For caches. */
  durable?: boolean;
}

export async function writeFileAtomic(target: string, content: string, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempPathFor(target);
  let step = 'open';
  try {
    const handle = await fs.open(temp, 'wx', 0o644);
    try {
      step = 'write';
      await handle.writeFile(content, 'utf8');
      step = 'fsync';
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.backup) {
      step = 'backup';
      await keepBackup(target, options.backup);
    }
    step = 'rename';
    await fs.rename(temp, target);
    step = 'fsync directory';
    if (options.durable !== false) await fsyncDirectory(path.dirname(target));
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw wrap(step, target, error);
  }
}

async function keepBackup(target: string, backup: string): Promise<void> {
  const linkTemp = tempPathFor(backup);
  try {
    await fs.link(target, linkTemp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing to keep yet
    throw error;
  }
  await fs.rename(linkTemp, backup);
  // rename(2) does nothing when both names already link the same file (a write that
  // failed after this step made the backup a link to the target): drop the temp name.
  await fs.rm(linkTemp, { force: true });
}

/** Appends one line and fsyncs it, so an acknowledged append survives a crash. */
export async function appendLineDurably(target: string, line: string): Promise<void> {
  let step = 'open';
  try {
    const handle = await fs.open(target, 'a', 0o644);
    try {
      step = 'write';
      await handle.write(line.endsWith('\n') ? line : `${line}\n`);
      step = 'fsync';
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw wrap(step, target, error);
  }
}

/** Moves a file baton cannot use out of the way, never deleting it. Returns where it went. */
export async function moveAside(file: string, reason: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = `${file}.${reason}-${stamp}`;
  await fs.rename(file, aside);
  return aside;
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files left by writers that were killed mid-write (their pid is gone). */
export async function removeStrayTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    // Temp files of killed writers, and stale locks whose breaker was killed mid-break.
    const match = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name) ?? /^\.lock\.stale\.(\d+)$/.exec(name);
    if (!match || pidIsAlive(Number(match[1]))) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

export { pidIsAlive };
