/**
 * Features that wait for others (`depends_on`): which are ready, and what is wrong with the
 * graph (an id that names no feature, a cycle). Pure: `baton features next`, `list --ready`
 * and the next feature entry names all read it.
 */
import { isOpenStatus, type FeatureStatus } from './features.js';

export interface DependentFeature {
  id: string;
  status: FeatureStatus;
  depends_on?: unknown;
}

export interface DependencyProblems {
  /** `depends_on` that is not a list of ids. */
  malformed: string[];
  /** Ids a feature depends on that name no feature. */
  unknown: { feature: string; missing: string[] }[];
  /** Each cycle's members, in the order the graph reaches them. */
  cycles: string[][];
}

/** The ids a feature depends on; none when its `depends_on` is not a list of strings (reported as malformed). */
export function dependenciesOf(feature: DependentFeature): string[] {
  return Array.isArray(feature.depends_on) && feature.depends_on.every((id) => typeof id === 'string') ? (feature.depends_on as string[]) : [];
}

export function dependencyProblems(features: readonly DependentFeature[]): DependencyProblems {
  const ids = new Set(features.map((feature) => feature.id));
  const malformed = features.filter((feature) => feature.depends_on !== undefined && !(Array.isArray(feature.depends_on) && feature.depends_on.every((id) => typeof id === 'string'))).map((feature) => feature.id);
  const unknown = features.map((feature) => ({ feature: feature.id, missing: dependenciesOf(feature).filter((id) => !ids.has(id)) })).filter((entry) => entry.missing.length > 0);
  return { malformed, unknown, cycles: cyclesIn(features) };
}

/** Tarjan's strongly connected components: every component of more than one feature, or one that names itself, is a cycle. Iterative, so a long chain cannot overflow the stack. */
function cyclesIn(features: readonly DependentFeature[]): string[][] {
  const edges = new Map(features.map((feature) => [feature.id, dependenciesOf(feature).filter((id) => id !== undefined)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { id: string; next: number }[] = [{ id: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work.at(-1)!;
      const targets = (edges.get(frame.id) ?? []).filter((id) => edges.has(id));
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, next: 0 });
        } else if (onStack.has(target)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1 || (edges.get(frame.id) ?? []).includes(frame.id)) cycles.push(component.reverse());
      }
    }
  }
  return cycles;
}

/** Done work, as dependencies count it: a dependency is met once its feature is tested. */
const isMet = (status: FeatureStatus) => !isOpenStatus(status);

/** The features by id, made once per list: every lookup below is then constant time, so 10,000 features stay linear. */
function byIdOf(features: readonly DependentFeature[]): Map<string, DependentFeature> {
  return new Map(features.map((each) => [each.id, each]));
}

function unmet(feature: DependentFeature, byId: Map<string, DependentFeature>): string[] {
  return dependenciesOf(feature).filter((id) => {
    const dependency = byId.get(id);
    return !dependency || !isMet(dependency.status);
  });
}

/** What each feature of this list still waits for (ids naming no feature count as not met); one index for the whole list. */
export function waitingIn(features: readonly DependentFeature[]): (feature: DependentFeature) => string[] {
  const byId = byIdOf(features);
  return (feature) => unmet(feature, byId);
}

const NOTHING_TAKEN: ReadonlySet<string> = new Set();

/** Open, not blocked, every dependency met, and not `taken` (held or finished by another checkout): the features an agent can take now, in list order. */
export function readyFeatures<T extends DependentFeature>(features: readonly T[], taken: ReadonlySet<string> = NOTHING_TAKEN): T[] {
  const byId = byIdOf(features);
  return features.filter((feature) => isOpenStatus(feature.status) && feature.status !== 'blocked' && !taken.has(feature.id) && unmet(feature, byId).length === 0);
}

/**
 * The feature to work on next: the current one while it is open; else, in list order, one
 * that was implemented (its tests are due), one in progress, then a pending one whose
 * dependencies are met; never one `taken` by another checkout. When dependencies hold every open feature back (or the graph is
 * broken: `features next` says how), the first open one, as without dependencies.
 */
export function nextReadyFeature<T extends DependentFeature>(features: readonly T[] | null, currentId: string | null = null, taken: ReadonlySet<string> = NOTHING_TAKEN): T | undefined {
  if (!features) return undefined;
  const current = currentId ? features.find((feature) => feature.id === currentId) : undefined;
  if (current && isOpenStatus(current.status) && current.status !== 'blocked' && !taken.has(current.id)) return current;
  const ready = readyFeatures(features, taken);
  for (const status of ['implemented', 'in_progress', 'pending'] as FeatureStatus[]) {
    const found = ready.find((feature) => feature.status === status);
    if (found) return found;
  }
  for (const status of ['implemented', 'in_progress', 'pending', 'blocked'] as FeatureStatus[]) {
    const found = features.find((feature) => feature.status === status && !taken.has(feature.id));
    if (found) return found;
  }
  return undefined;
}
