/**
 * Hook input, read to the end of the stream however it arrives: late, in pieces, or hundreds of
 * KB from a Node parent. Synchronous, because setting up the async stdin stream cost more than
 * the whole gate; bounded in size and in time, because a writer that never closes must not hold
 * a hook past its timeout.
 */
import { readSync } from 'node:fs';
import { isatty } from 'node:tty';

export const STDIN_LIMITS = { bytes: 16 * 1024 * 1024, ms: 5_000 };

export type StdinRead = { ok: true; text: string } | { ok: false; problem: string };

const CHUNK = 1024 * 1024;
const POLL_MS = 1;
const pause = new Int32Array(new SharedArrayBuffer(4));

export function readStdinToEnd(limits = STDIN_LIMITS): StdinRead {
  // Someone typing at a terminal is not a hook: no input, rather than waiting for them.
  if (isatty(0)) return { ok: true, text: '' };
  // Opening process.stdin makes a pipe non-blocking, so a read that finds nothing yet returns
  // EAGAIN instead of blocking: that is what lets the time bound hold.
  void process.stdin;
  const chunks: Buffer[] = [];
  let size = 0;
  const deadline = Date.now() + limits.ms;
  for (;;) {
    if (Date.now() >= deadline) return { ok: false, problem: `hook input did not end within ${limits.ms / 1000} s (${size} bytes read): whatever runs the hook must close stdin after the JSON` };
    const buffer = Buffer.allocUnsafe(CHUNK);
    let read: number;
    try {
      read = readSync(0, buffer, 0, CHUNK, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EOF' || code === 'EBADF') break; // closed or absent stdin: the input is what came
      if (code !== 'EAGAIN') return { ok: false, problem: `hook input could not be read from stdin (${(error as Error).message})` };
      Atomics.wait(pause, 0, 0, POLL_MS);
      continue;
    }
    if (read === 0) break;
    size += read;
    if (size > limits.bytes) return { ok: false, problem: `hook input is over ${limits.bytes / (1024 * 1024)} MB: far more than any hook payload, so baton stopped reading it` };
    chunks.push(buffer.subarray(0, read));
  }
  return { ok: true, text: Buffer.concat(chunks, size).toString('utf8') };
}
