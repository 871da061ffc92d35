/**
 * Reading baton's files, through the guard in own-path.ts: never through a link, never a FIFO
 * that would block, never more than a file's size limit. Synchronous: these are small files,
 * and the per-tool-call hooks cannot afford the async machinery.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { core } from 'zod/mini';
import { describeError } from '../errors.js';
import { parseJsonText, schemaProblem, type FileProblem } from './json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { inspectOwn } from './own-path.js';

/** Most of baton's files are a few KB; this bounds what a hostile or damaged one costs. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export type TextRead =
  | { kind: 'missing' }
  | { kind: 'ok'; text: string }
  /** `entry`: the entry itself is wrong (a link, a folder, too big), as opposed to unreadable content. */
  | { kind: 'bad'; problem: FileProblem; entry: boolean };

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

type Opened = { kind: 'open'; fd: number; size: number };

/** Opens a file whose path has already been checked: O_NOFOLLOW, O_NONBLOCK, and a regular file or nothing. */
function openRegular(file: string, label: string): Opened | TextRead {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'bad', entry: true, problem: { file: label, problem: 'is a symbolic link; baton does not follow it' } };
    return { kind: 'bad', entry: false, problem: { file: label, problem: `cannot be read: ${describeError(error)}` } };
  }
  const stats = fstatSync(fd);
  if (stats.isFile()) return { kind: 'open', fd, size: stats.size };
  closeSync(fd);
  return { kind: 'bad', entry: true, problem: { file: label, problem: 'is not a regular file' } };
}

/** Reads `length` bytes ending at the end of the file (all of it when length is the size). */
function readEnd(opened: Opened, length: number, label: string): TextRead {
  try {
    const buffer = Buffer.alloc(length);
    let offset = 0;
    while (offset < length) {
      const read = readSync(opened.fd, buffer, offset, length - offset, opened.size - length + offset);
      if (read === 0) break;
      offset += read;
    }
    return { kind: 'ok', text: buffer.subarray(0, offset).toString('utf8') };
  } catch (error) {
    return { kind: 'bad', entry: false, problem: { file: label, problem: `cannot be read: ${describeError(error)}` } };
  } finally {
    closeSync(opened.fd);
  }
}

function readRegularFile(file: string, label: string, maxBytes: number): TextRead {
  const opened = openRegular(file, label);
  if (opened.kind !== 'open') return opened;
  if (opened.size > maxBytes) {
    closeSync(opened.fd);
    return { kind: 'bad', entry: true, problem: { file: label, problem: `is ${megabytes(opened.size)}, more than the ${megabytes(maxBytes)} baton reads of it; it was not read` } };
  }
  return readEnd(opened, opened.size, label);
}

/** Checks `file` and every folder above it (own-path.ts): missing, bad, or ready to open. */
function checkOwn(paths: ProjectPaths, file: string, label: string): TextRead | null {
  const inspection = inspectOwn(paths, file, 'file');
  if (inspection.kind === 'missing') return { kind: 'missing' };
  if (inspection.kind === 'present') return null;
  const where = inspection.at === file ? inspection.what : `cannot be reached (${displayPath(paths, inspection.at)} ${inspection.what})`;
  return { kind: 'bad', entry: true, problem: { file: label, problem: where } };
}

/** One of baton's files under `.claude/`. A bad root folder throws UnsafeFolderError. */
export function readOwnText(paths: ProjectPaths, file: string, options: { maxBytes?: number } = {}): TextRead {
  const label = displayPath(paths, file);
  return checkOwn(paths, file, label) ?? readRegularFile(file, label, options.maxBytes ?? DEFAULT_MAX_BYTES);
}

/** The last `bytes` of one of baton's files (a long log's tail), with the same checks as readOwnText. */
export function readOwnTail(paths: ProjectPaths, file: string, bytes: number): TextRead {
  const label = displayPath(paths, file);
  const problem = checkOwn(paths, file, label);
  if (problem) return problem;
  const opened = openRegular(file, label);
  return opened.kind === 'open' ? readEnd(opened, Math.min(opened.size, bytes), label) : opened;
}

export type JsonRead<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T; raw: string; warnings: string[] }
  | { kind: 'invalid'; problem: FileProblem; entry: boolean; raw: string | null };

/** What validates a file's content: a zod schema, or one with a fast path in front of it (feature-list.ts). */
export interface Validator<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: core.$ZodError };
}

/** Parses text as JSON and validates it; every problem names the file, where, and what. */
export function parseOwnJson<T>(label: string, text: string, schema?: Validator<T>): JsonRead<T> {
  const parsed = parseJsonText(label, text);
  if (!parsed.ok) return { kind: 'invalid', problem: parsed.problem, entry: false, raw: text };
  if (!schema) return { kind: 'ok', value: parsed.value as T, raw: text, warnings: parsed.warnings };
  const result = schema.safeParse(parsed.value);
  if (!result.success) return { kind: 'invalid', problem: schemaProblem(label, result.error), entry: false, raw: text };
  return { kind: 'ok', value: result.data, raw: text, warnings: parsed.warnings };
}

