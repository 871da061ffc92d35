/** Terminal output: colour only on a terminal and without NO_COLOR; JSON is always plain. */
import type { Writable } from 'node:stream';

export function colorEnabled(stream: Writable & { isTTY?: boolean } = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== '0';
  return Boolean(stream.isTTY);
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

export function paint(text: string, style: Style, enabled = colorEnabled()): string {
  return enabled ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A warning for the user, on stderr so that stdout stays the command's answer. */
export function warn(message: string): void {
  process.stderr.write(`baton: warning: ${message}\n`);
}
