/**
 * Runs a shell command from project.json in its own process group, so a timeout or an
 * abort ends the whole tree: `sleep 100 & sleep 100` does not survive. If baton itself is
 * interrupted (Ctrl-C, SIGTERM, SIGHUP), the groups it started go with it.
 *
 * The result is the command's own exit. A descendant that left the group (`setsid server &`)
 * is no longer baton's to wait for: once the command exits, its output is read a moment
 * longer and then let go, so a pipe such a process holds does not hold baton. The timeout is
 * wall time from the start, whatever the pipe does.
 *
 * A command given as an argv array runs without a shell: for baton's own checks, whose
 * arguments (file names from a package.json) must never be read as shell syntax.
 */
import { spawn, type ChildProcessByStdio, type SpawnOptionsWithStdioTuple } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { openEvidence } from '../services/lifecycle/evidence.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { isTransientSpawnError, retryWithBackoff } from './retry.js';

export interface CommandResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The last lines of stdout and stderr, interleaved as they came. */
  outputTail: string;
  /** The file holding the whole output (bounded), when an evidence directory was given. */
  evidence?: string;
}

export interface EvidenceOptions {
  /** The project whose evidence folder keeps the output. */
  paths: ProjectPaths;
  /** Short name of what ran: health_check, smoke_test, ... */
  label: string;
  maxBytes?: number;
  maxFiles?: number;
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL for the process group. */
  graceMs?: number;
  evidence?: EvidenceOptions;
  env?: Record<string, string>;
}

const TAIL_CHARS = 4_000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

// Process groups started and not yet reaped, so an interrupted baton can take them along.
// The handlers are in place before a run spawns anything, and its group is recorded in the
// same tick as the spawn: a signal that came in between would kill baton (no handler yet)
// and leave the group running.
const liveGroups = new Set<number>();
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let runsInFlight = 0;

function onInterrupt(signal: NodeJS.Signals): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  process.exit(128 + (constants.signals[signal] ?? 1));
}

function beginRun(): void {
  if (runsInFlight++ === 0) for (const signal of INTERRUPTS) process.on(signal, onInterrupt);
}

function endRun(): void {
  if (--runsInFlight === 0) for (const signal of INTERRUPTS) process.removeListener(signal, onInterrupt);
}

/** A shell command line, or an argv array (program first) run without a shell. */
export type Command = string | readonly [string, ...string[]];

/** How a command shows in evidence: argv words quoted where a shell would need it. */
export function commandText(command: Command): string {
  if (typeof command === 'string') return command;
  return command.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long output is still read after the command exits: what it wrote just before, still in the pipe. */
const DRAIN_MS = 200;

interface Ending {
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  timedOut: boolean;
  /** The command exited but the pipe stayed open: held by processes that left its group (setsid). */
  pipeHeld: boolean;
}

function startChild(command: Command, options: RunOptions): Promise<ChildProcessByStdio<null, Readable, Readable>> {
  return new Promise((resolve, reject) => {
    const settings: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'pipe'> = { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ? { ...process.env, ...options.env } : process.env };
    const child = typeof command === 'string' ? spawn(command, { ...settings, shell: true }) : spawn(command[0], command.slice(1), settings);
    // A failed spawn has no pid and reports its error next; anything else is a run.
    if (child.pid === undefined) child.once('error', reject);
    else {
      liveGroups.add(child.pid);
      resolve(child);
    }
  });
}

/**
 * Waits for the command itself, not for its output pipe: once it exits, the output is read for
 * DRAIN_MS more (or until the pipe closes), then what is left of its group is killed; a process
 * that escaped the group (setsid) and still holds the pipe is not waited for. The timeout is wall time from the start: TERM to the
 * group, KILL after the grace, and the run ends DRAIN_MS after that whatever the pipe does.
 */
function awaitEnding(child: ChildProcessByStdio<null, Readable, Readable>, options: RunOptions, graceMs: number, onOutput: (chunk: Buffer) => void): Promise<Ending> {
  return new Promise((resolve) => {
    const pid = child.pid!;
    const timers: NodeJS.Timeout[] = [];
    const after = (ms: number, action: () => void) => timers.push(setTimeout(action, Math.min(Math.max(ms, 0), MAX_TIMER_MS)));
    let exit: Ending['exit'] = null;
    let timedOut = false;
    let terminating = false;
    let settled = false;
    const finish = (pipeHeld: boolean) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', terminate);
      // What the command left in its group goes with it (a backgrounded child). Not at its exit:
      // a child it started with setsid may not have left the group yet.
      killGroup(pid, 'SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ exit, timedOut, pipeHeld });
    };
    function terminate() {
      if (terminating) return;
      terminating = true;
      killGroup(pid, 'SIGTERM');
      after(graceMs, () => {
        killGroup(pid, 'SIGKILL');
        after(DRAIN_MS, () => finish(exit !== null));
      });
    }
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', () => {
      // a failed kill or pipe: the exit, the close or the deadline still ends the run
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      after(DRAIN_MS, () => finish(true));
    });
    child.once('close', () => finish(false));
    after(options.timeoutMs, () => {
      if (exit) return;
      timedOut = true;
      terminate();
    });
    if (options.signal?.aborted) terminate();
    else options.signal?.addEventListener('abort', terminate, { once: true });
  });
}

export async function runCommand(command: Command, options: RunOptions): Promise<CommandResult> {
  const started = performance.now();
  const graceMs = options.graceMs ?? 500;
  const evidence = options.evidence ? await openEvidence(options.evidence.paths, options.evidence.label, commandText(command), options.evidence) : null;
  let tail = '';

  beginRun();
  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    child = await retryWithBackoff(() => startChild(command, options), isTransientSpawnError);
  } catch (error) {
    endRun();
    throw error;
  }
  try {
    const { exit, timedOut, pipeHeld } = await awaitEnding(child, options, graceMs, (chunk) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
      evidence?.write(chunk);
    });
    const durationMs = Math.round(performance.now() - started);
    const held = pipeHeld ? "; output still held open by processes outside the command's group, not read further" : '';
    await evidence?.close(`[exit ${exit?.code ?? '-'}${exit?.signal ? `, signal ${exit.signal}` : ''}${timedOut ? ', timed out' : ''}, ${durationMs} ms${held}]`, tail);
    return {
      ok: !timedOut && exit?.code === 0,
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
      timedOut,
      durationMs,
      outputTail: tail.trimEnd(),
      ...(evidence ? { evidence: evidence.file } : {}),
    };
  } finally {
    liveGroups.delete(child.pid!);
    endRun();
  }
}
