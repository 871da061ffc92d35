/**
 * The service's record, `serve.json` in baton's config folder (mode 0600): the port it
 * listens on and the per-user secret every request must carry. Outside every project, so no
 * commit can take it; created on first use and kept, so installed HTTP hooks stay valid.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { tempPathFor, writeFileAtomic } from '../storage/atomic.js';
import { batonConfigDir } from '../project/trust.js';
import { processIsAlive, processStart } from '../utils/pid.js';

export const DEFAULT_SERVE_PORT = 7411;
/** The environment variable Claude Code's HTTP hooks read the secret from (settings `env`, `allowedEnvVars`). */
export const SECRET_ENV = 'BATON_SERVE_SECRET';

export interface ServiceRecord {
  port: number;
  secret: string;
}

export function serviceRecordPath(): string {
  return path.join(batonConfigDir(), 'serve.json');
}

const isRecord = (value: unknown): value is ServiceRecord =>
  typeof (value as ServiceRecord)?.secret === 'string' && /^[0-9a-f]{64}$/.test((value as ServiceRecord).secret) && Number.isInteger((value as ServiceRecord).port) && (value as ServiceRecord).port > 0 && (value as ServiceRecord).port < 65536;

/** The record, or null when there is none yet. A record others can read, or one that is not whole, is an error: it says which and what to do. */
export async function readServiceRecord(): Promise<ServiceRecord | null> {
  const file = serviceRecordPath();
  let text: string;
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile()) throw new Error(`${file} is not a regular file; remove it and run \`baton serve\` again`);
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new Error(`${file} belongs to another user (uid ${stat.uid}); remove it and run \`baton serve\` again`);
    if ((stat.mode & 0o077) !== 0) throw new Error(`${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); its secret is no longer secret: remove it and run \`baton serve\` again (a new secret; reinstall the HTTP hooks)`);
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON; remove it and run \`baton serve\` again`);
  }
  if (!isRecord(value)) throw new Error(`${file} must hold {"port": 1-65535, "secret": 64 hex digits}; remove it and run \`baton serve\` again`);
  return value;
}

/**
 * The record, created (a new secret, the given or default port) when there is none; an existing
 * secret is kept. Created without replacing: of several processes creating it at once, one
 * wins and all use its secret. A port change rewrites it (`baton serve --port`, with no service
 * running).
 */
export async function ensureServiceRecord(port?: number): Promise<ServiceRecord> {
  const existing = await readServiceRecord();
  if (existing && (port === undefined || existing.port === port)) return existing;
  const record: ServiceRecord = { port: port ?? existing?.port ?? DEFAULT_SERVE_PORT, secret: existing?.secret ?? randomBytes(32).toString('hex') };
  await fs.mkdir(batonConfigDir(), { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (existing) {
    await writeFileAtomic(serviceRecordPath(), text, { mode: 0o600 });
    return record;
  }
  const temp = tempPathFor(serviceRecordPath());
  await fs.writeFile(temp, text, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(temp, serviceRecordPath());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process created it first: its secret is the one.
    return (await readServiceRecord())!;
  } finally {
    await fs.rm(temp, { force: true });
  }
  return record;
}

/** One service per user: `serve.lock` names the running one (pid and start time); a dead holder's lock is taken over. */
export async function takeServiceLock(): Promise<{ release(): void } | { heldBy: number }> {
  const file = path.join(batonConfigDir(), 'serve.lock');
  await fs.mkdir(batonConfigDir(), { recursive: true, mode: 0o700 });
  const mine = JSON.stringify({ pid: process.pid, start: processStart(process.pid) });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fs.writeFile(file, mine, { mode: 0o600, flag: 'wx' });
      // Synchronous, so it also runs on the way out of process.exit.
      return { release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid?: unknown; start?: unknown } = {};
      try {
        holder = JSON.parse(await fs.readFile(file, 'utf8'));
      } catch {
        // half-written or not ours: taken over below
      }
      if (typeof holder.pid === 'number' && processIsAlive(holder.pid, typeof holder.start === 'string' ? holder.start : null)) return { heldBy: holder.pid };
      await fs.rm(file, { force: true });
    }
  }
  return { heldBy: -1 };
}
