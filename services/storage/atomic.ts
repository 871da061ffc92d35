/**
 * Crash-safe replacement of one file: temp file in the same directory, fsync, rename, fsync
 * the directory. A SIGKILL at any point leaves either the old or the new content, never a mix.
 * No policy here: write.ts checks the path first for baton's files under `.claude/`; the
 * trust store (the user's own config folder) uses this directly.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

const TEMP_SUFFIX = '.tmp';
/** The names of temp files this module creates, with the writer's pid in group 1. */
export const TEMP_FILE_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function writeError(step: string, target: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = (error as Error)?.message ?? String(error);
  const reason = code && !message.startsWith(code) ? `${code}: ${message}` : message;
  return Object.assign(new Error(`could not write ${target}: ${step} failed (${reason}); the previous content is intact`), { code, cause: error });
}

export interface AtomicWriteOptions {
  /** Keep the replaced content here (a hard link to the old file, so no copy is made). */
  backup?: string;
  /** false: skip the fsyncs (still atomic against a killed process, not against power loss). For caches. */
  durable?: boolean;
  /** The new file's permissions (default 0644); 0600 for a secret. */
  mode?: number;
}

/** O_EXCL and O_NOFOLLOW: a temp name that exists, even as a link, is never opened. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export async function writeFileAtomic(target: string, content: string, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempPathFor(target);
  let step = 'open';
  try {
    const handle = await fs.open(temp, CREATE_FLAGS, options.mode ?? 0o644);
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
    throw writeError(step, target, error);
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

const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/** Appends one line and fsyncs it, so an acknowledged append survives a crash. Never through a link. */
export async function appendLineDurably(target: string, line: string): Promise<void> {
  let step = 'open';
  try {
    const handle = await fs.open(target, APPEND_FLAGS, 0o644);
    try {
      step = 'write';
      await handle.write(line.endsWith('\n') ? line : `${line}\n`);
      step = 'fsync';
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw writeError(step, target, error);
  }
}

/** A name beside `file` that does not exist yet: `<file>.<reason>-<time>`, numbered on a clash. */
export async function asideName(file: string, reason: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let n = 1; ; n += 1) {
    const candidate = `${file}.${reason}-${stamp}${n > 1 ? `-${n}` : ''}`;
    const exists = await fs.lstat(candidate).then(() => true, () => false);
    if (!exists) return candidate;
  }
}
