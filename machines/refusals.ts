/**
 * Why the machine did not take an event, in words an agent can act on. Pure: reads the
 * snapshot the event was refused in.
 */
import type { SnapshotFrom } from 'xstate';
import { USER_EVENT_TYPES, type UserEvent } from './events.js';
import { countFeatures, findFeature } from './features.js';
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

function guardReason(snapshot: Snapshot, event: UserEvent): string {
  const { context } = snapshot;
  const id = 'featureId' in event ? event.featureId : undefined;
  const feature = id === undefined ? undefined : findFeature(context.features, id);
  switch (event.type) {
    case 'FEATURES_DEFINED':
      return context.features === null
        ? 'there is no feature list yet: add features (baton features add / import) first'
        : `the feature list has no open features (${countFeatures(context.features).total} total, all done): add pending features first`;
    case 'FEATURE_STARTED':
    case 'FEATURE_IMPLEMENTED':
      if (!feature) return `feature "${id}" is not in the feature list${context.features?.length ? ` (ids: ${context.features.map((f) => f.id).slice(0, 10).join(', ')})` : ''}`;
      return `feature "${id}" is ${feature.status}, not open work`;
    case 'TESTS_PASSED':
    case 'TESTS_FAILED':
      return context.currentFeatureId
        ? `feature "${id}" is not the one under test; "${context.currentFeatureId}" is`
        : 'no feature is under test';
    default:
      return 'its guard did not allow it in this state';
  }
}

export function explainRefusal(snapshot: Snapshot, event: UserEvent): { message: string; accepted: string[] } {
  const accepted = acceptedEvents(snapshot);
  const state = stateLabel(snapshot);
  if (!accepted.includes(event.type)) {
    return {
      message: `${event.type} is not accepted in ${state}. Accepted here: ${accepted.length ? accepted.join(', ') : 'none (run baton entry)'}.`,
      accepted,
    };
  }
  return { message: `${event.type} refused in ${state}: ${guardReason(snapshot, event)}.`, accepted };
}

