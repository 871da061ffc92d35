/**
 * One claim: which checkout holds a feature, until when. A claim whose feature passed its
 * tests in the holder's checkout is kept as done (it never expires), so no other worktree takes
 * the feature again before the branches merge. No zod: the per-tool-call hook renews claims.
 */
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

export const claimFileName = (feature: string) => `${feature}.json`;
export const CLAIM_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.json$/;

export function expiresAt(claim: Claim): Date {
  return new Date(Date.parse(claim.renewed_at) + claim.lease_seconds * 1000);
}

/** Live: done, or its lease not yet run out. An expired claim is free for anyone to take. */
export function isLive(claim: Claim, now: Date): boolean {
  return claim.done_at !== null || expiresAt(claim).getTime() > now.getTime();
}

const isString = (value: unknown): value is string => typeof value === 'string';
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
    isString(value.holder) &&
    (value.session_id === null || isString(value.session_id)) &&
    Number.isInteger(value.pid) &&
    isTime(value.claimed_at) &&
    isTime(value.renewed_at) &&
    typeof value.lease_seconds === 'number' &&
    value.lease_seconds > 0 &&
    (value.done_at === null || isTime(value.done_at));
  return ok ? (value as Claim) : null;
}

export const serializeClaim = (claim: Claim) => `${JSON.stringify(claim, null, 2)}\n`;
