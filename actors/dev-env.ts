/**
 * The dev environment from `init_script` (e.g. a dev server): started detached in its own
 * process group, output to a log file, its group recorded in .claude/progress/env.json so
 * the next entry knows whether it still runs, and `baton env stop` ends it.
 *
 * env.json is untrusted input like everything under .claude/ (a clone may carry one naming
 * any process group), so baton signals a group only when it can tell the group is the one it
 * started: on Linux its leader has the start time baton recorded, or one of its processes
 * runs in this project.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { evidenceFile } from '../services/evidence.js';
import { describeProblem } from '../services/json-file.js';
import type { ProjectPaths } from '../services/paths.js';
import { keepDamagedAside } from '../services/storage/damaged.js';
import { readOwnJson, isInside } from '../services/storage/read.js';
import { createOwnFile, removeOwnFile, writeOwnFile } from '../services/storage/write.js';
import { pidIsAlive, processStart } from '../services/utils/pid.js';
import { sleep } from '../services/utils/sleep.js';

export interface DevEnvRecord {
  pgid: number;
  command: string;
  started_at: string;
  log: string;
  /** The leader's start time (Linux /proc, in clock ticks since boot): tells baton's process from a reused pid. */
  leader_start?: string | null;
}

export interface DevEnvStatus {
  record: DevEnvRecord | null;
  running: boolean;
  /** Why the record cannot be used (damaged file, or a group baton cannot tell is its own). */
  problem: string | null;
}

const isRecord = (value: unknown): value is DevEnvRecord =>
  Number.isInteger((value as DevEnvRecord)?.pgid) && (value as DevEnvRecord).pgid > 1 && typeof (value as DevEnvRecord).command === 'string' && typeof (value as DevEnvRecord).started_at === 'string' && typeof (value as DevEnvRecord).log === 'string';

/** The pids in process group `pgid` (Linux), or null where /proc cannot tell. */
function groupMembers(pgid: number): number[] | null {
  let names: string[];
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  return names.map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
    } catch {
      return false;
    }
  });
}

function groupIsAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' || pidIsAlive(pgid);
  }
}

/** Whether the recorded group still runs and is the one baton started in this project. */
function ownGroupRuns(paths: ProjectPaths, record: DevEnvRecord): { running: boolean; problem: string | null } {
  const members = groupMembers(record.pgid);
  if (members === null) return { running: groupIsAlive(record.pgid), problem: null };
  if (members.length === 0) return { running: false, problem: null };
  if (record.leader_start && members.includes(record.pgid) && processStart(record.pgid) === record.leader_start) return { running: true, problem: null };
  const inProject = members.some((pid) => {
    try {
      return isInside(paths.root, readlinkSync(`/proc/${pid}/cwd`));
    } catch {
      return false;
    }
  });
  return inProject
    ? { running: true, problem: null }
    : { running: false, problem: `process group ${record.pgid} named in env.json is not baton's dev environment for this project (none of its processes runs here); baton leaves it alone` };
}

export function devEnvStatus(paths: ProjectPaths): DevEnvStatus {
  const read = readOwnJson(paths, paths.env);
  if (read.kind === 'missing') return { record: null, running: false, problem: null };
  if (read.kind === 'invalid') return { record: null, running: false, problem: describeProblem(read.problem) };
  if (!isRecord(read.value)) return { record: null, running: false, problem: `${path.relative(paths.root, paths.env)}: not a dev environment record (needs pgid, command, started_at, log)` };
  return { record: read.value, ...ownGroupRuns(paths, read.value) };
}

/** Starts init_script unless the recorded one still runs. Returns whether it started now. */
export async function ensureDevEnv(paths: ProjectPaths, command: string): Promise<{ startedNow: boolean; status: DevEnvStatus }> {
  const current = devEnvStatus(paths);
  if (current.running && current.record?.command === command) return { startedNow: false, status: current };
  if (current.problem && !current.record) {
    const read = readOwnJson(paths, paths.env);
    if (read.kind === 'invalid') await keepDamagedAside(paths, paths.env, read.problem, 'a new record replaces it');
  }
  const log = evidenceFile(paths, 'init_script');
  const handle = await createOwnFile(paths, log);
  try {
    const child = spawn(command, { cwd: paths.root, shell: true, detached: true, stdio: ['ignore', handle.fd, handle.fd] });
    child.unref();
    const record: DevEnvRecord = { pgid: child.pid!, command, started_at: new Date().toISOString(), log, leader_start: processStart(child.pid!) };
    await writeOwnFile(paths, paths.env, `${JSON.stringify(record, null, 2)}\n`);
    return { startedNow: true, status: { record, running: true, problem: null } };
  } finally {
    await handle.close();
  }
}

/** Ends the recorded environment's whole process group: TERM, then KILL after a grace. Never a group that is not baton's. */
export async function stopDevEnv(paths: ProjectPaths, graceMs = 2_000): Promise<{ stopped: boolean; record: DevEnvRecord | null; problem: string | null }> {
  const { record, running, problem } = devEnvStatus(paths);
  if (!record || problem) return { stopped: false, record, problem };
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
  await removeOwnFile(paths, paths.env, /^env\.json$/);
  return { stopped: running, record, problem: null };
}
