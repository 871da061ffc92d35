/**
 * Session start and handoff (the spec's "Session handoff" and "Session summary"): the
 * summary and the metrics row are built from what was recorded (the event log, the
 * feature list, git), never guessed.
 */
import os from 'node:os';
import path from 'node:path';
import { countFeatures, findFeature, isOpenStatus, nextFeature, type FeatureProgress } from '../machines/features.js';
import type { HealthReport } from '../machines/observations.js';
import type { SessionContext } from '../machines/session.js';
import { readLog, type LogEntry } from './event-log.js';
import { loadFeatureList, toProgress } from './feature-list.js';
import { readFileHistory } from './file-history.js';
import { countGateRefusals } from './gate-refusals.js';
import { displayPath, type ProjectPaths } from './paths.js';
import { replay } from './replay.js';
import {
  newSessionRecord,
  readSessionRecord,
  sumTranscriptTokens,
  updateSessionRecord,
  upsertMetrics,
  type MetricsRow,
  type SessionRecord,
} from './session-record.js';
import { readStateFile } from './session.js';
import { removeStrayTempFiles } from './storage/cleanup.js';
import { isInside } from './storage/read.js';
import { writeOwnFile } from './storage/write.js';
import type { StateFile } from './state-file.js';

export interface GitFacts {
  commits: { hash: string; subject: string }[];
  filesModified: string[];
}

interface SessionFacts {
  record: SessionRecord;
  state: StateFile | null;
  entries: LogEntry[];
  startFeatures: FeatureProgress[] | null;
  endFeatures: FeatureProgress[] | null;
  context: SessionContext | null;
  gateRefusals: number;
}

async function gatherFacts(paths: ProjectPaths, record: SessionRecord, now: Date): Promise<SessionFacts> {
  const read = await readStateFile(paths, now);
  const state = read.kind === 'ok' ? read.state : null;
  const { entries } = readLog(paths);
  const during = entries.filter((entry) => entry.revision > record.start_revision && (!state || entry.revision <= state.revision));
  const startFeatures = record.start_revision > 0 && entries.some((entry) => entry.revision === record.start_revision)
    ? ((replay(entries, record.start_revision).snapshot.context as unknown as SessionContext).features ?? null)
    : null;
  const context = state ? (state.snapshot.context as unknown as SessionContext) : null;
  // Where the work ends is the feature list file's to say (features added since the last event count); the session's copy if it cannot be read.
  const endFeatures = toProgress(await loadFeatureList(paths).catch(() => null)) ?? context?.features ?? null;
  return { record, state, entries: during, startFeatures, endFeatures, context, gateRefusals: await countGateRefusals(paths, record) };
}

const isDone = (feature: FeatureProgress | undefined) => feature !== undefined && !isOpenStatus(feature.status);

export function metricsRow(facts: SessionFacts, endedBy: MetricsRow['ended_by']): MetricsRow {
  const { record, entries, state } = facts;
  const states: string[] = [];
  for (const entry of entries) for (const name of entry.path ?? [entry.from, entry.to]) if (states.at(-1) !== name) states.push(name);
  let passed = 0;
  let failed = 0;
  let retries = 0;
  for (const entry of entries) {
    if (entry.event.type === 'TESTS_FAILED') retries += 1;
    for (const result of entry.results ?? []) {
      if (result.type === 'xstate.done.actor.healthCheck') {
        const status = (result.output as HealthReport | undefined)?.status;
        if (status === 'HEALTHY') passed += 1;
        else if (status === 'BROKEN') failed += 1;
      }
      if (result.type === 'xstate.done.actor.testRun' && ['failed', 'timed_out'].includes((result.output as { outcome?: string })?.outcome ?? '')) retries += 1;
    }
  }
  const completed = (facts.endFeatures ?? []).filter((feature) => isDone(feature) && !isDone(findFeature(facts.startFeatures, feature.id))).length;
  return {
    session_id: record.session_id,
    started_at: record.started_at,
    ended_at: record.ended_at,
    ended_by: endedBy,
    health_status: state?.health_status ?? 'UNKNOWN',
    states_visited: states.length ? states : state ? [state.state] : [],
    compressions: record.compressions.manual + record.compressions.auto,
    retries,
    tokens_used: record.tokens_used,
    features_completed: completed,
    health_checks_passed: passed,
    health_checks_failed: failed,
    gate_refusals: facts.gateRefusals,
  };
}

