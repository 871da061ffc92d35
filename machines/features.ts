/** Feature progress as the statechart sees it: pure helpers, shared by guards, services and the CLI. */

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

export function findFeature(features: readonly FeatureProgress[] | null, id: string): FeatureProgress | undefined {
  return features?.find((feature) => feature.id === id);
}

export interface FeatureCounts {
  total: number;
  open: number;
  done: number;
  pending: number;
  blocked: number;
}

/** The one count every view shows (status, features list, status line, entry, summary, page). */
export function countFeatures(features: readonly { status: string }[] | null): FeatureCounts {
  const counts: FeatureCounts = { total: 0, open: 0, done: 0, pending: 0, blocked: 0 };
  for (const feature of features ?? []) {
    counts.total += 1;
    if (isOpenStatus(feature.status)) counts.open += 1;
    else counts.done += 1;
    if (feature.status === 'pending') counts.pending += 1;
    if (feature.status === 'blocked') counts.blocked += 1;
  }
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

const sameStep = (a: FeatureProgress | undefined, b: FeatureProgress | undefined) => a !== undefined && b !== undefined && a.status === b.status && a.retries === b.retries;

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
  return theirs.map((feature) => {
    const mine = findFeature(ours, feature.id);
    return mine && !sameStep(mine, findFeature(base, feature.id)) ? { id: feature.id, status: mine.status, retries: mine.retries } : { ...feature };
  });
}
