/**
 * Keeping a log under its size limit while another process still appends to it: the dev
 * environment's log, which its server writes directly and which outlives baton. Past the
 * limit, baton keeps the first lines (the start-up) and the latest output, and leaves a note
 * where the middle was cut, counting every byte dropped so far. The writer's descriptor must
 * be O_APPEND (createOwnFile's `append`), so it goes on writing at the new end.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { ProjectPaths } from '../project/paths.js';
import { inspectOwn } from './own-path.js';

/** The start of the log kept as it is, cut back to a line end. */
const HEAD_BYTES = 16 * 1024;
/** Where an earlier note is looked for (the head, plus what the writer slipped in after it). */
const NOTE_WINDOW = 4 * HEAD_BYTES;
const NOTE = /\n\[baton: (\d+) bytes of output dropped here to keep this log under [^\]\n]*\]\n/;

function readAt(fd: number, start: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const read = readSync(fd, buffer, offset, length - offset, start + offset);
    if (read === 0) break;
    offset += read;
  }
  return buffer.subarray(0, offset);
}

/**
 * Trims one of baton's logs to about half of `maxBytes` when it is larger than `maxBytes`:
 * the head stays where it is, the file is cut after it, and the note and the latest output are
 * appended. What the writer appends during the trim lands after the head, before the note
 * (those lines show out of order); what it appends between the last read and the cut (a few
 * microseconds) is lost. Returns the bytes dropped now (0: within the limit, or not a regular
 * file of baton's).
 */
export function trimOwnLog(paths: ProjectPaths, file: string, maxBytes: number): number {
  if (inspectOwn(paths, file, 'file').kind !== 'present') return 0;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return 0;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size <= maxBytes) return 0;
    // Bytes as latin1 characters: offsets in the string are offsets in the file.
    const start = readAt(fd, 0, Math.min(stats.size, NOTE_WINDOW)).toString('latin1');
    const previous = NOTE.exec(start);
    const lineEnd = start.lastIndexOf('\n', HEAD_BYTES - 1);
    // After an earlier trim the head ends where its note begins, unless the writer slipped a lot in.
    const headEnd = previous && previous.index <= 2 * HEAD_BYTES ? previous.index : lineEnd >= 0 ? lineEnd + 1 : HEAD_BYTES;
    const size = fstatSync(fd).size;
    const keep = Math.max(0, Math.floor(maxBytes / 2) - headEnd);
    let tail = readAt(fd, size - keep, keep);
    const firstLine = tail.indexOf(0x0a);
    if (firstLine >= 0 && firstLine < tail.length - 1) tail = tail.subarray(firstLine + 1);
    const dropped = size - tail.length - headEnd - (previous ? previous[0].length : 0);
    const total = (previous ? Number(previous[1]) : 0) + dropped;
    ftruncateSync(fd, headEnd);
    writeSync(fd, Buffer.concat([Buffer.from(`\n[baton: ${total} bytes of output dropped here to keep this log under ${Math.round(maxBytes / 1024)} KB]\n`), tail]));
    return dropped;
  } finally {
    closeSync(fd);
  }
}
