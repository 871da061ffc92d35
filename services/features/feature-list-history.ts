/**
 * The feature list at any revision, without a copy of it per event. The statechart keeps only
 * a tally; each log line records what its change did to the list: `changed`, the features it
 * moved, and `base`, the key of a copy of the list as the change found it, written only when
 * that differs from how the last revision left it (features added or edited by hand). A copy
 * holds ids, statuses and retries, and is named by the hash of its text, so the same list is
 * stored once.
 */
import path from 'node:path';
import type { FeatureProgress } from '../../machines/features.js';
import type { LogEntry } from '../lifecycle/event-log.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { readOwnText } from '../storage/read.js';
import { moveOwnAside, ownFileStats, writeOwnFile } from '../storage/write.js';
import { sha256 } from '../utils/hash.js';

export interface FeatureListChange {
  /** The copy of the list as the change found it, when it differs from how the previous revision left it. */
  base?: string;
  /** The features the change moved, with their new status and retries. */
  changed?: FeatureProgress[];
}

/** A copy of a 10,000-feature list is about 0.5 MB; anything far past that is not one of baton's. */
const MAX_COPY_BYTES = 32 * 1024 * 1024;
const KEY = /^[0-9a-f]{64}$/;

const copyText = (features: readonly FeatureProgress[] | null): string => JSON.stringify(features);

/** The key of a list: the hash of its copy's text. */
export const listKey = (features: readonly FeatureProgress[] | null): string => sha256(copyText(features));

const copyPath = (paths: ProjectPaths, key: string) => path.join(paths.featureLists, `${key}.json`);

/** Writes the copy of `features` unless it is there already, holding what its name says; returns its key. */
export async function saveListCopy(paths: ProjectPaths, features: readonly FeatureProgress[] | null): Promise<string> {
  const text = copyText(features);
  const key = sha256(text);
  const file = copyPath(paths, key);
  if (ownFileStats(paths, file) !== null) {
    if (readListCopy(paths, key).kind === 'ok') return key;
    // Other content under that name (a clone's, an edit): kept aside, since the log will name this copy.
    await moveOwnAside(paths, file, 'replaced');
  }
  await writeOwnFile(paths, file, text);
  return key;
}

/** The moves that make `before` into `after` (same features, some with another status or retries). */
export function changesBetween(before: readonly FeatureProgress[] | null, after: readonly FeatureProgress[] | null): FeatureProgress[] {
  if (before === null || after === null) return [];
  const old = new Map(before.map((feature) => [feature.id, feature]));
  return after.filter((feature) => {
    const was = old.get(feature.id);
    return was !== undefined && (was.status !== feature.status || was.retries !== feature.retries);
  });
}

export type ListRead = { kind: 'ok'; features: FeatureProgress[] | null } | { kind: 'unknown'; problem: string };

function isProgressList(value: unknown): value is FeatureProgress[] | null {
  return value === null || (Array.isArray(value) && value.every((item) => typeof item?.id === 'string' && typeof item.status === 'string' && Number.isInteger(item.retries)));
}

/** The copy a log line names, checked against its key (a copy edited by hand is not the list it names). */
export function readListCopy(paths: ProjectPaths, key: string): ListRead {
  const file = copyPath(paths, key);
  if (!KEY.test(key)) return { kind: 'unknown', problem: `the log names a feature list copy "${key}" that is not a key baton writes` };
  const read = readOwnText(paths, file, { maxBytes: MAX_COPY_BYTES });
  if (read.kind === 'missing') return { kind: 'unknown', problem: `${displayPath(paths, file)} is missing` };
  if (read.kind === 'bad') return { kind: 'unknown', problem: `${read.problem.file}: ${read.problem.problem}` };
  if (sha256(read.text) !== key) return { kind: 'unknown', problem: `${displayPath(paths, file)} does not hold the list it is named for (changed since it was written)` };
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch {
    value = undefined; // a file named for its own hash can still be a clone's, and not JSON
  }
  return isProgressList(value) ? { kind: 'ok', features: value } : { kind: 'unknown', problem: `${displayPath(paths, file)} is not a feature list copy` };
}

/**
 * Follows the log's feature records up to `revision`, keeping the list as a map changed in
 * place (a line costs what it changed, not the length of the list). The list is known from
 * the first line with a base on; a line without a record (written by an older baton) makes
 * it unknown again. `onFound` sees the list as each line with a base found it.
 */
function follow(
  paths: ProjectPaths,
  entries: readonly LogEntry[],
  revision: number,
  onFound?: (entry: LogEntry, found: FeatureProgress[] | null) => void,
): { kind: 'ok'; features: Map<string, FeatureProgress> | null } | { kind: 'unknown'; problem: string } {
  let current: { kind: 'ok'; features: Map<string, FeatureProgress> | null } | { kind: 'unknown'; problem: string } = {
    kind: 'unknown',
    problem: 'the event log holds no copy of the feature list up to this revision',
  };
  for (const entry of entries) {
    if (entry.revision > revision) break;
    const record = entry.features;
    if (!record) {
      // Lines that change nothing (recovery, migration) leave the list as it was; an old-format line does not say.
      if (!entry.event.type.startsWith('baton.')) current = { kind: 'unknown', problem: `revision ${entry.revision} does not record the feature list (written by an older baton)` };
      continue;
    }
    if (typeof record !== 'object' || record === null) {
      current = { kind: 'unknown', problem: `revision ${entry.revision} records the feature list in a form baton does not write` };
      continue;
    }
    if (record.base !== undefined) {
      const copy = readListCopy(paths, String(record.base));
      if (copy.kind === 'ok') onFound?.(entry, copy.features);
      current = copy.kind === 'ok' ? { kind: 'ok', features: copy.features && new Map(copy.features.map((feature) => [feature.id, feature])) } : copy;
    }
    if (current.kind !== 'ok' || !current.features) continue;
    const changed: unknown = record.changed ?? [];
    if (!isProgressList(changed)) {
      current = { kind: 'unknown', problem: `revision ${entry.revision} records moves baton does not write` };
      continue;
    }
    for (const moved of changed ?? []) if (current.features.has(moved.id)) current.features.set(moved.id, moved);
  }
  return current;
}

/** The feature list as revision `revision` left it. */
export function featureListAt(paths: ProjectPaths, entries: readonly LogEntry[], revision: number): ListRead {
  const result = follow(paths, entries, revision);
  return result.kind === 'ok' ? { kind: 'ok', features: result.features && [...result.features.values()] } : result;
}

/** The lists found changed by hand (or new) by the lines after revision `after`, up to `until`. */
export function listsFoundAfter(paths: ProjectPaths, entries: readonly LogEntry[], after: number, until: number): FeatureProgress[][] {
  const found: FeatureProgress[][] = [];
  follow(paths, entries.filter((entry) => entry.revision > after), until, (_, features) => {
    if (features) found.push(features);
  });
  return found;
}
