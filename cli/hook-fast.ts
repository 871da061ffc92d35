/**
 * The hooks that run on every tool call (PreToolUse, PostToolUse) or often (PreCompact),
 * bundled on their own into dist/hook-fast.js: one small file, no zod, xstate or execa.
 * The gate reads state.json's `health_status` and returns at once unless it is BROKEN.
 *
 * Exit codes follow the hook contract: 2 blocks (the gate's refusal, stderr to the model);
 * anything else never blocks, so every other failure exits 1 with a message.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../services/atomic-file.js';
import { checkpointIntervalLight, readSettledStateLight, saveCheckpointIfDue } from '../services/checkpoint.js';
import { projectRelative, protectedWrite, type ToolCall } from '../services/gate.js';
import { acquireLock } from '../services/lock.js';
import { projectPaths, type ProjectPaths } from '../services/paths.js';
import { configuredGlobs, gateGlobs, type GateGlobs } from '../services/protected-paths.js';
import { updateSessionRecord } from '../services/session-record.js';
import { HookInputError, parseHookInput, type PostToolUseInput, type PreToolUseInput } from './hook-contract.js';

export const FAST_HOOKS = ['PreToolUse', 'PostToolUse', 'PreCompact'] as const;

const BLOCK = 2;
const NON_BLOCKING_ERROR = 1;
const FILE_HISTORY_LIMIT = 50;

export function hookFailure(message: string): number {
  process.stderr.write(`baton hook: ${message}\n`);
  return NON_BLOCKING_ERROR;
}

/** Synchronous: setting up the async stdin stream cost more than the whole gate. */
export function readStdin(): string {
  if (process.stdin.isTTY) return '';
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return ''; // a non-blocking empty stdin
    throw error;
  }
}

type HealthView =
  | { kind: 'ok'; status: string; fixBroken: boolean; detail: string | null; protectedPaths: string[] | null }
  | { kind: 'missing' }
  | { kind: 'unreadable'; problem: string };

