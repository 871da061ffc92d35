/** The feature list's three-way merge, case by case, against the source. */
import { describe, expect, it } from 'vitest';
import { laterStatus, mergeFeatureLists, type MergeableList } from '../../../services/features/feature-list-merge.js';

const list = (...features: [string, string, object?][]): MergeableList => ({ features: features.map(([id, status, rest]) => ({ id, description: `feature ${id}`, status, ...rest })) });
const statuses = (merged: MergeableList) => Object.fromEntries(merged.features.map((feature) => [feature.id, feature.status]));

describe('merging feature-list.json by feature id', () => {
  it('takes each branch\'s own changes, keeps every feature once, in our order then theirs', () => {
    const base = list(['a', 'pending'], ['b', 'pending'], ['c', 'pending']);
    const ours = list(['a', 'tested'], ['b', 'pending'], ['c', 'pending'], ['ours-new', 'pending']);
    const theirs = list(['a', 'pending'], ['b', 'tested'], ['c', 'in_progress'], ['theirs-new', 'pending']);
    const { list: merged, notes } = mergeFeatureLists(base, ours, theirs);
    expect(merged.features.map((feature) => feature.id)).toEqual(['a', 'b', 'c', 'ours-new', 'theirs-new']);
    expect(statuses(merged)).toEqual({ a: 'tested', b: 'tested', c: 'in_progress', 'ours-new': 'pending', 'theirs-new': 'pending' });
    expect(notes).toEqual([]);
  });

  it('a status changed on both branches takes the further one: tested > implemented > in_progress > pending', () => {
    const order = ['pending', 'in_progress', 'implemented', 'tested'];
    for (const [i, ours] of order.entries()) {
      for (const [j, theirs] of order.entries()) {
        const merged = mergeFeatureLists(list(['x', 'blocked']), list(['x', ours]), list(['x', theirs])).list;
        expect(merged.features[0]!.status, `${ours} / ${theirs}`).toBe(order[Math.max(i, j)]);
      }
    }
    expect(laterStatus('completed', 'tested')).toBe('completed');
  });

  it('a blocked feature stays blocked, unless one branch restarted it and the other left it alone', () => {
    expect(statuses(mergeFeatureLists(list(['x', 'in_progress']), list(['x', 'blocked', { retries: 3 }]), list(['x', 'tested'])).list)).toEqual({ x: 'blocked' });
    const restarted = mergeFeatureLists(list(['x', 'blocked', { retries: 3 }]), list(['x', 'blocked', { retries: 3 }]), list(['x', 'in_progress', { retries: 0 }])).list.features[0]!;
    expect(restarted).toMatchObject({ status: 'in_progress', retries: 0 });
  });

  it('a feature removed on one branch is gone, unless the other branch changed it', () => {
    const base = list(['gone', 'pending'], ['kept', 'pending']);
    const ours = list(['kept', 'pending']);
    const theirs = list(['gone', 'pending'], ['kept', 'tested']);
    expect(statuses(mergeFeatureLists(base, ours, theirs).list)).toEqual({ kept: 'tested' });
    const changed = list(['gone', 'in_progress'], ['kept', 'pending']);
    expect(statuses(mergeFeatureLists(base, ours, changed).list)).toEqual({ kept: 'pending', gone: 'in_progress' });
  });

  it('the same field changed two ways keeps ours and says what theirs was; added on both branches with no base, once', () => {
    const { list: merged, notes } = mergeFeatureLists(list(['x', 'pending']), list(['x', 'pending', { description: 'ours' }]), list(['x', 'pending', { description: 'theirs' }]));
    expect(merged.features[0]!.description).toBe('ours');
    expect(notes).toEqual(['feature x: "description" changed on both branches; kept ours ("ours"), theirs was "theirs"']);
    expect(statuses(mergeFeatureLists(null, list(['x', 'in_progress']), list(['x', 'tested'])).list)).toEqual({ x: 'tested' });
  });

  it('depends_on changed on one branch is taken; other top-level fields merge the same way', () => {
    const base = { ...list(['x', 'pending']), version: 1 };
    const theirs = { ...list(['x', 'pending', { depends_on: ['y'] }], ['y', 'pending']), version: 2 };
    const merged = mergeFeatureLists(base, base, theirs).list;
    expect(merged.features[0]!.depends_on).toEqual(['y']);
    expect(merged.version).toBe(2);
  });
});