const bullet = (items: string[], empty: string) => (items.length ? items.map((item) => `- ${item}`).join('\n') : `- ${empty}`);

/** The spec's summary template, filled from recorded data. */
export function renderSummary(facts: SessionFacts, git: GitFacts, descriptions: Map<string, string>, fileHistory: string[]): string {
  const { record, state, context } = facts;
  const counts = countFeatures(facts.endFeatures);
  const changed = (facts.endFeatures ?? []).filter((feature) => findFeature(facts.startFeatures, feature.id)?.status !== feature.status);
  const label = (id: string) => `${id}${descriptions.get(id) ? ` (${descriptions.get(id)})` : ''}`;
  const workDone = changed.map((feature) => {
    const what: Record<string, string> = {
      tested: 'Implemented and tested',
      completed: 'Completed',
      implemented: 'Implementation complete, testing pending',
      in_progress: 'In progress',
      blocked: `Blocked${context?.lastFailure?.featureId === feature.id ? `: ${context.lastFailure.reason}` : ''}`,
      pending: 'Back to pending',
    };
    return `${label(feature.id)} - ${what[feature.status] ?? feature.status}`;
  });
  const next = nextFeature(facts.endFeatures, context?.currentFeatureId ?? null);
  const files = [...new Set([...git.filesModified, ...fileHistory])];
  const steps = [
    'Run `baton entry` first',
    `Resume from state: ${state?.state ?? 'START'}`,
    ...(next ? [`Continue with feature: ${label(next.id)}`] : []),
    ...(record.blockers.length ? [`Address blockers: ${record.blockers.join('; ')}`] : []),
  ];
  return `# Session Summary - ${record.ended_at ?? record.started_at}

Session ${record.session_id} (${record.source}), ${record.started_at} to ${record.ended_at ?? 'now'}.

## State
- Final state: ${state?.state ?? 'unknown'}
- Health status: ${state?.health_status ?? 'UNKNOWN'}${context?.health?.detail ? ` (${context.health.detail})` : ''}
- Features completed: ${counts.done}
- Features remaining: ${counts.open}

## Work Done
${bullet(workDone, 'No feature changed status')}

## Git Commits
${bullet(git.commits.map((commit) => `${commit.hash}: ${commit.subject}`), 'None')}

## Decisions Made
${bullet(record.decisions, 'None recorded (`baton note --decision "..."`)')}

## Blockers
${record.blockers.length ? record.blockers.map((blocker) => `- [ ] ${blocker}`).join('\n') : '- None recorded (`baton note --blocker "..."`)'}

## Next Session
${steps.map((step, index) => `${index + 1}. ${step}`).join('\n')}

## Files Modified
${bullet(files, 'None')}
`;
}

export function summaryFile(paths: ProjectPaths, record: SessionRecord): string {
  const stamp = record.started_at.replace(/[:.]/g, '-');
  return path.join(paths.summaries, `session_${stamp}_${record.session_id.slice(0, 8)}.md`);
}

/**
 * A transcript path remembered in session.json, which a clone can carry: used only when it is
 * where Claude Code keeps transcripts, so a clone cannot make baton read a file of its choosing.
 * (A path in the hook's own input comes from Claude Code and is used as it is.)
 */
function claudeTranscript(file: string | null): string | null {
  if (!file) return null;
  const projects = path.join(process.env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'projects');
  return file.endsWith('.jsonl') && isInside(projects, path.resolve(file)) ? file : null;
}

export interface EndOutcome {
  ended: boolean;
  /** Why nothing was done, when nothing was. */
  reason?: string;
  record: SessionRecord | null;
  summary: string | null;
  row: MetricsRow | null;
  commit: string | null;
  /** What the handoff commit did, or why it made none (with commit_on_end). */
  commitDetail: string | null;
  dirtyState: boolean;
}

