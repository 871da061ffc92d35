/** Retries an operation that failed for a passing reason (a held index.lock, a spawn error). */
import { sleep } from '../services/utils/sleep.js';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  /** Called before each retry: for reporting. */
  onRetry?: (attempt: number, error: unknown) => void;
}

export async function retryWithBackoff<T>(operation: () => Promise<T>, isTransient: (error: unknown) => boolean, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 100;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      options.onRetry?.(attempt, error);
      await sleep(base * 2 ** (attempt - 1));
    }
  }
}

const TRANSIENT_SPAWN_CODES = new Set(['EAGAIN', 'ENOMEM', 'EMFILE', 'ENFILE', 'EBUSY', 'ETXTBSY']);

export function isTransientSpawnError(error: unknown): boolean {
  return TRANSIENT_SPAWN_CODES.has((error as NodeJS.ErrnoException)?.code ?? '');
}
