/**
 * The hooks that run on every tool call (PreToolUse, PostToolUse) or often (PreCompact, and
 * Stop after every turn), bundled on their own into dist/hook-fast.js: one small
 * file, no zod, xstate or execa. The gate reads state.json's `health_status` and returns at
 * once unless it is BROKEN; Stop answers here when there is nothing new to hand off.
 *
 * Exit codes follow the hook contract: 2 blocks (the gate's refusal, stderr to the model);
 * anything else never blocks, so every other failure exits 1 with a message.
 */
import path from 'node:path';
import { checkpointIntervalLight, readSettledStateLight, saveCheckpointIfDue } from '../services/lifecycle/checkpoint.js';
import { renewHeldClaim } from '../services/claims/heartbeat.js';
import { readConfigLight } from '../services/project/config-light.js';
import { describeProblem } from '../services/storage/json-file.js';
import { readOwnJson } from '../services/storage/read.js';
import { projectRelative, protectedWrite, type ToolCall } from '../services/gate/protected-write.js';
import { isProgressPath } from '../services/agent-session/commit-scope.js';
import { recordEdit } from '../services/agent-session/file-history.js';
import { recordGateRefusal } from '../services/gate/gate-refusals.js';
import { projectPaths, type ProjectPaths } from '../services/project/paths.js';
import { findProjectRoot, projectRootAt } from '../services/project/project-root.js';
import { configuredGlobs, gateGlobs, type GateGlobs } from '../services/gate/protected-paths.js';
import { updateSessionRecord } from '../services/agent-session/session-record.js';
import { gitStamp } from '../actors/git-stamp.js';
import { checkHandoff, recordLightHandoff } from '../services/agent-session/handoff-check.js';
import { settingsRunningBaton } from '../services/project/installed-hooks.js';
import type { HookEventName } from '../services/project/claude-settings.js';
import { checkHookInput, HookInputError, payloadCwd, type HookJson, type PostToolUseInput, type PreToolUseInput, type StopInput, readHookJson } from './hook-contract.js';
import { readStdinToEnd, type StdinRead } from './stdin.js';

export const FAST_HOOKS = ['PreToolUse', 'PostToolUse', 'PreCompact', 'Stop'] as const;

const BLOCK = 2;
const NON_BLOCKING_ERROR = 1;

/** A hook's answer, before it reaches Claude Code as an exit code and stderr (a process) or as JSON (the service). */
export interface HookAnswer {
  code: number;
  /** To the model on a block (code 2); a message to the user otherwise. */
  message?: string;
}

const ALLOW: HookAnswer = { code: 0 };

export function failedHook(message: string): HookAnswer {
  return { code: NON_BLOCKING_ERROR, message: `baton hook: ${message}` };
}

/** For the command-line hooks: the answer written where Claude Code reads a command hook's. */
export function hookFailure(message: string): number {
  return writeAnswer(failedHook(message));
}

export function writeAnswer(answer: HookAnswer): number {
  if (answer.message) process.stderr.write(`${answer.message}\n`);
  return answer.code;
}

type HealthView =
  | { kind: 'ok'; status: string; fixBroken: boolean; detail: string | null; protectedPaths: string[] | null }
  | { kind: 'missing' }
  | { kind: 'unreadable'; problem: string };

/** Health from state.json without validating the rest: the gate's hot path. */
function readHealth(paths: ProjectPaths): HealthView {
  let read;
  try {
    read = readOwnJson<{ state?: unknown; health_status?: unknown; protected_paths?: unknown; snapshot?: { context?: { health?: { detail?: string } } } }>(paths, paths.state);
  } catch (error) {
    // A linked .claude or .claude/progress: the state cannot be known, and the gate fails closed.
    return { kind: 'unreadable', problem: (error as Error).message };
  }
  if (read.kind === 'missing') return { kind: 'missing' };
  if (read.kind === 'invalid') return { kind: 'unreadable', problem: describeProblem(read.problem) };
  const state = read.value;
  if (typeof state?.health_status !== 'string') return { kind: 'unreadable', problem: 'state.json has no health_status' };
  const recorded = Array.isArray(state.protected_paths) && state.protected_paths.every((glob) => typeof glob === 'string') ? (state.protected_paths as string[]) : null;
  return { kind: 'ok', status: state.health_status, fixBroken: state.state === 'FIX_BROKEN', detail: state.snapshot?.context?.health?.detail ?? null, protectedPaths: recorded };
}

