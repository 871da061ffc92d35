/**
 * Session start and handoff (the spec's "Session handoff" and "Session summary"): the
 * summary and the metrics row are built from what was recorded (the event log, the
 * feature list, git), never guessed.
 */
import path from 'node:path';
import { countFeatures, isOpenStatus, type FeatureProgress } from '../../machines/features.js';
import { nextReadyFeature } from '../../machines/dependencies.js';
import { claimBoard } from '../claims/board.js';
import { boardClaims, takenElsewhere } from '../claims/claims.js';
import type { HealthReport } from '../../machines/observations.js';
import type { SessionContext } from '../../machines/session.js';
import { readLog, type LogEntry } from '../lifecycle/event-log.js';
import { loadFeatureList, toProgress, type FeatureList } from '../features/feature-list.js';
import { featureListAt, listsFoundAfter } from '../features/feature-list-history.js';
import { readFileHistory } from './file-history.js';
import { countGateRefusals } from '../gate/gate-refusals.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { replay } from '../lifecycle/replay.js';
import { checkHandoff, handoffMark, ownStamps, recordLightHandoff, transcriptTokens, type HandoffCheckOptions } from './handoff-check.js';
import {
  newSessionRecord,
  readMetrics,
  readSessionRecord,
  sessionGoesOn,
  updateSessionRecord,
  upsertMetrics,
  type MetricsRow,
  type SessionRecord,
} from './session-record.js';
import { removeStrayTempFiles } from '../storage/cleanup.js';
import { writeOwnFile } from '../storage/write.js';
import { sha256 } from '../utils/hash.js';
import { oneLine } from '../utils/one-line.js';
import { readStateFile, topStateOf, type StateFile } from '../lifecycle/state-file.js';

export interface GitFacts {
  commits: { hash: string; subject: string }[];
  filesModified: string[];
}

interface SessionFacts {
  record: SessionRecord;
  state: StateFile | null;
  entries: LogEntry[];
  /** Each feature's status when the session first saw it: at its start, or when it appeared during it. */
  firstSeen: Map<string, string>;
  endFeatures: FeatureProgress[] | null;
  /** The list itself, for what only it holds (which features wait for which). */
  endList: FeatureList | null;
  /** Features other checkouts hold or finished: the next step is not one of them. */
  taken: ReadonlySet<string>;
  /** Where the session ended: its state and health at its last event. */
  end: { state: string; health_status: string } | null;
  context: SessionContext | null;
  gateRefusals: number;
}

/**
 * Each feature's status when the session first saw it: the list as its start revision left
 * it, then any feature that appeared in a list found changed by hand during it.
 */
function firstSeenStatuses(paths: ProjectPaths, entries: readonly LogEntry[], startRevision: number, until: number): Map<string, string> {
  const seen = new Map<string, string>();
  const start = startRevision > 0 ? featureListAt(paths, entries, startRevision) : null;
  const lists = [start?.kind === 'ok' ? (start.features ?? []) : [], ...listsFoundAfter(paths, entries, startRevision, until)];
  for (const list of lists) for (const feature of list) if (!seen.has(feature.id)) seen.set(feature.id, feature.status);
  return seen;
}

