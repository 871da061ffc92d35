/**
 * Runs a shell command from project.json in its own process group, so a timeout or an
 * abort ends the whole tree: `sleep 100 & sleep 100` does not survive, and does not keep
 * the call waiting on the pipe its background child holds. If baton itself is interrupted
 * (Ctrl-C, SIGTERM, SIGHUP), the groups it started go with it.
 *
 * A command given as an argv array runs without a shell: for baton's own checks, whose
 * arguments (file names from a package.json) must never be read as shell syntax.
 */
import { constants } from 'node:os';
import { openEvidence } from '../services/evidence.js';
import type { ProjectPaths } from '../services/paths.js';
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

export async function runCommand(command: Command, options: RunOptions): Promise<CommandResult> {
  const { execa } = await import('execa');
  const started = performance.now();
  const graceMs = options.graceMs ?? 500;
  const evidence = options.evidence ? await openEvidence(options.evidence.paths, options.evidence.label, commandText(command), options.evidence) : null;
  let tail = '';

  // Wrapped in an object: the subprocess is itself a promise, which resolve() would wait for.
  const spawn = () =>
    new Promise<{ child: ReturnType<typeof execa> }>((resolve, reject) => {
      const settings = { cwd: options.cwd, detached: true, reject: false, stdin: 'ignore', buffer: false, all: true, env: options.env } as const;
      const child = typeof command === 'string' ? execa(command, { ...settings, shell: true }) : execa(command[0], command.slice(1), { ...settings, shell: false });
      // A failed spawn surfaces as a rejected result without a pid; anything else is a run.
      if (child.pid === undefined) child.then((result) => reject(Object.assign(new Error(result.message), { code: result.code })), reject);
      else {
        liveGroups.add(child.pid);
        resolve({ child });
      }
    });
  beginRun();
  let child: ReturnType<typeof execa>;
  try {
    ({ child } = await retryWithBackoff(spawn, isTransientSpawnError));
  } catch (error) {
    endRun();
    throw error;
  }
  child.all?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    evidence?.write(chunk);
  });

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    killGroup(child.pid, 'SIGTERM');
    killTimer ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.timeoutMs);
  const onAbort = () => terminate();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const result = await child;
    // The shell is gone; anything it left in its group goes too (a backgrounded child).
    killGroup(child.pid, 'SIGKILL');
    const durationMs = Math.round(performance.now() - started);
    await evidence?.close(`[exit ${result.exitCode ?? '-'}${result.signal ? `, signal ${result.signal}` : ''}${timedOut ? ', timed out' : ''}, ${durationMs} ms]`, tail);
    return {
      ok: !timedOut && result.exitCode === 0,
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      durationMs,
      outputTail: tail.trimEnd(),
      ...(evidence ? { evidence: evidence.file } : {}),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    liveGroups.delete(child.pid!);
    endRun();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
