/** readNamedLinesFrom against the source: a growing file read line by line, from where the last read stopped. */
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNamedLinesFrom, type LinePosition } from '../../../services/storage/read.js';

function read(file: string, since: LinePosition | null, options: { maxBytes?: number; isWhole?: (line: string) => boolean } = {}) {
  const lines: string[] = [];
  const result = readNamedLinesFrom(file, since, (line) => lines.push(line), options);
  if (result.kind !== 'ok') throw new Error(`not read: ${JSON.stringify(result)}`);
  return { lines, ...result };
}

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'baton-lines-')), 'file.jsonl');

describe('readNamedLinesFrom', () => {
  it('lines across the 1 MB chunk boundary, multi-byte characters split by it, and a 3 MB line come whole', () => {
    const file = tempFile();
    const first = 'a'.repeat(1024 * 1024 - 2) + 'é€😀'; // the boundary falls inside the multi-byte characters
    const long = 'ü'.repeat(1_500_000); // 3 MB
    writeFileSync(file, `${first}\n${long}\nlast\n`);
    const { lines, position } = read(file, null);
    expect(lines).toEqual([first, long, 'last']);
    expect(position.offset).toBe(Buffer.byteLength(`${first}\n${long}\nlast\n`));
  });

  it('goes on from where it stopped; a line still being written waits, and is read whole once it ends', () => {
    const file = tempFile();
    writeFileSync(file, 'one\ntw');
    const first = read(file, null);
    expect(first.lines).toEqual(['one']);
    appendFileSync(file, 'o\nthree\n');
    const second = read(file, first.position);
    expect(second.from).toBe(first.position.offset);
    expect(second.lines).toEqual(['two', 'three']);
  });

  it('a last line the caller calls whole is read past, by its bytes (invalid UTF-8 included)', () => {
    const file = tempFile();
    writeFileSync(file, Buffer.concat([Buffer.from('ok\n{"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    const first = read(file, null, { isWhole: (line) => line.endsWith('}') });
    expect(first.lines).toHaveLength(2);
    appendFileSync(file, '\nnext\n');
    expect(read(file, first.position).lines).toEqual(['', 'next']);
  });

  it('another file in its place, a shorter one, or one rewritten before the position is read from the start', () => {
    const file = tempFile();
    writeFileSync(file, 'a\nb\n');
    const { position } = read(file, null);
    const replaced = `${file}.new`;
    writeFileSync(replaced, 'c\nd\ne\nf\n');
    renameSync(replaced, file);
    expect(read(file, position)).toMatchObject({ from: 0, lines: ['c', 'd', 'e', 'f'] });
    const long = read(file, null).position; // offset 8 in this file
    writeFileSync(file, 'x\n'); // the same inode, shorter than the position
    expect(read(file, long)).toMatchObject({ from: 0, lines: ['x'] });
    writeFileSync(file, 'a\nb\n');
    const again = read(file, null).position;
    writeFileSync(file, 'a\nB\nmore\n'); // same inode, its last bytes before the position changed
    expect(read(file, again)).toMatchObject({ from: 0, lines: ['a', 'B', 'more'] });
  });

  it('bounds what one read takes in, not the file', () => {
    const file = tempFile();
    writeFileSync(file, `${'x'.repeat(2000)}\n`);
    const { position } = read(file, null);
    appendFileSync(file, 'small\n');
    expect(read(file, position, { maxBytes: 100 }).lines).toEqual(['small']);
    expect(readNamedLinesFrom(file, null, () => undefined, { maxBytes: 100 }).kind).toBe('bad');
  });
});
