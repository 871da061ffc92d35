/**
 * The dev environment from `init_script` (e.g. a dev server): started detached in its own
 * process group, output to a log file, its group recorded in .claude/progress/env.json so
 * the next entry knows whether it still runs, and `baton env stop` ends it.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { pidIsAlive, writeFileAtomic } from '../services/atomic-file.js';
import type { ProjectPaths } from '../services/paths.js';

export interface DevEnvRecord {
  pgid: number;
  command: string;
  started_at: string;
  log: string;
}

export interface DevEnvStatus {
  record: DevEnvRecord | null;
  running: boolean;
}

export function envFile(paths: ProjectPaths): string {
  return path.join(paths.progressDir, 'env.json');
}

function groupIsAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' || pidIsAlive(pgid);
  }
}

export async function devEnvStatus(paths: ProjectPaths): Promise<DevEnvStatus> {
  try {
    const record = JSON.parse(await fs.readFile(envFile(paths), 'utf8')) as DevEnvRecord;
    return { record, running: Number.isInteger(record.pgid) && groupIsAlive(record.pgid) };
  } catch {
    return { record: null, running: false };
  }
}

/** Starts init_script unless the recorded one still runs. Returns whether it started now. */
export async function ensureDevEnv(paths: ProjectPaths, command: string, evidenceDir: string): Promise<{ startedNow: boolean; status: DevEnvStatus }> {
  const current = await devEnvStatus(paths);
  if (current.running && current.record?.command === command) return { startedNow: false, status: current };
  await fs.mkdir(evidenceDir, { recursive: true });
  const log = path.join(evidenceDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-init_script.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command, { cwd: paths.root, shell: true, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    const record: DevEnvRecord = { pgid: child.pid!, command, started_at: new Date().toISOString(), log };
    await writeFileAtomic(envFile(paths), `${JSON.stringify(record, null, 2)}\n`);
    return { startedNow: true, status: { record, running: true } };
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends the recorded environment's whole process group: TERM, then KILL after a grace. */
export async function stopDevEnv(paths: ProjectPaths, graceMs = 2_000): Promise<{ stopped: boolean; record: DevEnvRecord | null }> {
  const { record, running } = await devEnvStatus(paths);
  if (!record) return { stopped: false, record: null };
  if (running) {
    try {
      process.kill(-record.pgid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
    const deadline = Date.now() + graceMs;
    while (groupIsAlive(record.pgid) && Date.now() < deadline) await sleep(50);
    if (groupIsAlive(record.pgid)) {
      try {
        process.kill(-record.pgid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  await fs.rm(envFile(paths), { force: true });
  return { stopped: running, record };
}
