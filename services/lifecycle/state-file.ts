/**
 * `.claude/progress/state.json` and `checkpoint.json`. The top-level fields keep the spec's
 * names (`jq '.state'` works); the XState persisted snapshot sits beside them, wrapped with
 * a schema version and a revision because XState itself versions neither.
 */
import * as z from 'zod/mini';
import { FEATURE_STATUSES } from '../../machines/features.js';
import { TOP_STATES, MACHINE_VERSION, initialContext, sessionMachine, type TopState } from '../../machines/session.js';
import { parseJsonText, schemaProblem, type FileProblem } from '../storage/json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { readOwnText } from '../storage/read.js';

import { CHECKPOINT_SCHEMA_VERSION, STATE_SCHEMA_VERSION } from '../storage/schema-versions.js';
export const HISTORY_LIMIT = 20;

const healthStatus = z.enum(['HEALTHY', 'BROKEN', 'UNKNOWN']);

const historyEntrySchema = z.looseObject({
  revision: z.int(),
  at: z.string(),
  event: z.string(),
  from: z.string(),
  to: z.string(),
});

const persistedSnapshotSchema = z.looseObject({
  status: z.string(),
  value: z.unknown(),
  context: z.record(z.string(), z.unknown()),
  children: z._default(z.record(z.string(), z.unknown()), {}),
});

const pendingSchema = z.object({
  action: z.string(),
  started_at: z.string(),
  pid: z.int(),
  /** The writer's start time, so a reused pid is not taken for it (utils/pid.ts). */
  pid_start: z.optional(z.nullable(z.string())),
});

const featureProgressSchema = z.object({ id: z.string(), status: z.enum(FEATURE_STATUSES), retries: z.int().check(z.minimum(0)) });
/** `changed`: the features the write moves, so an interrupted write can be finished. */
const featureListWriteSchema = z.object({ before: z.string(), after: z.string(), changed: z.optional(z.array(featureProgressSchema)) });

export const stateFileSchema = z.looseObject({
  state: z.enum(TOP_STATES, { message: `state must be one of ${TOP_STATES.join(', ')}` }),
  entered_at: z.string(),
  health_status: healthStatus,
  history: z.array(historyEntrySchema),
  dirty: z.boolean(),
  schema_version: z.literal(STATE_SCHEMA_VERSION),
  machine_version: z.int(),
  revision: z.int().check(z.minimum(0)),
  updated_at: z.string(),
  pending: z.nullable(pendingSchema),
  /** The key of the feature list as this revision left it (feature-list-history.ts); null: to be recorded by the next change. */
  features_key: z.optional(z.nullable(z.string())),
  /** The feature-list update this revision made (hashes of the file before and after). */
  feature_list_write: z.optional(z.nullable(featureListWriteSchema)),
  /** The protected globs of the last good project.json: what the gate enforces when the file is no longer good. */
  protected_paths: z.optional(z.array(z.string())),
  snapshot: persistedSnapshotSchema,
});

export type FeatureListWrite = z.infer<typeof featureListWriteSchema>;
export type StateFile = z.infer<typeof stateFileSchema>;
export type PersistedSnapshot = z.infer<typeof persistedSnapshotSchema>;

export const checkpointFileSchema = z.looseObject({
  schema_version: z.literal(CHECKPOINT_SCHEMA_VERSION),
  checkpoint_at: z.string(),
  revision: z.int().check(z.minimum(0)),
  state: z.enum(TOP_STATES),
  snapshot: persistedSnapshotSchema,
});

export type CheckpointFile = z.infer<typeof checkpointFileSchema>;

/** The spec script's own state.json: `{state, entered_at, health_status, history}`, no snapshot. */
const specStateSchema = z.looseObject({
  state: z.string(),
  entered_at: z.optional(z.string()),
  health_status: z.optional(z.string()),
  history: z.optional(z.array(z.unknown())),
  dirty: z.optional(z.boolean()),
});

export function topStateOf(value: unknown): TopState {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  if (!TOP_STATES.includes(top as TopState)) throw new Error(`unknown state ${JSON.stringify(top)}`);
  return top as TopState;
}

/**
 * Checks a snapshot against the machine before restoring it: the state exists and is one
 * where the session rests (baton never persists a state with a running actor).
 */
export function validateSnapshot(snapshot: PersistedSnapshot): string | null {
  if (snapshot.status !== 'active') return `snapshot status is "${snapshot.status}", expected "active"`;
  let resolved;
  try {
    resolved = sessionMachine.resolveState({ value: snapshot.value as never, context: snapshot.context as never });
  } catch (error) {
    return `snapshot state ${JSON.stringify(snapshot.value)} does not exist in the session machine (${(error as Error).message})`;
  }
  if (!resolved.hasTag('settled')) return `snapshot state ${JSON.stringify(snapshot.value)} is mid-protocol (a running actor), not a resting state`;
  if (Object.keys(snapshot.children).length > 0) return `snapshot has running actors (${Object.keys(snapshot.children).join(', ')})`;
  return null;
}

/** A persisted snapshot for a state, as the machine would have it (used to upgrade spec-format files). */
export function snapshotForState(state: TopState, health: HealthStatusValue): PersistedSnapshot {
  // Each state's resting leaf: TEST waits for a result, it does not start a test run.
  const resting: Partial<Record<TopState, object>> = { START: { START: 'awaitingEntry' }, TEST: { TEST: 'awaitingResults' }, FIX_BROKEN: { FIX_BROKEN: 'awaitingFix' } };
  const value = resting[state] ?? state;
  const context = {
    ...initialContext(),
    health: health === 'UNKNOWN' ? null : { status: health, source: 'reported', detail: 'from a state.json without a snapshot' },
  };
  const resolved = sessionMachine.resolveState({ value: value as never, context: context as never });
  return sessionMachine.getPersistedSnapshot(resolved) as unknown as PersistedSnapshot;
}