/** The current good project.json's globs with the ones state.json recorded; fails closed (everything) with neither. */
async function protectedGlobs(paths: ProjectPaths, health: HealthView): Promise<GateGlobs> {
  return gateGlobs(await configuredGlobs(paths), health.kind === 'ok' ? health.protectedPaths : null);
}

export async function preToolUse(paths: ProjectPaths, json: HookJson): Promise<HookAnswer> {
  const health = readHealth(paths);
  // Healthy, unknown or no session yet: nothing to guard. The common case, so it comes first.
  // FIX_BROKEN guards whatever the last check said: a check that could not run is not a fix.
  if (health.kind === 'missing' || (health.kind === 'ok' && health.status !== 'BROKEN' && !health.fixBroken)) return ALLOW;
  let input: PreToolUseInput;
  try {
    input = checkHookInput('PreToolUse', json) as PreToolUseInput;
  } catch (error) {
    // Broken (or unknown): fail closed rather than let an unreadable call through.
    return { code: BLOCK, message: `baton: refusing this tool call: the app is not known to be healthy and the hook input could not be read (${(error as Error).message}).` };
  }
  const cwd = input.cwd && path.isAbsolute(input.cwd) ? input.cwd : paths.root;
  const gate = await protectedGlobs(paths, health);
  let hit;
  try {
    hit = await protectedWrite(input as ToolCall, paths.root, cwd, gate.globs);
  } catch (error) {
    // A crash here would exit 1, which Claude Code takes as "go ahead": while broken, refuse instead.
    return { code: BLOCK, message: `baton: refusing this tool call: the app is not known to be healthy and baton could not tell what it writes (${(error as Error).message}).` };
  }
  if (!hit) return ALLOW;
  const why =
    health.kind === 'unreadable'
      ? `baton cannot read its state (${health.problem}), so it cannot tell whether the app is healthy`
      : health.status === 'BROKEN'
        ? `the app's health check is BROKEN${health.detail ? ` (${health.detail})` : ''}`
        : `the session is in FIX_BROKEN and no health check has passed since${health.detail ? ` (${health.detail})` : ''}`;
  const message =
    `baton: blocked ${input.tool_name} writing ${hit.path} (protected by "${hit.glob}"): ${why}.\n` +
    'Fix the app before feature work: work outside the protected paths (tests, config), then `baton send HEALTH_FIXED`; ' +
    'or roll back with `baton rollback`; or `baton entry` to re-check. Protected paths are `protected_paths` in .claude/config/project.json.' +
    (gate.note ? `\n${gate.note}.` : '');
  // Lock-free: a refusal must answer within the hook's timeout, whoever holds the progress lock.
  const refusal = { at: new Date().toISOString(), session_id: input.session_id ?? null, tool_name: input.tool_name, path: hit.path, glob: hit.glob };
  await recordGateRefusal(paths, refusal).catch(() => undefined);
  return { code: BLOCK, message };
}

/** Most recent first, no duplicates, bounded; paths relative to the project. */
export async function postToolUse(paths: ProjectPaths, input: PostToolUseInput): Promise<HookAnswer> {
  const toolInput = input.tool_input as Record<string, unknown>;
  const file = input.tool_name === 'NotebookEdit' ? toolInput.notebook_path : ['Write', 'Edit', 'MultiEdit'].includes(input.tool_name) ? toolInput.file_path : undefined;
  if (typeof file !== 'string') return ALLOW;
  const relative = projectRelative(paths.root, input.cwd && path.isAbsolute(input.cwd) ? input.cwd : paths.root, file);
  if (relative === null || isProgressPath(relative)) return ALLOW;
  await recordEdit(paths, relative);
  return ALLOW;
}


export async function preCompact(paths: ProjectPaths, trigger: 'manual' | 'auto'): Promise<HookAnswer> {
  await updateSessionRecord(paths, (record) => (record ? { ...record, compressions: { ...record.compressions, [trigger]: record.compressions[trigger] + 1 } } : record));
  return ALLOW;
}

/**
 * Stop with nothing new for the summary since the last handoff (the common case: it runs after
 * every turn): done here, tokens and who handed off included. Anything else, a bad input
 * included, is the full handoff's (null).
 */
