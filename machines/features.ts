/** Feature progress as the statechart sees it: pure helpers, shared by guards, services and the CLI. */

export const FEATURE_STATUSES = ['pending', 'in_progress', 'implemented', 'tested', 'completed', 'blocked'] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export interface FeatureProgress {
  id: string;
  status: FeatureStatus;
  retries: number;
}

/**
 * Open work: anything not tested or completed. The spec's script counts only `pending`,
 * so a feature left `in_progress` by a crashed session looked "complete"; baton does not.
 */
const OPEN: ReadonlySet<FeatureStatus> = new Set(['pending', 'in_progress', 'implemented', 'blocked']);

export function isOpenStatus(status: FeatureStatus): boolean {
  return OPEN.has(status);
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

export function countFeatures(features: readonly FeatureProgress[] | null): FeatureCounts {
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