type HealthStatusValue = z.infer<typeof healthStatus>;

export type StateParse =
  | { kind: 'ok'; state: StateFile; migratedFrom?: string; warnings: string[] }
  | { kind: 'invalid'; problem: FileProblem };

/** Parses state.json text: the current format, or an older one (migrated), never a newer one. */
export function parseStateText(file: string, text: string, now: Date): StateParse {
  const parsed = parseJsonText(file, text);
  if (!parsed.ok) return { kind: 'invalid', problem: parsed.problem };
  const value = parsed.value as Record<string, unknown>;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', problem: { file, problem: 'must be a JSON object' } };
  }
  const version = value.schema_version;
  if (typeof version === 'number' && version > STATE_SCHEMA_VERSION) {
    return {
      kind: 'invalid',
      problem: { file, location: 'schema_version', problem: `was written by a newer baton (schema ${version}; this baton reads up to ${STATE_SCHEMA_VERSION}); upgrade baton` },
    };
  }
  if (version === undefined) return migrateSpecState(file, value, now, parsed.warnings);
  const result = stateFileSchema.safeParse(value);
  if (!result.success) return { kind: 'invalid', problem: schemaProblem(file, result.error) };
  const snapshotProblem = validateSnapshot(result.data.snapshot);
  if (snapshotProblem) return { kind: 'invalid', problem: { file, location: 'snapshot', problem: snapshotProblem } };
  const warnings = [...parsed.warnings];
  const snapshotState = topStateOf(result.data.snapshot.value);
  if (snapshotState !== result.data.state) {
    warnings.push(`${file}: field "state" says ${result.data.state} but the snapshot is in ${snapshotState}; baton follows the snapshot`);
  }
  return { kind: 'ok', state: { ...result.data, state: snapshotState, snapshot: withoutFeatureList(result.data.snapshot) }, warnings };
}

/**
 * Machine version 1 kept the whole feature list in its context; version 2 keeps a tally,
 * which the next change syncs from the file. The old list is dropped, not carried along.
 */
function withoutFeatureList(snapshot: PersistedSnapshot): PersistedSnapshot {
  if (!Array.isArray(snapshot.context.features)) return snapshot;
  const { features: _dropped, ...context } = snapshot.context;
  return { ...snapshot, context };
}

/** Migration 0 -> 1: a state.json written by the spec's script (no schema_version, no snapshot). */
function migrateSpecState(file: string, value: Record<string, unknown>, now: Date, warnings: string[]): StateParse {
  const result = specStateSchema.safeParse(value);
  if (!result.success) return { kind: 'invalid', problem: schemaProblem(file, result.error) };
  const spec = result.data;
  if (!TOP_STATES.includes(spec.state as TopState)) {
    return { kind: 'invalid', problem: { file, location: 'state', problem: `state ${JSON.stringify(spec.state)} is not one of ${TOP_STATES.join(', ')}` } };
  }
  const health = healthStatus.safeParse(spec.health_status);
  const state = spec.state as TopState;
  const healthValue = health.success ? health.data : 'UNKNOWN';
  return {
    kind: 'ok',
    migratedFrom: 'the spec script format (no schema_version)',
    warnings,
    state: {
      ...spec,
      state,
      entered_at: spec.entered_at ?? now.toISOString(),
      health_status: healthValue,
      history: [],
      dirty: spec.dirty ?? false,
      schema_version: STATE_SCHEMA_VERSION,
      machine_version: MACHINE_VERSION,
      revision: 0,
      updated_at: now.toISOString(),
      pending: null,
      snapshot: snapshotForState(state, healthValue),
    },
  };
}

export function parseCheckpointText(file: string, text: string): { kind: 'ok'; checkpoint: CheckpointFile } | { kind: 'invalid'; problem: FileProblem } {
  const parsed = parseJsonText(file, text);
  if (!parsed.ok) return { kind: 'invalid', problem: parsed.problem };
  const result = checkpointFileSchema.safeParse(parsed.value);
  if (!result.success) return { kind: 'invalid', problem: schemaProblem(file, result.error) };
  const snapshotProblem = validateSnapshot(result.data.snapshot);
  if (snapshotProblem) return { kind: 'invalid', problem: { file, location: 'snapshot', problem: snapshotProblem } };
  return { kind: 'ok', checkpoint: { ...result.data, snapshot: withoutFeatureList(result.data.snapshot) } };
}

export function serializeState(state: StateFile): string {
  return `${JSON.stringify(stateFileSchema.parse(state), null, 2)}\n`;
}

/** state.json as it is on disk: missing, parsed and validated (a spec-format file upgraded), or what is wrong with it. */
export type StateRead =
  | { kind: 'missing' }
  | { kind: 'ok'; state: StateFile; migratedFrom?: string; warnings: string[] }
  /** `entry`: not a file baton can read at all (a link, a folder, a FIFO, too big), as opposed to bad content. */
  | { kind: 'invalid'; problem: FileProblem; entry?: boolean };

export function readStateFile(paths: ProjectPaths, now: Date): StateRead {
  const read = readOwnText(paths, paths.state);
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'invalid', problem: read.problem, entry: read.entry };
  return parseStateText(displayPath(paths, paths.state), read.text, now);
}
