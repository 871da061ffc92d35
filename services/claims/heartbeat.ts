/**
 * The sign of life the per-call hooks give: this checkout's claim on its current feature is
 * renewed while its session makes tool calls, so only a session that stopped loses it. Reads
 * state.json without validating it and takes the board's lock only when a renewal is due.
 */
import { readSettledStateLight } from '../lifecycle/checkpoint.js';
import type { ProjectPaths } from '../project/paths.js';
import { claimBoard } from './board.js';
import { renewIfDue } from './claims.js';

export async function renewHeldClaim(paths: ProjectPaths, now: Date): Promise<boolean> {
  const settled = await readSettledStateLight(paths);
  const feature = (settled?.snapshot as { context?: { currentFeatureId?: unknown } } | undefined)?.context?.currentFeatureId;
  return typeof feature === 'string' ? renewIfDue(claimBoard(paths), feature, now) : false;
}
