/**
 * SessionStart after a compaction, `/clear` or a resume: the agent lost its context, not the
 * app its health, so a check that ran minutes ago is kept rather than run again (with the dev
 * environment check it includes). `baton entry`, and a new session, always run it.
 */
import type { HealthReport } from '../../machines/observations.js';
import type { SessionContext } from '../../machines/session.js';
import type { Runtime } from '../lifecycle/apply-event.js';
import { readStateFile } from '../lifecycle/state-file.js';

/** The SessionStart sources that continue a session whose entry already ran. */
const CONTINUING_SOURCES = new Set(['compact', 'clear', 'resume']);

/** Verdicts of a check that ran; a skipped, forced, reported or failed-to-run one is no reason not to run it. */
const CHECKED_SOURCES = new Set<HealthReport['source']>(['configured', 'node', 'python', 'git']);

export interface KeptHealth {
  checked_at: string;
  age_seconds: number;
}

/** The last check, when this entry may keep it: a real check, younger than `maxAgeSeconds`. */
function healthToKeep(health: HealthReport | null | undefined, now: Date, maxAgeSeconds: number): KeptHealth | null {
  if (!health?.checkedAt || !CHECKED_SOURCES.has(health.source)) return null;
  const ageSeconds = Math.round((now.getTime() - Date.parse(health.checkedAt)) / 1000);
  return ageSeconds >= 0 && ageSeconds < maxAgeSeconds ? { checked_at: health.checkedAt, age_seconds: ageSeconds } : null;
}

/**
 * How this entry treats the health check: skip it (--force), keep a recent one, or run it (no
 * options). A kept verdict must be about what is there now: the commit it checked is HEAD, and
 * a configured check is still the configured command.
 */
export async function chooseEntryHealthCheck(
  runtime: Runtime,
  entry: { source: string; force: boolean; currentHead: () => Promise<string | null> },
): Promise<{ options: { skipHealthCheck?: true; keepRecentHealth?: true }; kept: KeptHealth | null }> {
  if (entry.force) return { options: { skipHealthCheck: true }, kept: null };
  if (!CONTINUING_SOURCES.has(entry.source)) return { options: {}, kept: null };
  const now = runtime.now();
  const state = readStateFile(runtime.paths, now);
  const last = state.kind === 'ok' ? (state.state.snapshot.context as Partial<SessionContext>).health : null;
  const recent = healthToKeep(last, now, runtime.config.healthCheckReuseSeconds);
  const sameCheck = last?.source !== 'configured' || last.command === runtime.config.raw.health_check;
  const kept = recent && sameCheck && (last?.head ?? null) === (await entry.currentHead()) ? recent : null;
  return { options: kept ? { keepRecentHealth: true } : {}, kept };
}

/** "42 s ago", "7 min ago": how old a kept check is, for people and agents. */
export function describeAge(seconds: number): string {
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}
