/**
 * `baton merge-features BASE OURS THEIRS [PATH]`: git's merge driver for feature-list.json
 * (installed by `baton init`), run by git as `%O %A %B %P`. Writes the merge into OURS and exits
 * 0; exits 1 (a conflict, which git leaves for the user with both sides kept) when a side is not
 * a feature list it can read.
 */
import { mergeFeatureLists, type MergeableList } from '../../services/features/feature-list-merge.js';
import { serializeFeatureList, type FeatureList } from '../../services/features/feature-list.js';
import { UsageError, describeError } from '../../services/errors.js';
import { writeFileAtomic } from '../../services/storage/atomic.js';
import { readNamedFile } from '../../services/storage/read.js';
import type { CommandContext } from '../context.js';
import { warn } from '../output.js';

const USAGE = 'baton merge-features BASE OURS THEIRS [PATH] (git runs it as `%O %A %B %P`)';
const CONFLICT = 1;

/** A side of the merge as a list, or what is wrong with it. An empty base (added on both branches) is no list. */
function readSide(file: string, side: string, mayBeEmpty: boolean): MergeableList | null | string {
  const read = readNamedFile(file);
  if (read.kind === 'missing') return mayBeEmpty ? null : `${side} (${file}) is missing`;
  if (read.kind === 'bad') return `${side}: ${read.problem.problem}`;
  if (mayBeEmpty && read.text.trim() === '') return null;
  try {
    const value = JSON.parse(read.text) as Partial<MergeableList>;
    if (!value || typeof value !== 'object' || !Array.isArray(value.features)) return `${side} has no "features" list`;
    const bad = value.features.findIndex((feature) => !feature || typeof feature.id !== 'string' || typeof feature.status !== 'string');
    if (bad !== -1) return `${side}: features[${bad}] has no string "id" and "status"`;
    return value as MergeableList;
  } catch (error) {
    return `${side} is not JSON: ${describeError(error)}`;
  }
}

export async function run(context: CommandContext): Promise<number> {
  const [baseFile, oursFile, theirsFile, shownPath, ...extra] = context.args;
  if (!baseFile || !oursFile || !theirsFile || extra.length) throw new UsageError('merge-features takes the three files git names', `usage: ${USAGE}`);
  const label = shownPath ?? 'feature-list.json';
  const sides = [readSide(baseFile, 'the common ancestor', true), readSide(oursFile, 'our side', false), readSide(theirsFile, 'their side', false)] as const;
  const problem = sides.find((side): side is string => typeof side === 'string');
  if (problem !== undefined) {
    warn(`baton could not merge ${label}: ${problem}; resolve it by hand (git checkout --ours/--theirs ${label}, or edit it), then git add it`);
    return CONFLICT;
  }
  const [base, ours, theirs] = sides as [MergeableList | null, MergeableList, MergeableList];
  const merged = mergeFeatureLists(base, ours, theirs);
  let text: string;
  try {
    text = serializeFeatureList(merged.list as FeatureList);
  } catch (error) {
    warn(`baton could not merge ${label}: the merged list is not valid (${describeError(error)}); resolve it by hand, then git add it`);
    return CONFLICT;
  }
  await writeFileAtomic(oursFile, text);
  for (const note of merged.notes) warn(`${label}: ${note}`);
  return 0;
}
