/**
 * The dev environment from `init_script` (e.g. a dev server): started detached in its own
 * process group and session, output to a log file, recorded in .claude/progress/env.json so
 * the next entry knows whether it still runs, and `baton env stop` ends it.
 *
 * A server that daemonizes (`setsid server &`, a double fork) leaves the group and the session,
 * so the group alone cannot track it. What it keeps is its environment: every process the
 * init_script starts carries BATON_DEV_ENV=<token> <project root>, with a token baton draws at
 * the start and records. On Linux, /proc/PID/environ tells those processes apart, whichever
 * group or session they moved to. With `dev_server_port` set, a port that is taken while none
 * of them runs means something else serves it: baton does not start a second copy.
 *
 * env.json is untrusted input like everything under .claude/ (a clone may carry one naming
 * any process group), so baton signals a group only when it can tell the group is the one it
 * started (on Linux its leader has the start time baton recorded, or one of its processes
 * runs in this project), and a process only when it carries this project's marker.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EVIDENCE_MAX_BYTES, evidenceFile } from '../services/lifecycle/evidence.js';
import { describeProblem } from '../services/storage/json-file.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { keepDamagedAside } from '../services/storage/damaged.js';
import { trimOwnLog } from '../services/storage/log.js';
import { notice } from '../services/storage/notices.js';
import { readOwnJson, isInside } from '../services/storage/read.js';
import { createOwnFile, listOwnDir, removeOwnFile, writeOwnFile } from '../services/storage/write.js';
import { pidIsAlive, processStart } from '../services/utils/pid.js';
import { sleep } from '../services/utils/sleep.js';

export interface DevEnvRecord {
  pgid: number;
  command: string;
  started_at: string;
  log: string;
  /** The leader's start time (Linux /proc, in clock ticks since boot): tells baton's process from a reused pid. */
  leader_start?: string | null;
  /** The token in the environment of every process the init_script started: what survives daemonizing. */
  marker?: string;
  /** dev_server_port when it started. */
  port?: number;
}

export interface DevEnvStatus {
  record: DevEnvRecord | null;
  running: boolean;
  /** The environment's processes (Linux): in its group, or carrying its marker wherever they went. */
  pids: number[];
  /** Not running, yet the recorded port is taken: by a process baton cannot tell is its own. */
  portInUse: boolean;
  /** Why the record cannot be used (damaged file, or a group baton cannot tell is its own). */
  problem: string | null;
}

const MARKER_VARIABLE = 'BATON_DEV_ENV';

// The log's label has a hyphen, unlike the other evidence files: evidence pruning leaves it alone
// (a running server still writes to it; an unlinked log would grow out of reach), and this module
// keeps the newest few. Only these logs are trimmed: they are opened O_APPEND.
const LOG_LABEL = 'init-script';
const LOG_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-init-script-\d+\.log$/;
const LOGS_KEPT = 3;

const isRecord = (value: unknown): value is DevEnvRecord => {
  const record = value as DevEnvRecord;
  return (
    Number.isInteger(record?.pgid) &&
    record.pgid > 1 &&
    typeof record.command === 'string' &&
    typeof record.started_at === 'string' &&
    typeof record.log === 'string' &&
    (record.marker === undefined || (typeof record.marker === 'string' && /^[0-9a-f]{32}$/.test(record.marker))) &&
    (record.port === undefined || (Number.isInteger(record.port) && record.port >= 1 && record.port <= 65535))
  );
};

/** Every pid in /proc, or null where there is no /proc (not Linux). */
function allPids(): number[] | null {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return null;
  }
}

/** The fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, ...]. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The pids in process group `pgid` (Linux), or null where /proc cannot tell. */
function groupMembers(pgid: number): number[] | null {
  return allPids()?.filter((pid) => Number(statFields(pid)?.[2]) === pgid) ?? null;
}

const markerValue = (paths: ProjectPaths, token: string) => `${token} ${paths.root}`;

/**
 * The processes carrying this environment's marker (Linux), or null without /proc. baton itself
 * and the processes it runs under are left out: run from a shell the dev environment opened,
 * they carry the marker too, and `env stop` must not end the session that asked for it.
 */
