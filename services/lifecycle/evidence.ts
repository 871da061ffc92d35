/**
 * `.claude/progress/evidence/`: the output of every health check and test run, one file per
 * run, bounded in size and in count. Written and pruned through the storage layer, so a
 * linked evidence folder is never written into, and pruning deletes only baton's own logs.
 */
import path from 'node:path';
import type { ProjectPaths } from '../project/paths.js';
import { createOwnFile, listOwnDir, removeOwnFile } from '../storage/write.js';

export const EVIDENCE_MAX_BYTES = 256 * 1024;
export const EVIDENCE_MAX_FILES = 40;

/** The names baton gives evidence files: `<time>-<label>-<pid>.log`. Nothing else there is pruned. */
const EVIDENCE_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[a-z_]+-\d+\.log$/;

export function evidenceFile(paths: ProjectPaths, label: string, now: Date = new Date()): string {
  return path.join(paths.evidence, `${now.toISOString().replace(/[:.]/g, '-')}-${label}-${process.pid}.log`);
}

export interface EvidenceWriter {
  file: string;
  /** Keeps output up to the size limit; past it, only counts what it drops. */
  write(chunk: Buffer): void;
  /** Notes what was dropped (with the output's last lines), adds the footer, and closes the file. */
  close(footer: string, tail: string): Promise<void>;
}

/** Removes the oldest of baton's evidence files so that, with the new one, at most `maxFiles` remain. */
async function makeRoom(paths: ProjectPaths, maxFiles: number): Promise<void> {
  const list = await listOwnDir(paths, paths.evidence);
  if (list.kind !== 'ok') return;
  const names = list.names.filter((name) => EVIDENCE_NAME.test(name)).sort();
  for (const old of names.slice(0, Math.max(0, names.length - maxFiles + 1))) await removeOwnFile(paths, path.join(paths.evidence, old), EVIDENCE_NAME);
}

export async function openEvidence(paths: ProjectPaths, label: string, command: string, limits: { maxBytes?: number; maxFiles?: number } = {}): Promise<EvidenceWriter> {
  const budget = limits.maxBytes ?? EVIDENCE_MAX_BYTES;
  await makeRoom(paths, limits.maxFiles ?? EVIDENCE_MAX_FILES);
  const file = evidenceFile(paths, label);
  const stream = (await createOwnFile(paths, file)).createWriteStream();
  stream.write(`$ ${command}\n`);
  let written = 0;
  let dropped = 0;
  return {
    file,
    write(chunk) {
      if (written + chunk.length <= budget) {
        stream.write(chunk);
        written += chunk.length;
      } else dropped += chunk.length;
    },
    async close(footer, tail) {
      if (dropped > 0) stream.write(`\n[... ${dropped} bytes not kept (limit ${budget}); the last lines follow ...]\n${tail}\n`);
      stream.write(`\n${footer}\n`);
      await new Promise((resolve) => stream.end(resolve));
    },
  };
}
