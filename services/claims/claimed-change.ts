/**
 * Events and claims together. An event that makes a feature this checkout's work
 * (FEATURE_STARTED, FEATURE_IMPLEMENTED) claims it first, and is refused, with nothing
 * written, while another checkout holds it or has finished it. After every change the board
 * follows the list this checkout now has (settleClaims). A claim taken for an event the
 * statechart then refused is given back.
 */
import type { SessionEvent } from '../../machines/events.js';
import { isOpenStatus } from '../../machines/features.js';
import { readSessionRecord } from '../agent-session/session-record.js';
import { BatonError, EXIT, describeError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import type { FeatureList } from '../features/feature-list.js';
import type { ChangeOutcome, ProjectRuntime } from '../lifecycle/apply-event.js';
import { claimBoard, type ClaimBoard } from './board.js';
import { expiresAt } from './claim.js';
import { boardClaims, claimFeature, describeHolder, releaseFeature, settleClaims, type Claimant, type ClaimView, type HeldFeatures, type SettledClaims } from './claims.js';

const CLAIMING_EVENTS = new Set(['FEATURE_STARTED', 'FEATURE_IMPLEMENTED']);

function claimantOf(runtime: ProjectRuntime, sessionId?: string): Claimant {
  return { sessionId: sessionId ?? readSessionRecord(runtime.paths)?.session_id ?? null, leaseSeconds: runtime.config.leaseSeconds, now: runtime.now() };
}

export class FeatureTakenError extends BatonError {
  constructor(feature: string, why: string) {
    super(`feature ${feature} is taken: ${why}`, EXIT.REFUSED, `pick another (\`baton features next\`); if that session is gone for good, wait for its lease to run out or free it with \`baton features release ${feature}\``);
    this.name = 'FeatureTakenError';
  }
}

/** Runs `change` (the event applied) with the claim it needs held first. */
export async function withFeatureClaim(runtime: ProjectRuntime, event: SessionEvent, change: () => Promise<ChangeOutcome>): Promise<ChangeOutcome> {
  const feature = CLAIMING_EVENTS.has(event.type) ? (event as { featureId?: string }).featureId : undefined;
  if (!feature) return change();
  const board = claimBoard(runtime.paths);
  const outcome = await claimFeature(board, feature, claimantOf(runtime));
  if (outcome.kind === 'taken') throw new FeatureTakenError(feature, describeHolder(outcome.claim, board.holder));
  let changed: ChangeOutcome;
  try {
    changed = await change();
  } catch (error) {
    if (outcome.took) await releaseFeature(board, feature).catch(() => undefined);
    throw error;
  }
  if (outcome.expired) changed.warnings.push(`feature ${feature}: took it over from the checkout ${outcome.expired.holder}, whose lease ran out at ${expiresAt(outcome.expired).toISOString()}`);
  return changed;
}

/** What the list says this checkout works on and has finished. */
export function heldFeatures(list: FeatureList | null, currentFeatureId: string | null): HeldFeatures {
  const features = list?.features ?? [];
  const current = currentFeatureId ? features.find((feature) => feature.id === currentFeatureId) : undefined;
  const working = current && isOpenStatus(current.status) && current.status !== 'blocked' && current.status !== 'pending' ? current.id : null;
  return { working, done: new Set(features.filter((feature) => !isOpenStatus(feature.status)).map((feature) => feature.id)) };
}

/** After a change: the board follows this checkout's list; what others hold comes back for the next-feature choice. */
export async function settleAfterChange(runtime: ProjectRuntime, outcome: Pick<ChangeOutcome, 'features' | 'snapshot'>, sessionId?: string): Promise<SettledClaims> {
  const board = claimBoard(runtime.paths);
  const claimant = claimantOf(runtime, sessionId);
  try {
    return await settleClaims(board, heldFeatures(outcome.features, outcome.snapshot.context.currentFeatureId ?? null), claimant);
  } catch (error) {
    // The change itself is committed: a board baton cannot use (a link where its folder belongs) is the claims' problem, said, not the session's.
    if (!(error instanceof BatonError)) throw error;
    return { warnings: [unusableBoard(error)], taken: new Set() };
  }
}

const unusableBoard = (error: BatonError) => `the claims were not read or updated: ${describeError(error)}${error.hint ? ` (${error.hint})` : ''}`;

/** For readers (status, features next): the claims of the board, or none and a warning when it cannot be used. */
export async function readBoardClaims(paths: ProjectPaths, now: Date): Promise<{ board: ClaimBoard; claims: ClaimView[]; warning: string | null }> {
  const board = claimBoard(paths);
  try {
    return { board, claims: await boardClaims(board, now), warning: null };
  } catch (error) {
    if (!(error instanceof BatonError)) throw error;
    return { board, claims: [], warning: unusableBoard(error) };
  }
}
