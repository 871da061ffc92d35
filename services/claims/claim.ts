/**
 * One claim: which checkout holds a feature, until when. A claim whose feature passed its
 * tests in the holder's checkout is kept as done (it never expires), so no other worktree takes
 * the feature again before the branches merge. No zod: the per-tool-call hook renews claims.
 */
import { UsageError } from '../errors.js';

export interface Claim {
  feature: string;
  /** The holder: the checkout (its project root), which keeps the session state that works on the feature. */
  holder: string;
  /** The agent session that took or last renewed it, for people reading `baton status`. */
  session_id: string | null;
  pid: number;
  claimed_at: string;
  renewed_at: string;
  lease_seconds: number;
  /** When the feature passed its tests in the holder's checkout: done, not leased. */
  done_at: string | null;
}

export const CLAIM_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.json$/;

/** Whether a string can name a claim file: a feature id (one read from a damaged state.json may be anything, `../..` included). */
export const isClaimableId = (feature: string) => CLAIM_FILE_NAME.test(`${feature}.json`);

/** The file of a feature's claim, in the board's folder and nowhere else. */
export function claimFileName(feature: string): string {
  if (!isClaimableId(feature)) throw new UsageError(`${JSON.stringify(feature)} is not a feature id`, 'the ids are in `baton features list`');
  return `${feature}.json`;
}

/** The longest lease a claim may carry (project.json's own limit): a bigger one in a forged file is no claim. */
const MAX_LEASE_SECONDS = 86_400;

export function expiresAt(claim: Claim): Date {
  return new Date(Date.parse(claim.renewed_at) + claim.lease_seconds * 1000);
}

/** Live: done, or its lease not yet run out. An expired claim is free for anyone to take. */
export function isLive(claim: Claim, now: Date): boolean {
  return claim.done_at !== null || expiresAt(claim).getTime() > now.getTime();
}

const isString = (value: unknown): value is string => typeof value === 'string';
// No control characters: a holder or session id is printed in refusals and `baton status`.
const isPrintable = (value: unknown): value is string => isString(value) && !/[\u0000-\u001f\u007f-\u009f]/.test(value) && value.length <= 4096;
const isTime = (value: unknown): value is string => isString(value) && !Number.isNaN(Date.parse(value));

/** A claim file's text as a claim, or null when it is not one (a damaged or foreign file is treated as no claim by its reader, and named). */
export function parseClaim(text: string, feature: string): Claim | null {
  let value: Partial<Claim>;
  try {
    value = JSON.parse(text) as Partial<Claim>;
  } catch {
    return null;
  }
  const ok =
    value !== null &&
    typeof value === 'object' &&
    value.feature === feature &&
    isPrintable(value.holder) &&
    (value.session_id === null || isPrintable(value.session_id)) &&
    Number.isInteger(value.pid) &&
    isTime(value.claimed_at) &&
    isTime(value.renewed_at) &&
    Number.isInteger(value.lease_seconds) &&
    value.lease_seconds! > 0 &&
    value.lease_seconds! <= MAX_LEASE_SECONDS &&
    (value.done_at === null || isTime(value.done_at));
  return ok ? (value as Claim) : null;
}

export const serializeClaim = (claim: Claim) => `${JSON.stringify(claim, null, 2)}\n`;