/** The session's facts; its events are the ones after its start and up to `untilRevision` (default: now). */
async function gatherFacts(paths: ProjectPaths, record: SessionRecord, now: Date, untilRevision?: number): Promise<SessionFacts> {
  const read = await readStateFile(paths, now);
  const state = read.kind === 'ok' ? read.state : null;
  const { entries } = readLog(paths);
  const until = untilRevision ?? state?.revision ?? Infinity;
  const during = entries.filter((entry) => entry.revision > record.start_revision && entry.revision <= until);
  const context = state ? (state.snapshot.context as unknown as SessionContext) : null;
  // A session closed by the next one ended before that one's entry: its end is replayed, not read from state.json.
  const closedEarlier = untilRevision !== undefined && state !== null && untilRevision < state.revision && entries.some((entry) => entry.revision === untilRevision);
  const endSnapshot = closedEarlier ? replay(entries, untilRevision).snapshot : null;
  const end = endSnapshot
    ? { state: topStateOf(endSnapshot.value), health_status: (endSnapshot.context as unknown as SessionContext).health?.status ?? 'UNKNOWN' }
    : state && { state: state.state, health_status: state.health_status };
  // Where the work ends is the feature list file's to say (features added since the last event count); the session's copy if it cannot be read.
  const endList = await loadFeatureList(paths).catch(() => null);
  const endFeatures = toProgress(endList);
  const taken = takenElsewhere(await boardClaims(claimBoard(paths), now).catch(() => []));
  return { record, state, entries: during, firstSeen: firstSeenStatuses(paths, entries, record.start_revision, until), endFeatures, endList, taken, end, context, gateRefusals: await countGateRefusals(paths, record) };
}

/**
 * The features whose status the session changed. A feature it never saw (added to the file
 * since the last event) changed nothing; one that arrived already done (imported as passing)
 * was not done by the session.
 */
function changedBySession(facts: SessionFacts): FeatureProgress[] {
  return (facts.endFeatures ?? []).filter((feature) => {
    const first = facts.firstSeen.get(feature.id);
    return first !== undefined && first !== feature.status;
  });
}

/** A resumed session's row goes on from where it stopped: counts add up, the transcript's tokens are its total. */
function continueRow(before: MetricsRow | null, row: MetricsRow): MetricsRow {
  if (!before) return row;
  const states = [...before.states_visited, ...row.states_visited.slice(before.states_visited.at(-1) === row.states_visited[0] ? 1 : 0)];
  return {
    ...row,
    started_at: before.started_at,
    states_visited: states,
    compressions: before.compressions + row.compressions,
    retries: before.retries + row.retries,
    tokens_used: row.tokens_used ?? before.tokens_used,
    features_completed: before.features_completed + row.features_completed,
    health_checks_passed: before.health_checks_passed + row.health_checks_passed,
    health_checks_failed: before.health_checks_failed + row.health_checks_failed,
  };
}

export function metricsRow(facts: SessionFacts, endedBy: MetricsRow['ended_by']): MetricsRow {
  const { record, entries } = facts;
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
  const completed = changedBySession(facts).filter((feature) => !isOpenStatus(feature.status) && isOpenStatus(facts.firstSeen.get(feature.id)!)).length;
  return continueRow(record.continues, {
    session_id: record.session_id,
    started_at: record.started_at,
    ended_at: record.ended_at,
    ended_by: endedBy,
    health_status: facts.end?.health_status ?? 'UNKNOWN',
    states_visited: states.length ? states : facts.end ? [facts.end.state] : [],
    compressions: record.compressions.manual + record.compressions.auto,
    retries,
    tokens_used: record.tokens_used,
    features_completed: completed,
    health_checks_passed: passed,
    health_checks_failed: failed,
    gate_refusals: facts.gateRefusals,
  });
}

/** Lists in the summary stop here, and each item at ITEM_LIMIT characters: it is read at the start of every session, by people and agents. */
const SUMMARY_LIST_LIMIT = 20;
const ITEM_LIMIT = 300;

/** An item as the summary shows it: on one line, and not endless. */
const clip = (text: string) => {
  const line = oneLine(text);
  return line.length > ITEM_LIMIT ? `${line.slice(0, ITEM_LIMIT - 1)}…` : line;
};

const bullet = (items: string[], empty: string, marker = '-') => {
  if (!items.length) return `- ${empty}`;
  const shown = items.slice(0, SUMMARY_LIST_LIMIT).map((item) => `${marker} ${clip(item)}`);
  if (items.length > SUMMARY_LIST_LIMIT) shown.push(`- and ${items.length - SUMMARY_LIST_LIMIT} more`);
  return shown.join('\n');
};