/** Health from state.json without validating the rest: the gate's hot path. */
function readHealth(paths: ProjectPaths): HealthView {
  let text: string;
  try {
    text = readFileSync(paths.state, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', problem: (error as Error).message };
  }
  try {
    const state = JSON.parse(text.replace(/^\uFEFF/, '')) as { state?: unknown; health_status?: unknown; protected_paths?: unknown; snapshot?: { context?: { health?: { detail?: string } } } };
    if (typeof state.health_status !== 'string') return { kind: 'unreadable', problem: 'state.json has no health_status' };
    const recorded = Array.isArray(state.protected_paths) && state.protected_paths.every((glob) => typeof glob === 'string') ? (state.protected_paths as string[]) : null;
    return { kind: 'ok', status: state.health_status, fixBroken: state.state === 'FIX_BROKEN', detail: state.snapshot?.context?.health?.detail ?? null, protectedPaths: recorded };
  } catch (error) {
    return { kind: 'unreadable', problem: `state.json is not valid JSON (${(error as Error).message})` };
  }
}

/** The current good project.json's globs with the ones state.json recorded; fails closed (everything) with neither. */
async function protectedGlobs(paths: ProjectPaths, health: HealthView): Promise<GateGlobs> {
  return gateGlobs(await configuredGlobs(paths.root, paths.config), health.kind === 'ok' ? health.protectedPaths : null);
}

export async function preToolUse(paths: ProjectPaths, text: string): Promise<number> {
  const health = readHealth(paths);
  // Healthy, unknown or no session yet: nothing to guard. The common case, so it comes first.
  // FIX_BROKEN guards whatever the last check said: a check that could not run is not a fix.
  if (health.kind === 'missing' || (health.kind === 'ok' && health.status !== 'BROKEN' && !health.fixBroken)) return 0;
  let input: PreToolUseInput;
  try {
    input = parseHookInput('PreToolUse', text) as PreToolUseInput;
  } catch (error) {
    // Broken (or unknown): fail closed rather than let an unreadable call through.
    process.stderr.write(`baton: refusing this tool call: the app is not known to be healthy and the hook input could not be read (${(error as Error).message}).\n`);
    return BLOCK;
  }
  const cwd = input.cwd && path.isAbsolute(input.cwd) ? input.cwd : paths.root;
  const gate = await protectedGlobs(paths, health);
  const hit = protectedWrite(input as ToolCall, paths.root, cwd, gate.globs);
  if (!hit) return 0;
  const why =
    health.kind === 'unreadable'
      ? `baton cannot read its state (${health.problem}), so it cannot tell whether the app is healthy`
      : health.status === 'BROKEN'
        ? `the app's health check is BROKEN${health.detail ? ` (${health.detail})` : ''}`
        : `the session is in FIX_BROKEN and no health check has passed since${health.detail ? ` (${health.detail})` : ''}`;
  process.stderr.write(
    `baton: blocked ${input.tool_name} writing ${hit.path} (protected by "${hit.glob}"): ${why}.\n` +
      'Fix the app before feature work: work outside the protected paths (tests, config), then `baton send HEALTH_FIXED`; ' +
      'or roll back with `baton rollback`; or `baton entry` to re-check. Protected paths are `protected_paths` in .claude/config/project.json.\n' +
      (gate.note ? `${gate.note}.\n` : ''),
  );
  await updateSessionRecord(paths, (record) => (record ? { ...record, gate_refusals: record.gate_refusals + 1 } : record)).catch(() => undefined);
  return BLOCK;
}

function readHistory(paths: ProjectPaths): string[] {
  try {
    const parsed = JSON.parse(readFileSync(paths.fileHistory, 'utf8')) as unknown;
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return []; // first edit, or a file we rewrite whole
  }
}

/** Most recent first, no duplicates, bounded; paths relative to the project. */
export async function postToolUse(paths: ProjectPaths, input: PostToolUseInput): Promise<number> {
  const toolInput = input.tool_input as Record<string, unknown>;
  const file = input.tool_name === 'NotebookEdit' ? toolInput.notebook_path : ['Write', 'Edit', 'MultiEdit'].includes(input.tool_name) ? toolInput.file_path : undefined;
  if (typeof file !== 'string') return 0;
  const relative = projectRelative(paths.root, input.cwd && path.isAbsolute(input.cwd) ? input.cwd : paths.root, file);
  if (relative === null || relative.startsWith('.claude/progress/')) return 0;
  // Editing the same file again (the common case) changes nothing: no lock, no write.
  if (readHistory(paths)[0] === relative) return 0;
  await mkdir(paths.progressDir, { recursive: true });
  const lock = await acquireLock(paths.lock, { timeoutMs: 2_000 });
  try {
    const history = readHistory(paths);
    const next = [relative, ...history.filter((item) => item !== relative)].slice(0, FILE_HISTORY_LIMIT);
    await writeFileAtomic(paths.fileHistory, `${JSON.stringify(next, null, 2)}\n`, { durable: false });
  } finally {
    await lock.release();
  }
  return 0;
}


export async function preCompact(paths: ProjectPaths, trigger: 'manual' | 'auto'): Promise<number> {
  await updateSessionRecord(paths, (record) => (record ? { ...record, compressions: { ...record.compressions, [trigger]: record.compressions[trigger] + 1 } } : record));
  return 0;
}

/** The project of a hook: Claude Code sets CLAUDE_PROJECT_DIR; otherwise the hook's cwd. */
export function hookProjectRoot(fallback: string): string {
  return process.env.CLAUDE_PROJECT_DIR ? path.resolve(process.env.CLAUDE_PROJECT_DIR) : fallback;
}

/** Entry point of dist/hook-fast.js, called from the CLI before anything else loads. */
export async function runFastHook(event: (typeof FAST_HOOKS)[number], root: string): Promise<number> {
  const paths = projectPaths(root);
  const text = readStdin();
  let code: number;
  if (event === 'PreToolUse') code = await preToolUse(paths, text);
  else {
    try {
      const input = parseHookInput(event, text);
      code = event === 'PostToolUse' ? await postToolUse(paths, input as PostToolUseInput) : await preCompact(paths, (input as { trigger: 'manual' | 'auto' }).trigger);
    } catch (error) {
      code = hookFailure(error instanceof HookInputError ? error.message : `${event} failed: ${(error as Error).message}`);
    }
  }
  // The spec's auto-save, from the hooks too: one stat when nothing is due; never changes the hook's answer.
  await saveCheckpointIfDue(paths, await checkpointIntervalLight(paths), new Date(), () => readSettledStateLight(paths)).catch(() => undefined);
  return code;
}
