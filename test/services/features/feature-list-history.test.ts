/** The feature list at any revision, from the log's records and the content-addressed copies (real files in a temp project). */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeatureProgress, FeatureStatus } from '../../../machines/features.js';
import type { LogEntry } from '../../../services/lifecycle/event-log.js';
import { featureListAt, listsFoundAfter, readListCopy, saveListCopy } from '../../../services/features/feature-list-history.js';
import { useTempProject } from '../temp-project.js';

const progress = (id: string, status: FeatureStatus, retries = 0): FeatureProgress => ({ id, status, retries });
const line = (revision: number, features?: LogEntry['features'], type = 'FEATURE_STARTED'): LogEntry => ({ revision, at: '2026-01-01T00:00:00Z', event: { type }, from: 'IMPLEMENT', to: 'IMPLEMENT', ...(features ? { features } : {}) });

const temp = useTempProject('baton-history-');

describe('feature list history', () => {
  it('a list is copied once, by its content: the same list twice is one file', async () => {
    const { paths } = temp;
    const list = [progress('a', 'pending'), progress('b', 'pending')];
    const key = await saveListCopy(paths, list);
    expect(await saveListCopy(paths, [...list])).toBe(key);
    expect(readdirSync(paths.featureLists)).toEqual([`${key}.json`]);
    expect(readListCopy(paths, key)).toEqual({ kind: 'ok', features: list });
  });

  it('rebuilds each revision from the last copy and the moves after it', async () => {
    const { paths } = temp;
    const first = await saveListCopy(paths, [progress('a', 'pending'), progress('b', 'pending')]);
    const edited = await saveListCopy(paths, [progress('a', 'in_progress'), progress('b', 'pending'), progress('c', 'pending')]);
    const log = [
      line(1, { base: first }),
      line(2, { changed: [progress('a', 'in_progress')] }),
      line(3, { base: edited, changed: [progress('c', 'blocked', 1)] }),
      line(4, {}),
    ];
    expect(featureListAt(paths, log, 2)).toEqual({ kind: 'ok', features: [progress('a', 'in_progress'), progress('b', 'pending')] });
    expect(featureListAt(paths, log, 4)).toEqual({ kind: 'ok', features: [progress('a', 'in_progress'), progress('b', 'pending'), progress('c', 'blocked', 1)] });
    expect(listsFoundAfter(paths, log, 1, 4)).toEqual([[progress('a', 'in_progress'), progress('b', 'pending'), progress('c', 'pending')]]);
  });

  it('a copy edited since it was written is not taken for the list it is named for', async () => {
    const { paths } = temp;
    const key = await saveListCopy(paths, [progress('a', 'pending')]);
    writeFileSync(path.join(paths.featureLists, `${key}.json`), JSON.stringify([progress('a', 'tested')]));
    expect(featureListAt(paths, [line(1, { base: key })], 1)).toMatchObject({ kind: 'unknown', problem: expect.stringContaining('does not hold the list it is named for') });
    // Saving it again keeps the edited file aside and writes the real copy.
    await saveListCopy(paths, [progress('a', 'pending')]);
    expect(readListCopy(paths, key)).toEqual({ kind: 'ok', features: [progress('a', 'pending')] });
    expect(readdirSync(paths.featureLists).some((name) => name.startsWith(`${key}.json.replaced-`))).toBe(true);
  });

  it('a file named for the hash of its own text that is not a list (a clone can write one) is refused, not thrown on', async () => {
    const { paths } = temp;
    const { sha256 } = await import('../../../services/utils/hash.js');
    mkdirSync(paths.featureLists, { recursive: true });
    for (const text of ['{"not": json', '{"features": []}']) {
      writeFileSync(path.join(paths.featureLists, `${sha256(text)}.json`), text);
      expect(featureListAt(paths, [line(1, { base: sha256(text) })], 1)).toMatchObject({ kind: 'unknown', problem: expect.stringContaining('is not a feature list copy') });
    }
  });

  it('records in a form baton does not write (a clone\'s log) make the list unknown, never an exception', async () => {
    const { paths } = temp;
    const key = await saveListCopy(paths, [progress('a', 'pending')]);
    for (const bad of [42, 'x', { changed: 7 }, { changed: [{ id: 3 }] }, { base: 12 }]) {
      const log = [line(1, { base: key }), { ...line(2), features: bad as never }];
      expect(featureListAt(paths, log, 2).kind).toBe('unknown');
    }
  });

  it('a line of an older baton (no record) makes the list unknown; a recovery line leaves it as it was', async () => {
    const { paths } = temp;
    const key = await saveListCopy(paths, [progress('a', 'pending')]);
    expect(featureListAt(paths, [line(1, { base: key }), line(2)], 2)).toMatchObject({ kind: 'unknown', problem: expect.stringContaining('revision 2 does not record the feature list') });
    expect(featureListAt(paths, [line(1, { base: key }), line(2, undefined, 'baton.recovered')], 2)).toEqual({ kind: 'ok', features: [progress('a', 'pending')] });
  });
});