/** The spec's summary template, filled from recorded data. */
export function renderSummary(facts: SessionFacts, git: GitFacts, descriptions: Map<string, string>, fileHistory: string[]): string {
  const { record, state, context } = facts;
  const counts = countFeatures(facts.endFeatures);
  const changed = changedBySession(facts);
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
  const next = nextReadyFeature(facts.endList?.features ?? null, context?.currentFeatureId ?? null, facts.taken);
  const files = [...new Set([...git.filesModified, ...fileHistory])];
  const steps = [
    'Run `baton entry` first',
    `Resume from state: ${state?.state ?? 'START'}`,
    ...(next ? [`Continue with feature: ${label(next.id)}`] : []),
    ...(record.blockers.length === 1 ? [`Address the blocker: ${record.blockers[0]}`] : record.blockers.length ? [`Address the ${record.blockers.length} blockers listed under Blockers`] : []),
  ];
  return `# Session Summary - ${record.ended_at ?? record.started_at}

Session ${record.session_id} (${record.source}), ${record.started_at} to ${record.ended_at ?? 'now'}.

## State
- Final state: ${state?.state ?? 'unknown'}
- Health status: ${state?.health_status ?? 'UNKNOWN'}${context?.health?.detail ? ` (${oneLine(context.health.detail)})` : ''}
- Features completed: ${counts.done}
- Features remaining: ${counts.open}

## Work Done
${bullet(workDone, 'No feature changed status')}

## Git Commits
${bullet(git.commits.map((commit) => `${commit.hash}: ${commit.subject}`), 'None')}

## Decisions Made
${bullet(record.decisions, 'None recorded (`baton note --decision "..."`)')}

## Blockers
${bullet(record.blockers, 'None recorded (`baton note --blocker "..."`)', '- [ ]')}

## Next Session
${steps.map((step, index) => `${index + 1}. ${clip(step)}`).join('\n')}

## Files Modified
${bullet(files, 'None')}
`;
}

