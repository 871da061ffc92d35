/**
 * One change's view of the feature list. The statechart holds only a tally (counts, and the
 * features in focus: the current one and the one the event names); the list itself is read
 * from its file and kept here, in memory, for the length of the change. What the machine
 * moves is merged into the file as it is when the change commits, never written over what
 * others changed meanwhile (mergeProgress).
 */
import { applyFocus, findFeature, mergeProgress, sameStep, tallyFeatures, type FeatureProgress, type FeatureTally } from '../../machines/features.js';
import type { SessionContext } from '../../machines/session.js';
import { toProgress, type FeatureListFile } from './feature-list.js';

export type FeaturesSynced = { type: 'FEATURES_SYNCED'; tally: FeatureTally | null };

type MachineView = Pick<SessionContext, 'currentFeatureId' | 'featureTally'>;

export class FeatureSync {
  /** The read this change last took of the file (the same object while the file is unchanged: readFeatureListFile). */
  private file: FeatureListFile | null;
  /** Its features as read: what the machine moved since is the change's own. */
  private asRead: FeatureProgress[] | null;
  /** The file's features with the machine's moves merged in, as of the last read. */
  private latest: FeatureProgress[] | null;

  constructor(
    file: FeatureListFile | null,
    /** The feature the change's event names, kept in focus so the guards see its status. */
    private readonly eventFeatureId: string | null,
  ) {
    this.file = file;
    this.asRead = toProgress(file?.list ?? null);
    this.latest = this.asRead;
  }

  /** A few ids of the list, for a refusal that names a feature the list does not have. */
  someIds(): string[] {
    return (this.asRead ?? []).slice(0, 10).map((feature) => feature.id);
  }

  /** The event that brings the machine's tally to the list as last read; null when it agrees already. */
  syncFor(machine: MachineView): FeaturesSynced | null {
    const tally = this.tallyFor(machine);
    return agrees(this.latest, tally, machine.featureTally) ? null : { type: 'FEATURES_SYNCED', tally };
  }

  /** The machine's own read of the list (the entry protocol's phase 2) replaces this change's. */
  reread(file: FeatureListFile | null, machine: Pick<SessionContext, 'currentFeatureId'>): FeatureTally | null {
    this.file = file;
    this.asRead = toProgress(file?.list ?? null);
    this.latest = this.asRead;
    return this.tallyFor(machine);
  }

  /**
   * Merges `file` (the list now) with what the machine moved since the last read; the event
   * to send when the machine's tally no longer matches, null when it does. The same read as
   * last time brings nothing new: the machine's tally is then its own, and nothing is merged.
   */
  catchUp(file: FeatureListFile | null, machine: MachineView): FeaturesSynced | null {
    if (file !== null && file === this.file) return null;
    const theirs = toProgress(file?.list ?? null);
    this.latest = mergeProgress(this.asRead, applyFocus(this.asRead, machine.featureTally), theirs);
    this.file = file;
    this.asRead = theirs;
    return this.syncFor(machine);
  }

  /** The list as the change leaves it: the file as last read, with the machine's moves. */
  result(machine: MachineView): FeatureProgress[] | null {
    return applyFocus(this.latest, machine.featureTally);
  }

  private tallyFor(machine: Pick<SessionContext, 'currentFeatureId'>): FeatureTally | null {
    return tallyFeatures(this.latest, [machine.currentFeatureId, this.eventFeatureId]);
  }
}

/**
 * Whether the machine's tally still says what the list says: the same counts, the features
 * that should be in focus there with the list's steps, and nothing in its focus the list
 * has differently. (A focus that only holds one feature more than needed is left alone.)
 */
function agrees(list: readonly FeatureProgress[] | null, fresh: FeatureTally | null, held: FeatureTally | null | undefined): boolean {
  if (fresh === null || !held) return fresh === (held ?? null);
  return (
    fresh.counts.total === held.counts.total &&
    fresh.counts.open === held.counts.open &&
    fresh.counts.pending === held.counts.pending &&
    fresh.counts.blocked === held.counts.blocked &&
    fresh.focus.every((feature) => sameStep(feature, findFeature(held.focus, feature.id))) &&
    held.focus.every((feature) => sameStep(feature, findFeature(list, feature.id)))
  );
}
