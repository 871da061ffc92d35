/**
 * Runs a shell command from project.json in its own process group, so a timeout or an
 * abort ends the whole tree: `sleep 100 & sleep 100` does not survive, and does not keep
 * the call waiting on the pipe its background child holds.
 */
export interface CommandResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The last lines of stdout and stderr, interleaved as they came. */
  outputTail: string;
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL for the process group. */
  graceMs?: number;
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

export async function runCommand(command: string, options: RunOptions): Promise<CommandResult> {
  const { execa } = await import('execa');
  const started = performance.now();
  const graceMs = options.graceMs ?? 500;
  const child = execa(command, {
    cwd: options.cwd,
    shell: true,
    detached: true,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    all: true,
  });
  let tail = '';
  child.all?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
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
  const stopOnExit = () => killGroup(child.pid, 'SIGKILL');
  process.once('exit', stopOnExit);

  try {
    const result = await child;
    // The shell is gone; anything it left in its group goes too (a backgrounded child).
    killGroup(child.pid, 'SIGKILL');
    return {
      ok: !timedOut && result.exitCode === 0,
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      durationMs: Math.round(performance.now() - started),
      outputTail: tail.trimEnd(),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    options.signal?.removeEventListener('abort', onAbort);
    process.removeListener('exit', stopOnExit);
  }
}