export function summaryFile(paths: ProjectPaths, record: SessionRecord): string {
  const stamp = record.started_at.replace(/[:.]/g, '-');
  return path.join(paths.summaries, `session_${stamp}_${record.session_id.slice(0, 8)}.md`);
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

export interface EndOptions extends HandoffCheckOptions {
  now: Date;
  by: string;
  git: (since: string | null) => Promise<GitFacts>;
  /** Commit the pending work with the handoff's files (config commit_on_end): the commit made, if any, and why. */
  commit?: (message: string) => Promise<{ sha: string | null; detail: string }>;
}

/** What git said at a handoff, as a key: SessionEnd and `baton end` compare it, since edits made outside the agent's tools leave no other trace. */
function gitFactsKey(git: GitFacts): string {
  return sha256(JSON.stringify(git));
}

/**
 * Hands the session off: marks it ended, writes the summary and the metrics row, cleans
 * temp files, then commits when configured. Running it again with nothing new changes nothing.
 */
export async function endSession(paths: ProjectPaths, options: EndOptions): Promise<EndOutcome> {
  const read = await readStateFile(paths, options.now);
  const state = read.kind === 'ok' ? read.state : null;
  const dirtyState = state?.dirty ?? false;
  const check = checkHandoff(paths, options);
  const nothing = { summary: null, row: null, commit: null, commitDetail: null, dirtyState };
  if (check.kind === 'no-session') return { ended: false, reason: 'no session has started (run `baton entry`)', record: null, ...nothing };
  if (check.kind === 'other-session') return { ended: false, reason: check.reason, record: null, ...nothing };
  let git: GitFacts | null = null;
  if (check.kind === 'nothing-new' || check.kind === 'tokens-only') {
    // The mark cannot see an edit made in the work tree by a shell command; git can. The Stop hook's fast
    // path trusts the mark (every turn); whatever reaches here (SessionEnd, baton end, commit_on_end) asks git.
    git = await options.git(check.record.start_head);
    if (gitFactsKey(git) === check.record.handoff_git) {
      await recordLightHandoff(paths, check, options.by);
      return { ended: false, reason: check.reason, record: check.record, ...nothing, summary: summaryFile(paths, check.record) };
    }
  }
  const { record } = check;
  // Stamped before anything the summary shows is read: a change made during the handoff is new to the next one.
  const stamps = ownStamps(paths);
  const gitStampBefore = options.gitStamp();
  const transcript = transcriptTokens(record, options.transcriptPath);
  const ended = (await updateSessionRecord(paths, (current) =>
    current && current.session_id === record.session_id
      ? { ...current, ended_at: options.now.toISOString(), last_action: options.by, tokens_used: transcript?.tokens ?? current.tokens_used, transcript_read: transcript ?? current.transcript_read }
      : current,
  ))!;
  const facts = await gatherFacts(paths, ended, options.now);
  const row = metricsRow(facts, 'handoff');
  await upsertMetrics(paths, row);
  const list = await loadFeatureList(paths).catch(() => null);
  const descriptions = new Map((list?.features ?? []).map((feature) => [feature.id, feature.description]));
  const file = summaryFile(paths, ended);
  git ??= await options.git(ended.start_head);
  await writeOwnFile(paths, file, renderSummary(facts, git, descriptions, readFileHistory(paths).files));
  await removeStrayTempFiles(paths, paths.progressDir);
  // After the summary and the metrics row, so the commit holds this handoff's own.
  const commit = options.commit ? await options.commit(`Session checkpoint: ${state?.state ?? 'session'} (baton session ${record.session_id.slice(0, 8)})`) : null;
  // Baton's own commit is not news to the next handoff; the counters are those the summary used.
  const committed = Boolean(commit?.sha);
  const mark = handoffMark(stamps, ended, committed ? options.gitStamp() : gitStampBefore);
  const gitKey = gitFactsKey(committed ? await options.git(ended.start_head) : git);
  const marked = (await updateSessionRecord(paths, (current) => (current && current.session_id === record.session_id ? { ...current, handoff_mark: mark, handoff_git: gitKey } : current)))!;
  return { ended: true, record: marked, summary: displayPath(paths, file), row, commit: commit?.sha ?? null, commitDetail: commit?.detail ?? null, dirtyState };
}

/**
 * Starts (or continues) a session record. A different session that never handed off is
 * closed first, its metrics row marked `ended_by: never`, counting its events up to this
 * session's start. A Claude Code session resumed after another one continues its own row.
 */
export async function beginSession(
  paths: ProjectPaths,
  options: { sessionId?: string; source: string; transcriptPath?: string | null; startRevision: number; startHead: string | null; now: Date },
): Promise<{ record: SessionRecord; abandoned: SessionRecord | null }> {
  const existing = await readSessionRecord(paths);
  if (existing && !existing.ended_at && (options.sessionId === undefined || existing.session_id === options.sessionId)) {
    return { record: existing, abandoned: null };
  }
  if (existing && existing.ended_at) {
    // The same Claude Code session goes on (after a Stop; resumed after SessionEnd): its SessionStart reopens it.
    if (options.sessionId !== undefined && existing.session_id === options.sessionId) {
      const reopened = await updateSessionRecord(paths, (current) => (current ? { ...current, ended_at: null } : current));
      return { record: reopened!, abandoned: null };
    }
    // `baton entry` run by its agent after a Stop works in that session as it is: the next Stop hands it off with the rest.
    if (options.sessionId === undefined && sessionGoesOn(existing)) return { record: existing, abandoned: null };
  }
  let abandoned: SessionRecord | null = null;
  if (existing && !existing.ended_at) {
    abandoned = existing;
    await upsertMetrics(paths, metricsRow(await gatherFacts(paths, existing, options.now, options.startRevision), 'never'));
  }
  const earlierRow = options.sessionId === undefined ? null : (readMetrics(paths).rows.find((row) => row.session_id === options.sessionId) ?? null);
  const record = newSessionRecord({ ...options, continues: earlierRow });
  await updateSessionRecord(paths, () => record);
  return { record, abandoned };
}
