/**
 * Reading baton's files, through the guard in own-path.ts: never through a link, never a FIFO
 * that would block, never more than a file's size limit. Synchronous: these are small files,
 * and the per-tool-call hooks cannot afford the async machinery.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { describeError } from '../errors.js';
import { parseJsonText, schemaProblem, type FileProblem } from '../json-file.js';
import type { ProjectPaths } from '../paths.js';
import { displayOwnPath, inspectOwn } from './own-path.js';

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

/** Reads a regular file whose path has already been checked; `label` names it in problems. */
function readRegularFile(file: string, label: string, maxBytes: number): TextRead {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'bad', entry: true, problem: { file: label, problem: 'is a symbolic link; baton does not follow it' } };
    return { kind: 'bad', entry: false, problem: { file: label, problem: `cannot be read: ${describeError(error)}` } };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: 'bad', entry: true, problem: { file: label, problem: 'is not a regular file' } };
    if (stats.size > maxBytes) {
      return { kind: 'bad', entry: true, problem: { file: label, problem: `is ${megabytes(stats.size)}, more than the ${megabytes(maxBytes)} baton reads of it; it was not read` } };
    }
    const buffer = Buffer.alloc(stats.size);
    let offset = 0;
    while (offset < buffer.length) {
      const read = readSync(fd, buffer, offset, buffer.length - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return { kind: 'ok', text: buffer.subarray(0, offset).toString('utf8') };
  } catch (error) {
    return { kind: 'bad', entry: false, problem: { file: label, problem: `cannot be read: ${describeError(error)}` } };
  } finally {
    closeSync(fd);
  }
}

/** One of baton's files under `.claude/`. A bad root folder throws UnsafeFolderError. */
export function readOwnText(paths: ProjectPaths, file: string, options: { maxBytes?: number } = {}): TextRead {
  const label = displayOwnPath(paths, file);
  const inspection = inspectOwn(paths, file, 'file');
  if (inspection.kind === 'missing') return { kind: 'missing' };
  if (inspection.kind === 'bad') {
    const where = inspection.at === file ? '' : ` (${displayOwnPath(paths, inspection.at)} ${inspection.what})`;
    return { kind: 'bad', entry: true, problem: { file: label, problem: where ? `cannot be reached${where}` : inspection.what } };
  }
  return readRegularFile(file, label, options.maxBytes ?? DEFAULT_MAX_BYTES);
}

export type JsonRead<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T; raw: string; warnings: string[] }
  | { kind: 'invalid'; problem: FileProblem; entry: boolean; raw: string | null };

/** Parses text as JSON and validates it; every problem names the file, where, and what. */
export function parseOwnJson<T>(label: string, text: string, schema?: z.ZodType<T>): JsonRead<T> {
  const parsed = parseJsonText(label, text);
  if (!parsed.ok) return { kind: 'invalid', problem: parsed.problem, entry: false, raw: text };
  if (!schema) return { kind: 'ok', value: parsed.value as T, raw: text, warnings: parsed.warnings };
  const result = schema.safeParse(parsed.value);
  if (!result.success) return { kind: 'invalid', problem: schemaProblem(label, result.error), entry: false, raw: text };
  return { kind: 'ok', value: result.data, raw: text, warnings: parsed.warnings };
}

/** One of baton's JSON files: missing, valid, or invalid with the problem (the entry, the JSON, or the schema). */
export function readOwnJson<T = unknown>(paths: ProjectPaths, file: string, schema?: z.ZodType<T>, options: { maxBytes?: number } = {}): JsonRead<T> {
  const read = readOwnText(paths, file, options);
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'invalid', problem: read.problem, entry: read.entry, raw: null };
  return parseOwnJson(displayOwnPath(paths, file), read.text, schema);
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
