/**
 * Claims: which checkout works on which feature. Every change holds the board's lock (an
 * O_EXCL file, healed when its holder dies) and decides from what the board holds under it, so
 * two processes, in one worktree or in two, can never both take a feature. Readers (features
 * next, status) read without the lock: each claim file is replaced atomically.
 */
import { acquireLockAt } from '../storage/lock.js';
import { notice } from '../storage/notices.js';
import { listFolder, readFolderFile, removeFolderFile, setFolderEntryAside, writeFolderFile } from '../storage/own-folder.js';
import type { ClaimBoard } from './board.js';
import { CLAIM_FILE_NAME, claimFileName, isClaimableId, expiresAt, isLive, parseClaim, serializeClaim, type Claim } from './claim.js';

/** Who is asking: this checkout, its session, and the lease its config gives. */
export interface Claimant {
  sessionId: string | null;
  leaseSeconds: number;
  now: Date;
}

export type ClaimOutcome =
  | { kind: 'claimed'; claim: Claim; took: boolean; expired: Claim | null }
  /** Another checkout holds it (its lease runs) or finished it. */
  | { kind: 'taken'; claim: Claim };

export interface ClaimView extends Claim {
  expires_at: string | null;
  live: boolean;
  mine: boolean;
}

type Read = { kind: 'none' } | { kind: 'claim'; claim: Claim } | { kind: 'damaged'; problem: string };

function readClaim(board: ClaimBoard, feature: string): Read {
  if (!isClaimableId(feature)) return { kind: 'none' };
  const read = readFolderFile(board.folder, claimFileName(feature), 64 * 1024);
  if (read.kind === 'missing') return { kind: 'none' };
  if (read.kind === 'bad') return { kind: 'damaged', problem: read.problem.problem };
  const claim = parseClaim(read.text, feature);
  return claim ? { kind: 'claim', claim } : { kind: 'damaged', problem: 'is not a claim baton wrote' };
}

/** A claim file that is not one (damaged, a folder, a link) is kept under another name, never used or overwritten. */
async function setDamagedAside(board: ClaimBoard, feature: string, problem: string): Promise<void> {
  const aside = await setFolderEntryAside(board.folder, claimFileName(feature), 'bad');
  notice(`the claim file of ${feature} in ${board.folder.dir} ${problem}; kept it as ${aside} and treated the feature as unclaimed`);
}

/** The claim as it stands under the lock: a damaged file set aside first. */
async function currentClaim(board: ClaimBoard, feature: string): Promise<Claim | null> {
  const read = readClaim(board, feature);
  if (read.kind === 'damaged') await setDamagedAside(board, feature, read.problem);
  return read.kind === 'claim' ? read.claim : null;
}

async function underBoardLock<T>(board: ClaimBoard, change: () => Promise<T>): Promise<T> {
  const lock = await acquireLockAt(board.lock, { timeoutMs: 15_000 });
  try {
    return await change();
  } finally {
    await lock.release();
  }
}

function freshClaim(board: ClaimBoard, feature: string, claimant: Claimant, previous: Claim | null): Claim {
  const at = claimant.now.toISOString();
  const kept = previous?.holder === board.holder ? previous : null;
  return {
    feature,
    holder: board.holder,
    session_id: claimant.sessionId ?? kept?.session_id ?? null,
    pid: process.pid,
    claimed_at: kept?.claimed_at ?? at,
    renewed_at: at,
    lease_seconds: claimant.leaseSeconds,
    done_at: null,
  };
}

/** Takes the feature for this checkout, or renews it when this checkout holds it already; refused when another checkout's claim is live. */
export function claimFeature(board: ClaimBoard, feature: string, claimant: Claimant): Promise<ClaimOutcome> {
  return underBoardLock(board, async () => {
    const current = await currentClaim(board, feature);
    if (current && current.holder !== board.holder && isLive(current, claimant.now)) return { kind: 'taken', claim: current };
    // Finished here: it stays done unless this checkout's own list opens it again (settleClaims).
    if (current?.holder === board.holder && current.done_at !== null) return { kind: 'claimed', claim: current, took: false, expired: null };
    const claim = freshClaim(board, feature, claimant, current);
    await writeFolderFile(board.folder, claimFileName(feature), serializeClaim(claim));
    return { kind: 'claimed', claim, took: current?.holder !== board.holder, expired: current && current.holder !== board.holder ? current : null };
  });
}

/** Frees a feature whoever holds it (`baton features release`); the claim it removed, or null. */
export function releaseFeature(board: ClaimBoard, feature: string): Promise<Claim | null> {
  return underBoardLock(board, async () => {
    const current = await currentClaim(board, feature);
    if (current) await removeFolderFile(board.folder, claimFileName(feature), CLAIM_FILE_NAME);
    return current;
  });
}

