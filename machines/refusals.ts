/**
 * Why the machine did not take an event, in words an agent can act on. Pure: reads the
 * snapshot the event was refused in.
 */
import type { SnapshotFrom } from 'xstate';
import { USER_EVENT_TYPES, type UserEvent } from './events.js';
import { findFeature, type FeatureTally } from './features.js';
import type { HealthReport } from './observations.js';
import type { SessionMachine } from './session.js';

type Snapshot = SnapshotFrom<SessionMachine>;

/** User events the active states have transitions for (guards aside). */
export function acceptedEvents(snapshot: Snapshot): string[] {
  const own = new Set(snapshot._nodes.flatMap((node) => node.ownEvents));
  return USER_EVENT_TYPES.filter((type) => own.has(type));
}

export function stateLabel(snapshot: Snapshot): string {
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  const [top, child] = Object.entries(value)[0]!;
  return typeof child === 'string' ? `${top}.${child}` : top;
}

/** Why a test result for `id` does not fit the feature under test, as the feature list says now (it may have been edited by hand). */
function testResultReason(tally: FeatureTally | null, currentId: string | null, id: string | undefined): string {
  if (!currentId) return 'no feature is under test';
  const current = findFeature(tally?.focus, currentId);
  const leave = 'or run `baton entry` to leave TEST (it picks the next feature from the list as it is)';
  if (!current) {
    const other = id === currentId ? '' : `feature "${id}" is not the one under test; `;
    return `${other}feature "${currentId}" is under test but is no longer in the feature list; put it back (status "implemented"), ${leave}`;
  }
  if (id !== currentId) return `feature "${id}" is not the one under test; "${currentId}" is`;
  return `feature "${currentId}" is under test but the feature list now says it is ${current.status}, not implemented; set it back to "implemented", ${leave}`;
}

/** `someIds`: a few ids from the feature list, to name when an event names one it does not have. */
function guardReason(snapshot: Snapshot, event: UserEvent, someIds: readonly string[]): string {
  const tally = snapshot.context.featureTally;
  const id = 'featureId' in event ? event.featureId : undefined;
  const feature = id === undefined ? undefined : findFeature(tally?.focus, id);
  switch (event.type) {
    case 'FEATURES_DEFINED':
      return tally === null
        ? 'there is no feature list yet: add features (baton features add / import) first'
        : `the feature list has no open features (${tally.counts.total} total, all done): add pending features first`;
    case 'FEATURE_STARTED':
    case 'FEATURE_IMPLEMENTED':
      if (!feature) return `feature "${id}" is not in the feature list${someIds.length ? ` (ids: ${someIds.slice(0, 10).join(', ')}${(tally?.counts.total ?? 0) > 10 ? ', ...' : ''})` : ''}`;
      return `feature "${id}" is ${feature.status}, not open work`;
    case 'TESTS_PASSED':
    case 'TESTS_FAILED':
      return testResultReason(tally, snapshot.context.currentFeatureId, id);
    default:
      return 'its guard did not allow it in this state';
  }
}

export function explainRefusal(snapshot: Snapshot, event: UserEvent, someIds: readonly string[] = []): { message: string; accepted: string[] } {
  const accepted = acceptedEvents(snapshot);
  const state = stateLabel(snapshot);
  if (!accepted.includes(event.type)) {
    return {
      message: `${event.type} is not accepted in ${state}. Accepted here: ${accepted.length ? accepted.join(', ') : 'none (run baton entry)'}.`,
      accepted,
    };
  }
  return { message: `${event.type} refused in ${state}: ${guardReason(snapshot, event, someIds)}.`, accepted };
}


/** How to leave FIX_BROKEN without a passing check: one of the spec's three ways out, made explicit. */
export const FORCE_FIX_HINT =
  'to leave FIX_BROKEN without a passing check (you are sure the app works): baton send HEALTH_FIXED --data \'{"force": true, "reason": "what you fixed and how you know"}\' (recorded in the event log)';

/**
 * Why a health report did not end a breakage, and what would make the next check pass.
 * Pure: reads the report only.
 */
export function whyNotFixed(health: HealthReport | null): { why: string; todo: string } {
  if (!health) return { why: 'no health check has run', todo: 'run `baton entry`, then `baton send HEALTH_FIXED`' };
  if (health.status === 'BROKEN') {
    return health.source === 'git'
      ? { why: health.detail, todo: 'once the git operation is finished, send HEALTH_FIXED again' }
      : { why: `the health check still fails: ${health.detail}`, todo: `fix what it reports${health.evidence ? ` (full output: ${health.evidence})` : ''}, then send HEALTH_FIXED again` };
  }
  switch (health.source) {
    case 'untrusted':
      return { why: `the health check did not run: ${health.detail}`, todo: 'a person reviews .claude/config/project.json and runs `baton trust`; then send HEALTH_FIXED again' };
    case 'none':
      return { why: `there is no health check to run: ${health.detail}`, todo: 'configure health_check (a command that exits 0 when the app works), `baton trust` it, then send HEALTH_FIXED again' };
    case 'error':
      return { why: health.detail, todo: 'make the health check runnable, then send HEALTH_FIXED again' };
    default:
      return { why: `the health check did not pass (${health.status}: ${health.detail})`, todo: 'send HEALTH_FIXED again once the check can pass' };
  }
}
