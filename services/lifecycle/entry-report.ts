/**
 * What the entry protocol found, as one object. Its first six keys are the spec script's
 * output, with the same values on the same project; the rest is what a caller needs next.
 */
import { countFeatures, type FeatureCounts } from '../../machines/features.js';
import type { Commit, HealthReport } from '../../machines/observations.js';
import { whyNotFixed } from '../../machines/refusals.js';
import type { SessionContext, TopState } from '../../machines/session.js';
import { skillFor } from '../../machines/skills.js';
import { nextReadyFeature } from '../../machines/dependencies.js';
import type { ResolvedConfig } from '../project/config.js';
import { toProgress } from '../features/feature-list.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import type { KeptHealth } from '../agent-session/recent-health.js';
import type { ChangeOutcome, Recovery } from './apply-event.js';

export type FeatureStatusSummary = 'NO_FEATURE_LIST' | 'HAS_PENDING_FEATURES' | 'ALL_COMPLETE';

export interface EntryReport {
  directory: string;
  health_status: HealthReport['status'];
  feature_status: FeatureStatusSummary;
  current_state: TopState;
  next_state: TopState;
  latest_summary: string;
  reason: string;
  revision: number;
  skill: string;
  health: HealthReport | null;
  /** Set when this entry kept an earlier check instead of running one (SessionStart after a compaction, /clear, resume). */
  health_kept: KeptHealth | null;
  config: { found: boolean; file: string; unknown_fields: string[] };
  git: { is_repo: boolean; branch: string | null; recent_commits: Commit[]; warnings: string[] };
  project_markers: string[];
  recent_files: string[];
  recent_files_source: 'file_history' | 'git' | 'none';
  features: FeatureCounts;
  next_feature: { id: string; description: string; status: string } | null;
  state_created: boolean;
  recovered: Recovery | null;
  /** In FIX_BROKEN: what changed since health last passed, and the ways out. */
  broken: { last_healthy_commit: string | null; diff_stat: string | null; ways_out: string[] } | null;
  trust: { trusted: boolean; message: string };
  missing_env: string[];
  warnings: string[];
}

export function featureStatusOf(counts: FeatureCounts, hasList: boolean): FeatureStatusSummary {
  if (!hasList || counts.total === 0) return 'NO_FEATURE_LIST';
  return counts.open > 0 ? 'HAS_PENDING_FEATURES' : 'ALL_COMPLETE';
}

/** Why entry chose the state it did, in the spec's words. */
export function reasonFor(state: TopState, context: SessionContext, counts: FeatureCounts): string {
  switch (state) {
    case 'FIX_BROKEN':
      return context.health?.status === 'BROKEN' ? `health check failed: ${context.health.detail}` : `the breakage is not resolved: ${whyNotFixed(context.health).why}`;
    case 'INIT':
      return 'no features';
    case 'TEST':
      return `resuming feature "${context.currentFeatureId}" under test`;
    case 'IMPLEMENT':
      return `${counts.open} of ${counts.total} features open`;
    case 'COMPLETE':
      return 'all done';
    case 'START':
      return 'entry did not finish';
  }
}

export function waysOut(lastHealthyCommit: string | null, health: HealthReport | null = null): string[] {
  // A check that could not run will not pass by itself: say what makes it able to.
  const cannotPass = health && health.status !== 'BROKEN' ? `; it cannot pass now: ${whyNotFixed(health).todo}` : '';
  return [
    lastHealthyCommit
      ? `roll back to ${lastHealthyCommit.slice(0, 12)}, the last commit where health passed: baton rollback --yes`
      : 'roll back: no commit with a passing health check is recorded yet, so use git yourself',
    `fix it by hand, then: baton send HEALTH_FIXED (the health check runs again and must pass${cannotPass})`,
    'skip the health check once: baton entry --force (recorded in the event log)',
  ];
}

export function buildEntryReport(
  outcome: ChangeOutcome,
  paths: ProjectPaths,
  config: ResolvedConfig,
  trust: { trusted: boolean; message: string },
  /** kept: a recent health check reused instead of run; taken: features other checkouts hold or finished. */
  options: { kept?: KeptHealth | null; taken?: ReadonlySet<string> } = {},
): EntryReport {
  const kept = options.kept ?? null;
  const context = outcome.snapshot.context;
  const state = outcome.after.state;
  const list = outcome.features;
  const progress = toProgress(list);
  const counts = countFeatures(progress);
  const next = nextReadyFeature(list?.features ?? null, context.currentFeatureId, options.taken);
  const git = context.git;
  const fileHistory = context.loaded?.fileHistory ?? null;
  const recentFiles = fileHistory ?? git?.recentFiles ?? [];
  const warnings = [...outcome.warnings, ...config.warnings, ...(git?.warnings ?? [])];
  if (config.unknownFields.length) warnings.push(`${displayPath(paths, paths.config)}: unknown field(s) ${config.unknownFields.join(', ')} (kept, not used)`);
  return {
    directory: paths.root,
    health_status: context.health?.status ?? 'UNKNOWN',
    feature_status: featureStatusOf(counts, list !== null),
    current_state: outcome.before?.state ?? 'START',
    next_state: state,
    latest_summary: context.loaded?.latestSummary ?? '',
    reason: reasonFor(state, context, counts),
    revision: outcome.after.revision,
    skill: skillFor(state),
    health: context.health,
    health_kept: kept,
    config: { found: config.exists, file: displayPath(paths, paths.config), unknown_fields: config.unknownFields },
    git: { is_repo: git?.isRepo ?? false, branch: git?.branch ?? null, recent_commits: git?.commits ?? [], warnings: git?.warnings ?? [] },
    project_markers: git?.markers ?? [],
    recent_files: recentFiles,
    recent_files_source: fileHistory ? 'file_history' : git?.isRepo ? 'git' : 'none',
    features: counts,
    next_feature: next
      ? { id: next.id, status: next.status, description: list?.features.find((feature) => feature.id === next.id)?.description ?? '' }
      : null,
    state_created: outcome.before === null,
    recovered: outcome.recovery,
    broken: state === 'FIX_BROKEN' ? { last_healthy_commit: context.lastHealthyCommit, diff_stat: git?.diffSinceHealthy ?? null, ways_out: waysOut(context.lastHealthyCommit, context.health) } : null,
    trust: { trusted: trust.trusted, message: trust.message },
    missing_env: context.health?.missingEnv ?? [],
    warnings,
  };
}