/** Every claim on the board, as readers show it. Damaged files are left for the next change to set aside. */
export async function boardClaims(board: ClaimBoard, now: Date): Promise<ClaimView[]> {
  const names = await listFolder(board.folder, CLAIM_FILE_NAME);
  const views: ClaimView[] = [];
  for (const name of names) {
    const read = readClaim(board, name.slice(0, -'.json'.length));
    if (read.kind !== 'claim') continue;
    const { claim } = read;
    views.push({ ...claim, expires_at: claim.done_at ? null : expiresAt(claim).toISOString(), live: isLive(claim, now), mine: claim.holder === board.holder });
  }
  return views;
}

/** The features other checkouts hold or finished: what `features next` passes over. */
export function takenElsewhere(claims: readonly ClaimView[]): Set<string> {
  return new Set(claims.filter((claim) => claim.live && !claim.mine).map((claim) => claim.feature));
}

/** What this checkout's feature statuses say about its claims after a change. */
export interface HeldFeatures {
  /** The feature this checkout works on now (in progress or implemented), if any. */
  working: string | null;
  /** Features this checkout's list has as tested or completed. */
  done: ReadonlySet<string>;
}

/** What settling leaves: what could not be held, and the features other checkouts hold or finished. */
export interface SettledClaims {
  warnings: string[];
  taken: Set<string>;
}

/**
 * Brings this checkout's claims in line with its list after a change: the feature it works on is
 * held (renewed, or taken again if its lease ran out and nobody took it), a feature it finished
 * is kept as done, and anything else it held is released. It changes only this checkout's
 * claims, so what it read of the others' stands for `taken`.
 */
export async function settleClaims(board: ClaimBoard, held: HeldFeatures, claimant: Claimant): Promise<SettledClaims> {
  const seen = await boardClaims(board, claimant.now);
  if (!settlingIsDue(seen, held, claimant.now)) return { warnings: [], taken: takenElsewhere(seen) };
  return underBoardLock(board, async () => {
    const warnings: string[] = [];
    const views = await boardClaims(board, claimant.now);
    for (const view of views) {
      if (!view.mine || view.feature === held.working) continue;
      if (held.done.has(view.feature)) {
        if (view.done_at === null) await writeFolderFile(board.folder, claimFileName(view.feature), serializeClaim({ ...stripView(view), renewed_at: claimant.now.toISOString(), done_at: claimant.now.toISOString() }));
      } else await removeFolderFile(board.folder, claimFileName(view.feature), CLAIM_FILE_NAME);
    }
    if (held.working) {
      const current = await currentClaim(board, held.working);
      if (current && current.holder !== board.holder && isLive(current, claimant.now)) warnings.push(heldByAnother(current, board.holder));
      else await writeFolderFile(board.folder, claimFileName(held.working), serializeClaim(freshClaim(board, held.working, claimant, current)));
    }
    return { warnings, taken: takenElsewhere(views) };
  });
}

/** Whether the board differs from what the list says (as read without the lock): most events change nothing there, and take no lock. */
function settlingIsDue(views: readonly ClaimView[], held: HeldFeatures, now: Date): boolean {
  const outOfLine = views.some((view) => view.mine && view.feature !== held.working && !(held.done.has(view.feature) && view.done_at !== null));
  if (outOfLine || !held.working) return outOfLine;
  const working = views.find((view) => view.feature === held.working);
  return !working || !working.mine || working.done_at !== null || renewalIsDue(working, now);
}

const renewalIsDue = (claim: Claim, now: Date) => now.getTime() - Date.parse(claim.renewed_at) >= (claim.lease_seconds * 1000) / 4;

function stripView(view: ClaimView): Claim {
  const { expires_at: _expires, live: _live, mine: _mine, ...claim } = view;
  return claim;
}

/** The heartbeat of the per-call hooks: renews this checkout's claim on `feature` once a quarter of its lease has passed. */
export async function renewIfDue(board: ClaimBoard, feature: string, now: Date): Promise<boolean> {
  if (!isClaimableId(feature)) return false;
  const read = readClaim(board, feature);
  if (read.kind !== 'claim') return false;
  const { claim } = read;
  if (claim.holder !== board.holder || claim.done_at !== null) return false;
  if (!renewalIsDue(claim, now)) return false;
  return underBoardLock(board, async () => {
    const current = await currentClaim(board, feature);
    // Expired and taken by another checkout in the meantime: theirs now (the next change says so).
    if (!current || current.holder !== board.holder || current.done_at !== null) return false;
    await writeFolderFile(board.folder, claimFileName(feature), serializeClaim({ ...current, pid: process.pid, renewed_at: now.toISOString() }));
    return true;
  });
}

/** Who holds a feature, as a refusal or a warning says it. */
export function describeHolder(claim: Claim, holder: string): string {
  const who = `${claim.holder === holder ? 'this checkout' : `the checkout ${claim.holder}`}${claim.session_id ? ` (session ${claim.session_id})` : ''}`;
  return claim.done_at ? `${who} finished it at ${claim.done_at}` : `${who} holds it until ${expiresAt(claim).toISOString()} (its lease renews while that session runs)`;
}

function heldByAnother(claim: Claim, holder: string): string {
  return `feature ${claim.feature}: this checkout works on it but no longer holds it (its lease ran out, or it was released) and ${describeHolder(claim, holder)}; pick another (\`baton features next\`)`;
}
