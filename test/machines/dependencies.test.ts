/** Features that wait for others: the order `features next` gives, and what is wrong with a graph. */
import { describe, expect, it } from 'vitest';
import { dependencyProblems, nextReadyFeature, readyFeatures, waitingIn, type DependentFeature } from '../../machines/dependencies.js';

/** A random graph with no cycle: each feature depends on up to 3 of the ones before it (seeded, so a failure repeats). */
function generatedGraph(count: number, seed = 7): DependentFeature[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: count }, (_, i) => {
    const deps = new Set<string>();
    for (let k = 0; k < 3 && i > 0; k += 1) if (random() < 0.6) deps.add(`f${Math.floor(random() * i)}`);
    return { id: `f${i}`, status: 'pending' as const, depends_on: [...deps] };
  });
}

describe('nextReadyFeature on a generated graph of 200 features', () => {
  it('takes each feature once, only after everything it depends on is tested, until all are done', () => {
    const features = generatedGraph(200).reverse();
    const done = new Set<string>();
    for (let step = 0; step < 200; step += 1) {
      const next = nextReadyFeature(features);
      expect(next, `step ${step}`).toBeDefined();
      for (const dependency of next!.depends_on as string[]) expect(done.has(dependency), `${next!.id} before ${dependency}`).toBe(true);
      expect(done.has(next!.id)).toBe(false);
      next!.status = 'tested';
      done.add(next!.id);
    }
    expect(done.size).toBe(200);
    expect(nextReadyFeature(features)).toBeUndefined();
    expect(dependencyProblems(features)).toEqual({ malformed: [], unknown: [], cycles: [] });
  });

  it('keeps the feature in progress first, then an implemented one, then a ready pending one', () => {
    const features: DependentFeature[] = [
      { id: 'a', status: 'pending' },
      { id: 'b', status: 'pending', depends_on: ['c'] },
      { id: 'c', status: 'in_progress' },
    ];
    expect(nextReadyFeature(features, 'c')!.id).toBe('c');
    expect(nextReadyFeature(features)!.id).toBe('c');
    expect(readyFeatures(features).map((feature) => feature.id)).toEqual(['a', 'c']);
    expect(waitingIn(features)(features[1]!)).toEqual(['c']);
  });
});

describe('dependencyProblems', () => {
  it('reports each cycle with its members, a feature that waits for itself, unknown ids and malformed lists', () => {
    const features: DependentFeature[] = [
      { id: 'login', status: 'pending', depends_on: ['session'] },
      { id: 'session', status: 'pending', depends_on: ['tokens'] },
      { id: 'tokens', status: 'pending', depends_on: ['login'] },
      { id: 'self', status: 'pending', depends_on: ['self'] },
      { id: 'ui', status: 'pending', depends_on: ['login', 'ghost'] },
      { id: 'odd', status: 'pending', depends_on: 'login' },
    ];
    const problems = dependencyProblems(features);
    expect(problems.cycles.map((cycle) => [...cycle].sort())).toEqual([['login', 'session', 'tokens'], ['self']]);
    expect(problems.unknown).toEqual([{ feature: 'ui', missing: ['ghost'] }]);
    expect(problems.malformed).toEqual(['odd']);
    // Held back by the cycle, none of its members is ready.
    expect(readyFeatures(features).map((feature) => feature.id)).toEqual(['odd']);
  });

  it('stays linear: the next of 10,000 features that each wait for the one before is found at once', () => {
    const chain: DependentFeature[] = Array.from({ length: 10_000 }, (_, i): DependentFeature => ({ id: `c${i}`, status: 'pending', depends_on: i ? [`c${i - 1}`] : [] })).reverse();
    const started = performance.now();
    expect(nextReadyFeature(chain)!.id).toBe('c0');
    expect(readyFeatures(chain)).toHaveLength(1);
    expect(dependencyProblems(chain).cycles).toEqual([]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('follows a chain of 20,000 without running out of stack', () => {
    const chain: DependentFeature[] = Array.from({ length: 20_000 }, (_, i) => ({ id: `c${i}`, status: 'pending', depends_on: i ? [`c${i - 1}`] : [] }));
    chain[0]!.depends_on = ['c19999'];
    expect(dependencyProblems(chain).cycles[0]).toHaveLength(20_000);
  });
});
