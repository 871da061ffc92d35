/** Terminal output: colour only on a terminal and without NO_COLOR; JSON is always plain. */
import type { Writable } from 'node:stream';
import { oneLine } from '../services/utils/one-line.js';

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

/** A warning for the user, on stderr so that stdout stays the command's answer; one line, whatever paths or text it quotes. */
export function warn(message: string): void {
  process.stderr.write(`baton: warning: ${oneLine(message)}\n`);
}

/** The width tables and reports are laid out for: a standard terminal, also when piped. */
export const LINE_WIDTH = 80;

const ANSI = /\x1b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, '').length;

/** `word` split after `room` visible characters (colour codes kept, never a character cut in two). */
function cutWord(word: string, room: number): [head: string, tail: string] {
  let head = '';
  let shown = 0;
  const characters = word.split(/(\x1b\[[0-9;]*m)/).flatMap((part) => (part.startsWith('\x1b') ? [part] : Array.from(part)));
  let index = 0;
  for (; index < characters.length; index += 1) {
    const character = characters[index]!;
    const width = character.startsWith('\x1b') ? 0 : character.length;
    if (shown + width > room && shown > 0) break;
    head += character;
    shown += width;
  }
  return [head, characters.slice(index).join('')];
}

/**
 * `line` broken at spaces into lines of at most LINE_WIDTH visible characters, the ones after the
 * first starting with `indent`; a word longer than a line (a URL, JSON) is cut. The spaces
 * within a line are kept as they are, so its columns stay aligned.
 */
function wrap(line: string, indent: string): string[] {
  const lines: string[] = [];
  let current = '';
  // Words at even indexes, the runs of spaces between them at odd ones.
  const parts = line.split(/( +)/);
  for (let index = 0; index < parts.length; index += 2) {
    let word = parts[index]!;
    const gap = index === 0 ? '' : parts[index - 1]!;
    if (visibleLength(current + gap + word) <= LINE_WIDTH) {
      current += gap + word;
      continue;
    }
    if (current.replace(ANSI, '').trim() !== '') {
      lines.push(current);
      current = indent;
    } else current += gap; // still at the start of the line: its own leading spaces
    while (visibleLength(current + word) > LINE_WIDTH) {
      const [head, tail] = cutWord(word, LINE_WIDTH - visibleLength(current));
      lines.push(current + head);
      current = indent;
      word = tail;
    }
    current += word;
  }
  lines.push(current);
  return lines;
}

/** println, wrapped to LINE_WIDTH (see wrap); `indent` starts the lines after the first. */
export function printWrapped(line: string, indent = ''): void {
  for (const part of wrap(line, indent)) println(part);
}
