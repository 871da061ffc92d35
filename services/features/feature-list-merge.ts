/**
 * Three-way merge of feature-list.json by feature id, as git's merge driver for it runs it
 * (`baton merge-features`): never a union of lines, which duplicates a feature whose status
 * changed on both branches. Pure: the command reads and writes the files.
 *
 * - A feature changed on one branch only takes that branch's version; one added on either is kept
 *   once; one removed on a branch is removed unless the other branch changed it (kept, then).
 * - A status changed on both branches takes the further one: completed, tested, implemented,
 *   in_progress, pending, in that order; except that a feature blocked on either branch stays
 *   blocked (unblocking it means starting it again, on one branch: that one-sided change wins).
 * - Any other field changed on both branches to different values keeps ours, and says so.
 */
import { isDeepStrictEqual } from 'node:util';

type Json = unknown;
export interface MergeableFeature {
  id: string;
  status: string;
  [field: string]: Json;
}
export interface MergeableList {
  features: MergeableFeature[];
  [field: string]: Json;
}

export interface MergedList {
  list: MergeableList;
  /** Fields both branches changed differently: ours was kept. */
  notes: string[];
}

const PROGRESS = ['pending', 'in_progress', 'implemented', 'tested', 'completed'];

/** The status of a feature both branches changed. */
export function laterStatus(ours: string, theirs: string): string {
  if (ours === 'blocked' || theirs === 'blocked') return 'blocked';
  return PROGRESS.indexOf(theirs) > PROGRESS.indexOf(ours) ? theirs : ours;
}

/** One value three ways: one-sided changes win; both changed the same way is that. null: a real conflict. */
function threeWay<T>(base: T | undefined, ours: T | undefined, theirs: T | undefined): { value: T | undefined } | null {
  if (isDeepStrictEqual(ours, theirs) || isDeepStrictEqual(theirs, base)) return { value: ours };
  if (isDeepStrictEqual(ours, base)) return { value: theirs };
  return null;
}

function mergeFields(base: Record<string, Json>, ours: Record<string, Json>, theirs: Record<string, Json>, where: string, notes: string[], skip: ReadonlySet<string>): Record<string, Json> {
  const merged: Record<string, Json> = {};
  for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    if (skip.has(key)) continue;
    const resolved = threeWay(base[key], ours[key], theirs[key]);
    if (!resolved) notes.push(`${where}: "${key}" changed on both branches; kept ours (${JSON.stringify(ours[key])}), theirs was ${JSON.stringify(theirs[key])}`);
    const value = resolved ? resolved.value : ours[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

const STATUS_FIELDS = new Set(['status', 'retries']);

function mergeFeature(base: MergeableFeature | undefined, ours: MergeableFeature, theirs: MergeableFeature, notes: string[]): MergeableFeature {
  const fields = mergeFields(base ?? {}, ours, theirs, `feature ${ours.id}`, notes, STATUS_FIELDS);
  const status = threeWay(base?.status, ours.status, theirs.status)?.value ?? laterStatus(ours.status, theirs.status);
  // The retry count goes with the status it belongs to (a restart starts it again).
  const retries = status === theirs.status && status !== ours.status ? theirs.retries : status === ours.status && status !== theirs.status ? ours.retries : maxOf(ours.retries, theirs.retries);
  const merged = { ...fields, id: ours.id, status } as MergeableFeature;
  if (retries !== undefined) merged.retries = retries;
  return reorder(merged, ours);
}

function maxOf(a: Json, b: Json): Json {
  if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
  return a ?? b;
}

/** The merged feature with its fields in the order ours has them (a diff of the result stays small). */
function reorder(feature: MergeableFeature, like: MergeableFeature): MergeableFeature {
  const ordered: Record<string, Json> = {};
  for (const key of Object.keys(like)) if (key in feature) ordered[key] = feature[key];
  for (const key of Object.keys(feature)) if (!(key in ordered)) ordered[key] = feature[key];
  return ordered as MergeableFeature;
}

const byId = (list: MergeableList | null) => new Map((list?.features ?? []).map((feature) => [feature.id, feature]));

export function mergeFeatureLists(base: MergeableList | null, ours: MergeableList, theirs: MergeableList): MergedList {
  const notes: string[] = [];
  const [baseById, oursById, theirsById] = [byId(base), byId(ours), byId(theirs)];
  const features: MergeableFeature[] = [];
  /** A feature one branch has and the other removed: gone, unless the branch that has it changed it. */
  const keptOneSided = (id: string, kept: MergeableFeature) => {
    const original = baseById.get(id);
    return !original || !isDeepStrictEqual(original, kept);
  };
  for (const feature of ours.features) {
    const other = theirsById.get(feature.id);
    if (other) features.push(mergeFeature(baseById.get(feature.id), feature, other, notes));
    else if (keptOneSided(feature.id, feature)) features.push(feature);
  }
  for (const feature of theirs.features) {
    if (!oursById.has(feature.id) && keptOneSided(feature.id, feature)) features.push(feature);
  }
  const { features: _base, ...baseRest } = base ?? { features: [] };
  const { features: _ours, ...oursRest } = ours;
  const { features: _theirs, ...theirsRest } = theirs;
  const rest = mergeFields(baseRest, oursRest, theirsRest, 'the list', notes, new Set());
  return { list: { ...rest, features } as MergeableList, notes };
}
