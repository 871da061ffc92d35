/**
 * What the service answers. Hook routes take Claude Code's hook JSON as an HTTP hook posts it
 * and answer with the hook's JSON output; the event route takes what `baton send` takes and
 * answers with what `baton send --json` prints. The files under `.claude/progress/` stay the
 * truth: every route goes through the same lock, compare-and-swap and log as the CLI.
 */
import { isUserEventType } from '../../machines/events.js';
import { BatonError, describeError, EXIT } from '../../services/errors.js';
import { projectPaths } from '../../services/project/paths.js';
import type { CommandContext } from '../context.js';
import { answerFastHook, FAST_HOOKS, type HookAnswer } from '../hook-fast.js';
import { parseUserEvent, sendEvent } from '../send-event.js';
import { HttpError } from './http-io.js';
import { projectOfRequest } from './project-of-request.js';

type FastHook = (typeof FAST_HOOKS)[number];

const isFastHook = (event: string): event is FastHook => (FAST_HOOKS as readonly string[]).includes(event);

/** A command's context for a project, as the CLI would make it with `-C DIR --json`. */
export function contextFor(root: string): CommandContext {
  return { args: [], options: {}, json: true, projectDir: root, paths: projectPaths(root) };
}

/** The answer as an HTTP hook's JSON output: a block becomes PreToolUse's "deny" with the reason the model reads. */
function hookOutput(answer: HookAnswer): object {
  if (answer.code === 2) return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: answer.message ?? 'blocked by baton' } };
  // A hook that failed without blocking: the user sees why, the call goes on.
  if (answer.code !== 0 && answer.message) return { systemMessage: answer.message };
  return {};
}

/** The hook's JSON output, and the project it was about (null: none, so nothing was done). */
export async function hookRoute(event: string, body: unknown, namedProject: unknown): Promise<{ output: object; root: string | null }> {
  if (event === 'SessionStart' || event === 'SessionEnd') throw new HttpError(400, `${event} runs as a command hook (\`baton hook ${event}\`): Claude Code does not send ${event === 'SessionStart' ? 'it' : 'it reliably'} over HTTP`);
  if (!isFastHook(event)) throw new HttpError(404, `no hook route for ${JSON.stringify(event)}; baton answers ${FAST_HOOKS.join(', ')}`);
  const payload = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const root = projectOfRequest(namedProject, payload.cwd);
  // No project around the call: nothing to guard or record (as `baton hook` outside a project).
  if (root === null) return { output: {}, root };
  const answer = await answerFastHook(event, { ok: true, value: body }, { namedRoot: root });
  if (answer !== 'full') return { output: hookOutput(answer), root };
  // A Stop with something new: the full handoff, as `baton hook Stop` hands over to the CLI.
  const { endSessionHere } = await import('../handoff.js');
  await endSessionHere(contextFor(root!), { by: 'Stop', ...(typeof payload.session_id === 'string' ? { sessionId: payload.session_id } : {}), transcriptPath: typeof payload.transcript_path === 'string' ? payload.transcript_path : null });
  return { output: {}, root };
}

/** POST /v1/events: {project, type, data?}; the answer is `baton send --json`'s, with its exit code. */
export interface EventAnswer {
  exit_code: number;
  report?: unknown;
  error?: { message: string; hint: string | null; exit_code: number };
}

/** A command's outcome as an answer: its report and exit code, or its error with the exit code and hint the CLI would give. */
async function answerOf(run: () => Promise<{ code: number; report: unknown }>): Promise<EventAnswer> {
  try {
    const { code, report } = await run();
    return { exit_code: code, report };
  } catch (error) {
    if (error instanceof BatonError) return { exit_code: error.exitCode, error: { message: error.message, hint: error.hint ?? null, exit_code: error.exitCode } };
    return { exit_code: EXIT.INTERNAL, error: { message: describeError(error), hint: null, exit_code: EXIT.INTERNAL } };
  }
}

export async function eventRoute(body: unknown): Promise<{ answer: EventAnswer; root: string }> {
  const request = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const root = projectOfRequest(request.project, undefined);
  if (root === null) throw new HttpError(400, 'name the project: {"project": "/abs/path", "type": "EVENT", "data": {...}}');
  if (typeof request.type !== 'string' || !isUserEventType(request.type)) throw new HttpError(400, `unknown event ${JSON.stringify(request.type ?? null)}`);
  const type = request.type;
  const answer = await answerOf(() => sendEvent(contextFor(root), parseUserEvent(type, request.data === undefined ? undefined : JSON.stringify(request.data))));
  return { answer, root };
}

/** GET /v1/status?project=...: what `baton status --json` prints, with its exit code. */
export async function statusRoute(project: string | null): Promise<{ answer: EventAnswer; root: string }> {
  const root = projectOfRequest(project, undefined);
  if (root === null) throw new HttpError(400, 'name the project: /v1/status?project=/abs/path');
  const { statusReport } = await import('../status-report.js');
  const answer = await answerOf(async () => {
    const { code, view } = await statusReport(contextFor(root));
    return { code, report: view };
  });
  return { answer, root };
}