export interface EndOptions {
  now: Date;
  by: string;
  transcriptPath?: string | null;
  git: (since: string | null) => Promise<GitFacts>;
  /** Commit the pending work with the handoff's files (config commit_on_end): the commit made, if any, and why. */
  commit?: (message: string) => Promise<{ sha: string | null; detail: string }>;
}

/**
 * Hands the session off: marks it ended, writes the summary and the metrics row, cleans
 * temp files, then commits when configured. Running it again with nothing new changes nothing.
 */
export async function endSession(paths: ProjectPaths, options: EndOptions): Promise<EndOutcome> {
  const record = await readSessionRecord(paths);
  const read = await readStateFile(paths, options.now);
  const state = read.kind === 'ok' ? read.state : null;
  const dirtyState = state?.dirty ?? false;
  if (!record) return { ended: false, reason: 'no session has started (run `baton entry`)', record: null, summary: null, row: null, commit: null, commitDetail: null, dirtyState };
  const transcript = options.transcriptPath ?? claudeTranscript(record.transcript_path);
  const tokens = transcript ? await sumTranscriptTokens(transcript) : null;
  const endRevision = state?.revision ?? record.start_revision;
  const unchanged = record.ended_at !== null && record.end_revision === endRevision && (tokens === null || tokens === record.tokens_used);
  if (unchanged) {
    return { ended: false, reason: `session ${record.session_id} already handed off at ${record.ended_at}; nothing new since`, record, summary: summaryFile(paths, record), row: null, commit: null, commitDetail: null, dirtyState };
  }
  const ended = (await updateSessionRecord(paths, (current) =>
    current && current.session_id === record.session_id
      ? { ...current, ended_at: options.now.toISOString(), last_action: options.by, tokens_used: tokens ?? current.tokens_used, end_revision: endRevision }
      : current,
  ))!;
  const facts = await gatherFacts(paths, ended, options.now);
  const row = metricsRow(facts, 'handoff');
  await upsertMetrics(paths, row);
  const list = await loadFeatureList(paths).catch(() => null);
  const descriptions = new Map((list?.features ?? []).map((feature) => [feature.id, feature.description]));
  const file = summaryFile(paths, ended);
  await writeOwnFile(paths, file, renderSummary(facts, await options.git(ended.start_head), descriptions, readFileHistory(paths).files));
  await removeStrayTempFiles(paths, paths.progressDir);
  // After the summary and the metrics row, so the commit holds this handoff's own.
  const commit = options.commit ? await options.commit(`Session checkpoint: ${state?.state ?? 'session'} (baton session ${record.session_id.slice(0, 8)})`) : null;
  return { ended: true, record: ended, summary: displayPath(paths, file), row, commit: commit?.sha ?? null, commitDetail: commit?.detail ?? null, dirtyState };
}

/**
 * Starts (or continues) a session record. A different session that never handed off is
 * closed first, its metrics row marked `ended_by: never`.
 */
export async function beginSession(
  paths: ProjectPaths,
  options: { sessionId?: string; source: string; transcriptPath?: string | null; startRevision: number; startHead: string | null; now: Date },
): Promise<{ record: SessionRecord; abandoned: SessionRecord | null }> {
  const existing = await readSessionRecord(paths);
  if (existing && !existing.ended_at && (options.sessionId === undefined || existing.session_id === options.sessionId)) {
    return { record: existing, abandoned: null };
  }
  if (existing && existing.ended_at && options.sessionId !== undefined && existing.session_id === options.sessionId) {
    // The same Claude Code session goes on after a Stop: reopen it.
    const reopened = await updateSessionRecord(paths, (current) => (current ? { ...current, ended_at: null } : current));
    return { record: reopened!, abandoned: null };
  }
  let abandoned: SessionRecord | null = null;
  if (existing && !existing.ended_at) {
    abandoned = existing;
    await upsertMetrics(paths, metricsRow(await gatherFacts(paths, existing, options.now), 'never'));
  }
  const record = newSessionRecord({ ...options });
  await updateSessionRecord(paths, () => record);
  return { record, abandoned };
}