/** One of baton's JSON files: missing, valid, or invalid with the problem (the entry, the JSON, or the schema). */
export function readOwnJson<T = unknown>(paths: ProjectPaths, file: string, schema?: Validator<T>, options: { maxBytes?: number } = {}): JsonRead<T> {
  const read = readOwnText(paths, file, options);
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'invalid', problem: read.problem, entry: read.entry, raw: null };
  return parseOwnJson(displayPath(paths, file), read.text, schema);
}

/**
 * A file outside the project that baton reads by a name it was given (Claude Code's
 * transcript): a regular file only (a FIFO would block, a device never end), not through a
 * final link, and bounded.
 */
export function readNamedFile(file: string, options: { maxBytes?: number } = {}): TextRead {
  return readRegularFile(file, file, options.maxBytes ?? DEFAULT_MAX_BYTES);
}

/** Where a line-by-line read of a growing file stopped: the next read starts here if it is still the same file. */
export interface LinePosition {
  offset: number;
  /** The file's inode: a file replaced by another (however long) is read from its start. */
  inode: number;
  /** The last bytes before `offset` (base64): a file rewritten in place is read from its start too. */
  tail: string;
}

export type LinesRead = { kind: 'ok'; from: number; position: LinePosition } | Exclude<TextRead, { kind: 'ok' }>;

const LINE_CHUNK_BYTES = 1024 * 1024;
const TAIL_BYTES = 32;

function tailBefore(fd: number, offset: number): string {
  const length = Math.min(offset, TAIL_BYTES);
  const bytes = Buffer.alloc(length);
  const read = length ? readSync(fd, bytes, 0, length, offset - length) : 0;
  return bytes.subarray(0, read).toString('base64');
}

/**
 * The complete lines of a named file after `since` (where the last read stopped), read in
 * chunks: time is linear in what is read, and a line is held only until it ends. The read
 * starts over at 0 when the file is another one (another inode, shorter than `since`, other
 * bytes just before it); `from` says where it started. `maxBytes` bounds what one read takes
 * in. A last line with no newline is visited, and read past, only when `isWhole` says so (a
 * line still being written waits for the next read).
 */
export function readNamedLinesFrom(
  file: string,
  since: LinePosition | null,
  visit: (line: string) => void,
  options: { maxBytes?: number; isWhole?: (lastLine: string) => boolean } = {},
): LinesRead {
  const opened = openRegular(file, file);
  if (opened.kind !== 'open') return opened as Exclude<TextRead, { kind: 'ok' }>;
  try {
    const inode = fstatSync(opened.fd).ino;
    const resumes = since !== null && since.inode === inode && since.offset <= opened.size && tailBefore(opened.fd, since.offset) === since.tail;
    const start = resumes ? since.offset : 0;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (opened.size - start > maxBytes) {
      return { kind: 'bad', entry: true, problem: { file, problem: `has ${megabytes(opened.size - start)} to read, more than the ${megabytes(maxBytes)} baton reads at once; it was not read` } };
    }
    const chunk = Buffer.alloc(Math.min(LINE_CHUNK_BYTES, Math.max(opened.size - start, 1)));
    let pending: Buffer[] = [];
    let position = start;
    let end = start;
    while (position < opened.size) {
      const read = readSync(opened.fd, chunk, 0, Math.min(chunk.length, opened.size - position), position);
      if (read === 0) break;
      position += read;
      const bytes = chunk.subarray(0, read);
      const last = bytes.lastIndexOf(0x0a);
      if (last === -1) {
        pending.push(Buffer.from(bytes));
        continue;
      }
      const complete = pending.length ? Buffer.concat([...pending, bytes.subarray(0, last)]) : bytes.subarray(0, last);
      for (const line of complete.toString('utf8').split('\n')) visit(line);
      end = position - (read - last - 1);
      pending = [Buffer.from(bytes.subarray(last + 1))];
    }
    const rest = Buffer.concat(pending);
    if (rest.length && options.isWhole?.(rest.toString('utf8'))) {
      visit(rest.toString('utf8'));
      end += rest.length;
    }
    return { kind: 'ok', from: start, position: { offset: end, inode, tail: tailBefore(opened.fd, end) } };
  } catch (error) {
    return { kind: 'bad', entry: false, problem: { file, problem: `cannot be read: ${describeError(error)}` } };
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * A file of the project itself (package.json, pyproject.toml): read only when it is a regular
 * file whose real path is inside the project, so a link cannot bring outside content in.
 */
export function readProjectText(paths: ProjectPaths, relative: string, options: { maxBytes?: number } = {}): TextRead {
  const file = path.join(paths.root, relative);
  let real: string;
  try {
    real = realpathSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', entry: true, problem: { file: relative, problem: `cannot be resolved: ${describeError(error)}` } };
  }
  if (!isInside(paths.root, real)) return { kind: 'bad', entry: true, problem: { file: relative, problem: `is a link to ${real}, outside the project; baton does not read it` } };
  return readRegularFile(real, relative, options.maxBytes ?? DEFAULT_MAX_BYTES);
}

export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
