/**
 * What the visualizations show about one project, read from its files without changing
 * anything and without running the machine: the current state (state.json), the path
 * through the states (events.jsonl), the features (feature-list.json) and, when present,
 * session metrics (metrics.json). A missing or unreadable file becomes a note, never a failure.
 */
import path from 'node:path';
import { readLog, type LogEntry } from '../services/lifecycle/event-log.js';
import { loadFeatureList, type Feature } from '../services/features/feature-list.js';
import { describeError } from '../services/errors.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { readStateFile } from '../services/lifecycle/state-file.js';
import { readOwnText, readProjectText } from '../services/storage/read.js';
import { activePaths } from './graph.js';

export interface CurrentState {
  state: string;
  value: unknown;
  /** Active state paths: `TEST`, `TEST.awaitingResults`. */
  active: string[];
  revision: number;
  enteredAt: string;
  updatedAt: string;
  health: string;
  healthDetail: string | null;
  currentFeatureId: string | null;
  dirty: boolean;
}

export interface PathStep {
  revision: number;
  at: string;
  event: string;
  /** The event's payload (featureId, reason, ...), as short text. */
  detail: string;
  from: string;
  to: string;
  note: string | null;
  /** How long the session stayed in `to` after this step (until the next step, or until now for the last). */
  durationMs: number;
  last: boolean;
}

export interface MetricsView {
  found: boolean;
  file: string;
  /** The `sessions` array, when there is one. */
  sessions: Record<string, unknown>[] | null;
  /** The whole file, for what is not a `sessions` table. */
  raw: unknown;
  problem: string | null;
}

export interface ProjectView {
  name: string;
  dir: string;
  generatedAt: string;
  current: CurrentState | null;
  stateProblem: string | null;
  path: PathStep[];
  /** Time spent per top-level state over the whole path. */
  timeInState: { state: string; ms: number; visits: number }[];
  logProblems: string[];
  features: Feature[] | null;
  featuresProblem: string | null;
  metrics: MetricsView;
}

function payloadText(event: LogEntry['event']): string {
  const { type: _type, ...payload } = event;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'features' && Array.isArray(value)) parts.push(`${key}: ${value.length}`);
    else if (key === 'error' && value && typeof value === 'object') parts.push(`error: ${String((value as { message?: unknown }).message ?? '')}`);
    else parts.push(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return parts.join(', ');
}

export async function readCurrentState(paths: ProjectPaths, now: Date): Promise<{ current: CurrentState | null; problem: string | null }> {
  try {
    const read = await readStateFile(paths, now);
    if (read.kind === 'missing') return { current: null, problem: null };
    if (read.kind === 'invalid') return { current: null, problem: `${read.problem.file}${read.problem.location ? ` (${read.problem.location})` : ''}: ${read.problem.problem}` };
    const { state } = read;
    const context = state.snapshot.context as { health?: { detail?: string } | null; currentFeatureId?: string | null };
    return {
      current: {
        state: state.state,
        value: state.snapshot.value,
        active: activePaths(state.snapshot.value),
        revision: state.revision,
        enteredAt: state.entered_at,
        updatedAt: state.updated_at,
        health: state.health_status,
        healthDetail: context.health?.detail ?? null,
        currentFeatureId: context.currentFeatureId ?? null,
        dirty: state.dirty,
      },
      problem: null,
    };
  } catch (error) {
    return { current: null, problem: `state.json: ${describeError(error)}` };
  }
}

function readMetrics(paths: ProjectPaths): MetricsView {
  const view: MetricsView = { found: false, file: path.relative(paths.root, paths.metrics), sessions: null, raw: null, problem: null };
  const read = readOwnText(paths, paths.metrics);
  if (read.kind === 'missing') return view;
  if (read.kind === 'bad') {
    view.problem = read.problem.problem;
    return view;
  }
  view.found = true;
  try {
    view.raw = JSON.parse(read.text);
  } catch (error) {
    view.problem = `not valid JSON: ${describeError(error)}`;
    return view;
  }
  const sessions = (view.raw as { sessions?: unknown } | null)?.sessions;
  if (Array.isArray(sessions)) view.sessions = sessions.map((row) => (row && typeof row === 'object' && !Array.isArray(row) ? (row as Record<string, unknown>) : { value: row }));
  else view.problem = 'has no "sessions" array; shown as it is';
  return view;
}

/** The name in package.json, else the directory's name. */
function projectName(paths: ProjectPaths): string {
  const read = readProjectText(paths, 'package.json');
  try {
    const name = read.kind === 'ok' ? (JSON.parse(read.text) as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && name.trim() !== '') return name.trim();
  } catch {
    // not JSON: the directory name will do
  }
  return path.basename(paths.root);
}

export async function loadProjectView(paths: ProjectPaths, now: Date = new Date()): Promise<ProjectView> {
  const { current, problem: stateProblem } = await readCurrentState(paths, now);

  const log = readLog(paths);
  const logProblems = [...log.problems];
  // Lines above state.json's revision were never committed (the writer died before state.json).
  let entries = log.entries;
  if (current) {
    const committed = entries.filter((entry) => entry.revision <= current.revision);
    if (committed.length < entries.length) logProblems.push(`${entries.length - committed.length} line(s) of events.jsonl above state.json's revision were never committed; not shown`);
    entries = committed;
  }
  const steps: PathStep[] = entries.map((entry, index) => {
    const next = entries[index + 1];
    const start = Date.parse(entry.at);
    const end = next ? Date.parse(next.at) : now.getTime();
    return {
      revision: entry.revision,
      at: entry.at,
      event: entry.event.type,
      detail: payloadText(entry.event),
      from: entry.from,
      to: entry.to,
      note: entry.note ?? null,
      durationMs: Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0,
      last: !next,
    };
  });
  const totals = new Map<string, { ms: number; visits: number }>();
  steps.forEach((step, index) => {
    const total = totals.get(step.to) ?? { ms: 0, visits: 0 };
    total.ms += step.durationMs;
    if (index === 0 || steps[index - 1]!.to !== step.to) total.visits += 1;
    totals.set(step.to, total);
  });

  let features: Feature[] | null = null;
  let featuresProblem: string | null = null;
  try {
    features = (await loadFeatureList(paths))?.features ?? null;
  } catch (error) {
    featuresProblem = describeError(error);
  }

  return {
    name: projectName(paths),
    dir: paths.root,
    generatedAt: now.toISOString(),
    current,
    stateProblem,
    path: steps,
    timeInState: [...totals].map(([state, total]) => ({ state, ...total })),
    logProblems,
    features,
    featuresProblem,
    metrics: readMetrics(paths),
  };
}