async function handOffIfCheap(paths: ProjectPaths, json: HookJson): Promise<HookAnswer | null> {
  let input: StopInput;
  try {
    input = checkHookInput('Stop', json) as StopInput;
  } catch {
    return null;
  }
  // commit_on_end commits what the turn changed, which only git can tell: the full handoff asks it.
  if (readConfigLight(paths).commit_on_end === true) return null;
  const check = checkHandoff(paths, { ...(input.session_id !== undefined ? { sessionId: input.session_id } : {}), transcriptPath: input.transcript_path ?? null, gitStamp: () => gitStamp(paths.root) });
  if (check.kind === 'other-session' || check.kind === 'no-session') return ALLOW;
  if (check.kind !== 'nothing-new' && check.kind !== 'tokens-only') return null;
  await recordLightHandoff(paths, check, 'Stop');
  return ALLOW;
}

/**
 * The project of a hook: the directory Claude Code names (CLAUDE_PROJECT_DIR, or -C) when
 * it is a project; without one, the project around the payload's `cwd` (the agent's shell,
 * which follows its `cd`). Never the hook process's own directory. Null: no project.
 */
export function hookProjectRoot(json: HookJson, named = process.env.CLAUDE_PROJECT_DIR): string | null {
  if (named) return projectRootAt(named);
  const cwd = payloadCwd(json);
  return cwd ? findProjectRoot(cwd) : null;
}

/**
 * Run as the Claude Code plugin (`--plugin`), a hook stands aside when a settings file runs
 * baton for the same call (`baton hooks install` as well as the plugin): each hook runs once.
 */
export function pluginStandsAside(paths: ProjectPaths, event: HookEventName, json: HookJson): boolean {
  const field = event === 'PreToolUse' || event === 'PostToolUse' ? 'tool_name' : event === 'SessionStart' ? 'source' : event === 'PreCompact' ? 'trigger' : null;
  const payload = json.ok && json.value && typeof json.value === 'object' ? (json.value as Record<string, unknown>) : {};
  const value = field ? payload[field] : undefined;
  return settingsRunningBaton(paths, event, typeof value === 'string' ? value : undefined) !== null;
}

/** What the full CLI needs to go on with a hook this file did not finish: the input it already read. */
export interface HandOver {
  stdin: StdinRead;
}

/**
 * A per-call hook's answer to its input, wherever the input came from (a process's stdin, or
 * the service's request body): the answer, or 'full' when the full handoff must run (a Stop
 * with something new). `namedRoot`: the project Claude Code names (CLAUDE_PROJECT_DIR, -C).
 */
export async function answerFastHook(event: (typeof FAST_HOOKS)[number], json: HookJson, options: { namedRoot?: string | undefined; plugin?: boolean } = {}): Promise<HookAnswer | 'full'> {
  const root = hookProjectRoot(json, options.namedRoot);
  // No project: no session to guard or record, and nothing may be created.
  if (root === null) return ALLOW;
  const paths = projectPaths(root);
  if (options.plugin && pluginStandsAside(paths, event, json)) return ALLOW;
  if (event === 'Stop') return (await handOffIfCheap(paths, json).catch(() => null)) ?? 'full';
  let answer: HookAnswer;
  if (event === 'PreToolUse') answer = await preToolUse(paths, json);
  else {
    try {
      const input = checkHookInput(event, json);
      answer = event === 'PostToolUse' ? await postToolUse(paths, input as PostToolUseInput) : await preCompact(paths, (input as { trigger: 'manual' | 'auto' }).trigger);
    } catch (error) {
      answer = failedHook(error instanceof HookInputError ? error.message : `${event} failed: ${(error as Error).message}`);
    }
  }
  // The spec's auto-save, from the hooks too: one stat when nothing is due; never changes the hook's answer.
  // Not after a refusal, which waits on no lock.
  if (answer.code !== BLOCK) await saveCheckpointIfDue(paths, checkpointIntervalLight(paths), new Date(), () => readSettledStateLight(paths)).catch(() => undefined);
  // The session is alive: its claim on its feature stays (after the tool ran, off the gate's hot path).
  if (event === 'PostToolUse') await renewHeldClaim(paths, new Date()).catch(() => undefined);
  return answer;
}

/**
 * Entry point of dist/hook-fast.js, called from the CLI before anything else loads: the exit
 * code, or a HandOver when the full CLI must run the hook (a handoff with something new).
 */
export async function runFastHook(event: (typeof FAST_HOOKS)[number], options: { namedRoot?: string | undefined; plugin?: boolean } = {}): Promise<number | HandOver> {
  const stdin = readStdinToEnd();
  const answer = await answerFastHook(event, readHookJson(stdin), options);
  return answer === 'full' ? { stdin } : writeAnswer(answer);
}