function markedProcesses(paths: ProjectPaths, token: string): number[] | null {
  const pids = allPids();
  if (pids === null) return null;
  const own = new Set<number>();
  for (let pid = process.pid; pid > 1 && !own.has(pid); pid = Number(statFields(pid)?.[1] ?? 0)) own.add(pid);
  const entry = Buffer.from(`\0${MARKER_VARIABLE}=${markerValue(paths, token)}\0`);
  return pids.filter((pid) => {
    if (own.has(pid)) return false;
    try {
      return Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]).includes(entry);
    } catch {
      return false; // gone, or another user's
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

/** Whether something accepts connections on the port here (IPv4 or IPv6 loopback). */
async function portTaken(port: number): Promise<boolean> {
  const attempt = (host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host, timeout: 500 });
      const done = (taken: boolean) => (socket.destroy(), resolve(taken));
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
  return (await Promise.all([attempt('127.0.0.1'), attempt('::1')])).some(Boolean);
}

interface Look {
  status: DevEnvStatus;
  /** The recorded group runs and is baton's: `env stop` may signal it. */
  ownGroup: boolean;
}

async function look(paths: ProjectPaths): Promise<Look> {
  const none = { record: null, running: false, pids: [], portInUse: false };
  const read = readOwnJson(paths, paths.env);
  if (read.kind === 'missing') return { status: { ...none, problem: null }, ownGroup: false };
  if (read.kind === 'invalid') return { status: { ...none, problem: describeProblem(read.problem) }, ownGroup: false };
  if (!isRecord(read.value)) return { status: { ...none, problem: `${path.relative(paths.root, paths.env)}: not a dev environment record (needs pgid, command, started_at, log)` }, ownGroup: false };
  const record = read.value;
  const group = ownGroupRuns(paths, record);
  const marked = record.marker ? (markedProcesses(paths, record.marker) ?? []) : [];
  const pids = [...new Set([...(group.running ? (groupMembers(record.pgid) ?? []) : []), ...marked])].sort((a, b) => a - b);
  const running = group.running || marked.length > 0;
  // Whenever baton looks, the log its server writes directly is brought back within the bound.
  if (path.dirname(record.log) === paths.evidence && LOG_NAME.test(path.basename(record.log))) trimOwnLog(paths, record.log, EVIDENCE_MAX_BYTES);
  const portInUse = !running && record.port !== undefined && (await portTaken(record.port));
  return { status: { record, running, pids, portInUse, problem: running ? null : group.problem }, ownGroup: group.running };
}

export async function devEnvStatus(paths: ProjectPaths): Promise<DevEnvStatus> {
  return (await look(paths)).status;
}

/** TERM to the environment's group (when baton's) and to every process carrying its marker; KILL to what is left after the grace. */
async function endEnvironment(paths: ProjectPaths, record: DevEnvRecord, ownGroup: boolean, graceMs: number): Promise<void> {
  const marked = () => (record.marker ? (markedProcesses(paths, record.marker) ?? []) : []);
  const signal = (name: NodeJS.Signals) => {
    for (const target of [...(ownGroup && groupIsAlive(record.pgid) ? [-record.pgid] : []), ...marked()]) {
      try {
        process.kill(target, name);
      } catch {
        // gone meanwhile
      }
    }
  };
  const remains = () => (ownGroup && groupIsAlive(record.pgid)) || marked().length > 0;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (remains() && Date.now() < deadline) await sleep(50);
  if (remains()) signal('SIGKILL');
}

/** Removes the oldest dev environment logs so that, with the new one, LOGS_KEPT remain. */
async function pruneLogs(paths: ProjectPaths): Promise<void> {
  const list = await listOwnDir(paths, paths.evidence);
  if (list.kind !== 'ok') return;
  const names = list.names.filter((name) => LOG_NAME.test(name)).sort();
  for (const old of names.slice(0, Math.max(0, names.length - LOGS_KEPT + 1))) await removeOwnFile(paths, path.join(paths.evidence, old), LOG_NAME);
}

/**
 * Starts init_script unless the recorded one still runs. A running one with another command is
 * stopped first; with `port` (dev_server_port) taken by something else, nothing is started.
 * Returns whether it started now.
 */
export async function ensureDevEnv(paths: ProjectPaths, command: string, port?: number, graceMs = 2_000): Promise<{ startedNow: boolean; status: DevEnvStatus }> {
  const current = await look(paths);
  const { record, running, problem } = current.status;
  if (running && record!.command === command) return { startedNow: false, status: current.status };
  if (running) {
    await endEnvironment(paths, record!, current.ownGroup, graceMs);
    notice(`init_script changed since the running dev environment started: baton stopped it (${current.status.pids.length ? `pids ${current.status.pids.join(', ')}` : `process group ${record!.pgid}`}) and started the new one`);
  }
  if (problem && !record) {
    const read = readOwnJson(paths, paths.env);
    if (read.kind === 'invalid') await keepDamagedAside(paths, paths.env, read.problem, 'a new record replaces it');
  }
  if (port !== undefined && (await portTaken(port))) {
    notice(`init_script not started: port ${port} (dev_server_port) is in use by a process that baton cannot tell is its dev environment; stop that process or change dev_server_port`);
    return { startedNow: false, status: { ...current.status, running: false, pids: [], portInUse: true } };
  }
  await pruneLogs(paths);
  const log = evidenceFile(paths, LOG_LABEL);
  const handle = await createOwnFile(paths, log, { append: true });
  try {
    const marker = randomBytes(16).toString('hex');
    const env = { ...process.env, [MARKER_VARIABLE]: markerValue(paths, marker) };
    const child = spawn(command, { cwd: paths.root, shell: true, detached: true, stdio: ['ignore', handle.fd, handle.fd], env });
    child.unref();
    const started: DevEnvRecord = { pgid: child.pid!, command, started_at: new Date().toISOString(), log, leader_start: processStart(child.pid!), marker, ...(port !== undefined ? { port } : {}) };
    await writeOwnFile(paths, paths.env, `${JSON.stringify(started, null, 2)}\n`);
    return { startedNow: true, status: { record: started, running: true, pids: [child.pid!], portInUse: false, problem: null } };
  } finally {
    await handle.close();
  }
}

export interface DevEnvStop {
  stopped: boolean;
  record: DevEnvRecord | null;
  /** The processes that were signalled (Linux). */
  pids: number[];
  /** The process group that was signalled, when it still ran. */
  group: number | null;
  problem: string | null;
}

/** Ends the recorded environment: TERM, then KILL after a grace. Never a group or process that is not baton's. */
export async function stopDevEnv(paths: ProjectPaths, graceMs = 2_000): Promise<DevEnvStop> {
  const { status, ownGroup } = await look(paths);
  const { record, running, problem } = status;
  if (!record || problem) return { stopped: false, record, pids: [], group: null, problem };
  if (running) await endEnvironment(paths, record, ownGroup, graceMs);
  await removeOwnFile(paths, paths.env, /^env\.json$/);
  return { stopped: running, record, pids: status.pids, group: ownGroup ? record.pgid : null, problem: null };
}
