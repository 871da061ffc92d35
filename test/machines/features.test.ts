/**
 * The feature list's pure parts, imported from the source: the one count, the merge of a
 * change's statuses into a list others edited meanwhile, and ids (derived, checked, imported).
 */
import { describe, expect, it } from 'vitest';
import { countFeatures, featureIdProblem, mergeProgress, type FeatureProgress, type FeatureStatus } from '../../machines/features.js';
import { addFeature, derivedId, featureListSchema, mergeImport, parseImport, uniqueId } from '../../services/features/feature-list.js';

const f = (id: string, status: FeatureStatus, retries = 0): FeatureProgress => ({ id, status, retries });

describe('countFeatures: one count for every view', () => {
  it('done is tested or completed; everything else is open, blocked included', () => {
    const counts = countFeatures(['pending', 'in_progress', 'implemented', 'blocked', 'tested', 'completed'].map((status, i) => f(`f${i}`, status as FeatureStatus)));
    expect(counts).toEqual({ total: 6, open: 4, done: 2, pending: 1, blocked: 1 });
    expect(countFeatures(null)).toEqual({ total: 0, open: 0, done: 0, pending: 0, blocked: 0 });
  });

  it('a status it does not know (a file read without validation) is open, never done', () => {
    expect(countFeatures([{ status: 'shipped' }, { status: 'tested' }])).toMatchObject({ total: 2, open: 1, done: 1 });
  });
});

describe('mergeProgress: a change merged into the list as it is now', () => {
  const base = [f('f1', 'in_progress'), f('f2', 'pending'), f('f3', 'pending')];
  const ours = [f('f1', 'tested'), f('f2', 'pending'), f('f3', 'pending')];

  it('keeps features added meanwhile, in the file order, and applies what the change moved', () => {
    const theirs = [...base, f('f4', 'pending'), f('f5', 'pending')];
    expect(mergeProgress(base, ours, theirs)).toEqual([f('f1', 'tested'), f('f2', 'pending'), f('f3', 'pending'), f('f4', 'pending'), f('f5', 'pending')]);
  });

  it('does not bring back a feature deleted meanwhile, even one the change moved', () => {
    expect(mergeProgress(base, ours, [f('f2', 'pending'), f('f3', 'pending')])).toEqual([f('f2', 'pending'), f('f3', 'pending')]);
    expect(mergeProgress(base, ours, null)).toBeNull();
  });

  it("keeps a hand edit of a feature the change did not move; the change's own feature takes the change's values", () => {
    const theirs = [f('f1', 'blocked', 2), f('f2', 'completed'), f('f3', 'pending')];
    expect(mergeProgress(base, ours, theirs)).toEqual([f('f1', 'tested'), f('f2', 'completed'), f('f3', 'pending')]);
  });

  it('a retry counted by the change is part of what it moved', () => {
    const failed = [f('f1', 'in_progress', 1), f('f2', 'pending'), f('f3', 'pending')];
    expect(mergeProgress(base, failed, base)![0]).toEqual(f('f1', 'in_progress', 1));
  });
});

describe('feature ids', () => {
  it('a description in any script gives a stable id; different descriptions give different ids', () => {
    const descriptions = ['Вход в систему', 'Регистрация', 'ログイン', 'ログアウト', '🚀', '🎉', 'Login с паролем', 'Login с кодом'];
    const ids = descriptions.map((text) => derivedId(text));
    expect(new Set(ids).size).toBe(descriptions.length);
    for (const id of ids) expect(featureIdProblem(id)).toBeNull();
    // The same text, the same id, on every run and machine: a pinned value, not just equal to itself.
    expect(derivedId('Вход в систему')).toBe('feature-6755f4d2');
    expect(derivedId('Login с паролем')).toBe('login-b73bbbec');
    expect(derivedId('Вход в систему '.normalize('NFD'))).toBe('feature-6755f4d2');
  });

  it('ASCII descriptions keep their readable slug; accents are folded, punctuation is not a reason for a hash', () => {
    expect(derivedId('User can log in')).toBe('user-can-log-in');
    expect(derivedId('Café au lait')).toBe('cafe-au-lait');
    expect(derivedId('User’s profile — edit')).toBe('user-s-profile-edit');
    expect(uniqueId('User can log in', new Set(['user-can-log-in']))).toBe('user-can-log-in-2');
  });

  it('an id is one clean token; anything else is a usage error for add and a named problem in the file', () => {
    for (const bad of [' f1', 'f1 ', 'a b', '-f1', 'f1"', 'вход', 'x'.repeat(65), 'a/b']) {
      expect(featureIdProblem(bad), bad).toContain('is not valid: an id is 1 to 64 letters');
      expect(() => addFeature(null, 'A feature', bad)).toThrow(/^--id: feature id .* is not valid/);
    }
    for (const good of ['f1', 'F-1.2', 'user_login', '1', 'x'.repeat(64)]) expect(featureIdProblem(good), good).toBeNull();
    const file = featureListSchema.safeParse({ features: [{ id: 'ok' }, { id: ' f1' }] });
    expect(file.success).toBe(false);
    expect(file.error!.issues[0]).toMatchObject({ path: ['features', 1, 'id'], message: expect.stringContaining('feature id " f1" is not valid') });
  });

  it('importing features whose descriptions are not ASCII drops none of them, and a re-import adds nothing', () => {
    const quickstart = (...descriptions: string[]) => JSON.stringify(descriptions.map((description) => ({ description, passes: false })));
    const first = mergeImport(null, parseImport('a.json', quickstart('Вход в систему', 'ログイン')));
    expect(first.added.map((feature) => feature.id)).toEqual([derivedId('Вход в систему'), derivedId('ログイン')]);
    const second = mergeImport(first.list, parseImport('b.json', quickstart('Регистрация', 'Вход в систему')));
    expect(second.added.map((feature) => feature.description)).toEqual(['Регистрация']);
    expect(second.skipped).toEqual([derivedId('Вход в систему')]);
  });

  it('a derived id that collides with a different feature gets a suffix instead of being dropped; an id from the file is the same feature', () => {
    const long = 'Check that the settings page shows every option ';
    const existing = mergeImport(null, parseImport('a.json', JSON.stringify([{ description: `${long}A` }]))).list;
    const collided = mergeImport(existing, parseImport('b.json', JSON.stringify([{ description: `${long}B` }])));
    expect(collided.added.map((feature) => feature.id)).toEqual([`${existing.features[0]!.id}-2`]);
    const own = mergeImport(existing, parseImport('c.json', JSON.stringify({ features: [{ id: existing.features[0]!.id, description: 'another' }] })));
    expect(own).toMatchObject({ added: [], skipped: [existing.features[0]!.id] });
  });
});
