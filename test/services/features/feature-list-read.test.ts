/** Reading feature-list.json: the one-pass check for complete lists, the schema for the rest, and the read kept while the file is unchanged. */
import { renameSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { featureListSchema, readFeatureListFile, serializeFeatureList } from '../../../services/features/feature-list.js';
import { useTempProject } from '../temp-project.js';

const temp = useTempProject('baton-list-');

function projectWith(list: unknown) {
  const { paths } = temp;
  const write = (value: unknown) => {
    // Replaced the way editors and baton do (a new file renamed over the old one).
    writeFileSync(`${paths.features}.new`, typeof value === 'string' ? value : JSON.stringify(value));
    renameSync(`${paths.features}.new`, paths.features);
  };
  write(list);
  return { paths, write };
}

const full = { features: [{ id: 'a', description: 'first', status: 'pending', retries: 0, owner: 'kept' }, { id: 'b', description: 'second', status: 'tested', retries: 2 }], note: 'kept too' };

describe('readFeatureListFile', () => {
  it('a list written out in full reads as the schema would return it, unknown fields kept', () => {
    const { paths } = projectWith(full);
    expect(readFeatureListFile(paths)!.list).toEqual(featureListSchema.parse(full));
  });

  it('a list with fields left out gets the schema defaults', () => {
    const { paths } = projectWith({ features: [{ id: 'a' }] });
    expect(readFeatureListFile(paths)!.list.features).toEqual([{ id: 'a', description: '', status: 'pending', retries: 0 }]);
  });

  it.each([
    ['a duplicate id', { features: [{ id: 'a', description: '', status: 'pending', retries: 0 }, { id: 'a', description: '', status: 'pending', retries: 0 }] }, 'duplicate id "a"'],
    ['an id with a space', { features: [{ id: 'a b', description: '', status: 'pending', retries: 0 }] }, 'is not valid'],
    ['an unknown status', { features: [{ id: 'a', description: '', status: 'done', retries: 0 }] }, 'status must be one of'],
    ['negative retries', { features: [{ id: 'a', description: '', status: 'pending', retries: -1 }] }, 'retries'],
  ])('%s is refused with the schema\'s message naming the field', (_name, list, message) => {
    const { paths } = projectWith(list);
    expect(() => readFeatureListFile(paths)).toThrow(message);
  });

  it('a file replaced since the last read is read again', () => {
    const { paths, write } = projectWith(full);
    expect(readFeatureListFile(paths)!.list.features).toHaveLength(2);
    write({ features: [{ id: 'c', description: 'third', status: 'pending', retries: 0 }] });
    expect(readFeatureListFile(paths)!.list.features.map((feature) => feature.id)).toEqual(['c']);
  });

  it('serializing refuses a list baton could not read back', () => {
    expect(() => serializeFeatureList({ features: [{ id: 'bad id', description: '', status: 'pending', retries: 0 }] })).toThrow('is not valid');
  });
});
