/** Feature progress as the statechart sees it: pure helpers, shared by guards, services and the CLI. */

/** Two readings of one feature at the same step: the same status and retries. */
export const sameStep = (a: FeatureProgress | undefined, b: FeatureProgress | undefined) =>
  a !== undefined && b !== undefined && a.id === b.id && a.status === b.status && a.retries === b.retries;

export const FEATURE_STATUSES = ['pending', 'in_progress', 'implemented', 'tested', 'completed', 'blocked'] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export interface FeatureProgress {
  id: string;
  status: FeatureStatus;
  retries: number;
}

/**
 * Done work: tested or completed. Everything else is open, `blocked` included (it still has to
 * be done). The spec's script counts only `pending` as open, so a feature left `in_progress`
 * by a crashed session looked "complete"; baton does not.
 */
const DONE: ReadonlySet<string> = new Set<FeatureStatus>(['tested', 'completed']);

/** Test failures before a feature is blocked, when the project's config does not say. */
export const DEFAULT_MAX_RETRIES = 3;

/** Takes any string, so a view reading a file it has not validated counts an unknown status as open, never as done. */
export function isOpenStatus(status: string): boolean {
  return !DONE.has(status);
}

/**
 * What a feature id may be: 1 to 64 ASCII letters, digits, `.`, `_` or `-`, starting with a
 * letter or digit. Ids go into shell commands (`baton features start ID`), commit messages and
 * trailers, so they are one clean token: no spaces, no quotes, no leading `-`.
 */
const FEATURE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const FEATURE_ID_RULE = 'an id is 1 to 64 letters (a-z, A-Z), digits, ".", "_" or "-", starting with a letter or digit';

/** Why `id` is not a valid feature id, or null when it is. */
export function featureIdProblem(id: string): string | null {
  if (FEATURE_ID.test(id)) return null;
  return `feature id ${JSON.stringify(id)} is not valid: ${FEATURE_ID_RULE}`;
}

export function findFeature(features: readonly FeatureProgress[] | null | undefined, id: string): FeatureProgress | undefined {
  return features?.find((feature) => feature.id === id);
}

/**
 * What the statechart keeps of the feature list: its counts, and the features a change is
 * about (the current one and the one an event names). The list itself stays in its file, the
 * one source of truth; the session service syncs the tally from it, so an event costs the
 * same with 50 features or 10,000.
 */
export interface FeatureTally {
  counts: FeatureCounts;
  focus: FeatureProgress[];
}

/** The tally of `features` with the features named by `focusIds` (in the list's order); null: no list. */
export function tallyFeatures(features: readonly FeatureProgress[] | null, focusIds: readonly (string | null | undefined)[]): FeatureTally | null {
  if (features === null) return null;
  const ids = new Set(focusIds.filter((id): id is string => typeof id === 'string'));
  return { counts: countFeatures(features), focus: features.filter((feature) => ids.has(feature.id)).map((feature) => ({ ...feature })) };
}

/** The tally after the machine moved one feature in focus: the feature's new step, and the open count following it. */
export function moveInTally(tally: FeatureTally | null, id: string, status: FeatureStatus, retryDelta = 0): FeatureTally | null {
  const moved = findFeature(tally?.focus, id);
  if (!tally || !moved) return tally;
  const counts = { ...tally.counts };
  count(counts, moved.status, -1);
  count(counts, status, 1);
  return { counts, focus: tally.focus.map((feature) => (feature.id === id ? { id, status, retries: feature.retries + retryDelta } : feature)) };
}

/** The full list with the tally's focus written in: what the machine's moves make of the list it was synced from. */
export function applyFocus(features: readonly FeatureProgress[] | null, tally: FeatureTally | null): FeatureProgress[] | null {
  if (features === null) return null;
  return features.map((feature) => findFeature(tally?.focus, feature.id) ?? feature);
}

export interface FeatureCounts {
  total: number;
  open: number;
  done: number;
  pending: number;
  blocked: number;
}

/** Adds (`by` 1) or takes away (-1) one feature of `status` from `counts`. */
function count(counts: FeatureCounts, status: string, by: 1 | -1): void {
  counts.total += by;
  if (isOpenStatus(status)) counts.open += by;
  else counts.done += by;
  if (status === 'pending') counts.pending += by;
  if (status === 'blocked') counts.blocked += by;
}

/** The one count every view shows (status, features list, status line, entry, summary, page). */
export function countFeatures(features: readonly { status: string }[] | null): FeatureCounts {
  const counts: FeatureCounts = { total: 0, open: 0, done: 0, pending: 0, blocked: 0 };
  for (const feature of features ?? []) count(counts, feature.status, 1);
  return counts;
}

/** The feature to work on next: finish what was started before picking up new work; blocked last. */
export function nextFeature(features: readonly FeatureProgress[] | null, currentId: string | null = null): FeatureProgress | undefined {
  const current = currentId ? findFeature(features, currentId) : undefined;
  if (current && isOpenStatus(current.status) && current.status !== 'blocked') return current;
  const order: FeatureStatus[] = ['implemented', 'in_progress', 'pending', 'blocked'];
  for (const status of order) {
    const found = features?.find((feature) => feature.status === status);
    if (found) return found;
  }
  return undefined;
}


/**
 * A change's result merged into the feature list as it is now. `base` is the list as the
 * change last read it, `ours` the machine's list after the change, `theirs` the file now
 * (others may have edited it meanwhile). The features are the file's, in its order (added
 * ones kept, deleted ones not brought back); a feature the change moved (its status or
 * retries differ from `base`) takes the change's values, every other one keeps the file's.
 */
export function mergeProgress(
  base: readonly FeatureProgress[] | null,
  ours: readonly FeatureProgress[] | null,
  theirs: readonly FeatureProgress[] | null,
): FeatureProgress[] | null {
  if (theirs === null) return null;
  const byId = (list: readonly FeatureProgress[] | null) => new Map((list ?? []).map((feature) => [feature.id, feature]));
  const [baseById, oursById] = [byId(base), byId(ours)];
  return theirs.map((feature) => {
    const mine = oursById.get(feature.id);
    return mine && !sameStep(mine, baseById.get(feature.id)) ? { id: feature.id, status: mine.status, retries: mine.retries } : { ...feature };
  });
}
