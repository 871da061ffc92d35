/** Processes by pid: whether one is alive, and which one it is (a pid is reused after its process ends). */
import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it does, and belongs to someone else). */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started (field 22 of /proc/PID/stat, clock ticks since boot): with the pid
 * it names one process, not whichever process got the pid later. Null off Linux or for none.
 */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process recorded as (pid, start) still runs; without a start (or off Linux), whether the pid does. */
export function processIsAlive(pid: number, start: string | null | undefined): boolean {
  if (!pidIsAlive(pid)) return false;
  if (!start) return true;
  const current = processStart(pid);
  return current === null || current === start;
}
