/**
 * Errors a user can act on. Each carries the exit code the CLI returns and, where it
 * helps, which file is at fault and what to do next.
 */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  REFUSED: 3,
  BAD_FILE: 4,
  BUSY: 5,
  IO: 6,
  /** The event ran, but the check it needed did not pass: a health check in FIX_BROKEN, or the tests of a feature. */
  CHECK_FAILED: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class BatonError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'BatonError';
  }
}

export class UsageError extends BatonError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.USAGE, hint);
  }
}

/** An event the current state does not accept, or whose guard refused it. Nothing was written. */
export class RefusedEventError extends BatonError {
  constructor(
    message: string,
    readonly state: string,
    readonly accepted: string[],
  ) {
    super(message, EXIT.REFUSED);
  }
}

/** A file baton cannot use. `location` is a field path or a line:column. */
export class BadFileError extends BatonError {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly location?: string,
    hint?: string,
  ) {
    super(`${file}${location ? ` (${location})` : ''}: ${problem}`, EXIT.BAD_FILE, hint);
  }
}

export class BusyError extends BatonError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.BUSY, hint);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

const IO_CODES = new Set(['ENOSPC', 'EIO', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'EMFILE', 'ENFILE']);

/** A file-system error (disk full, I/O error, permission) as a user-facing error, not a bug. */
export function asIoError(error: unknown): BatonError | null {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (!code || !IO_CODES.has(code)) return null;
  return new BatonError((error as Error).message, EXIT.IO, 'free space or fix permissions, then run the command again; nothing was half-written');
}
