/**
 * `baton hook <EventName>`: Claude Code's hooks, reading its JSON on stdin. The per-tool-call
 * hooks live in ../hook-fast.ts (their own small bundle); SessionStart runs the entry
 * protocol and Stop / SessionEnd hand the session off, loading what they need lazily.
 */
import type { CommandContext } from '../context.js';
import { FAST_HOOKS, hookFailure, hookProjectRoot, pluginStandsAside, runFastHook } from '../hook-fast.js';
import { HOOK_EVENTS, type HookEventName } from '../../services/project/claude-settings.js';
import { checkHookInput, HookInputError, payloadCwd, readHookJson, type HookInput, type HookJson } from '../hook-contract.js';
import { projectPaths } from '../../services/project/paths.js';
import { WHAT_MAKES_A_PROJECT } from '../../services/project/project-root.js';

export function sessionStartOutput(additionalContext: string) {
  return { hookSpecificOutput: { hookEventName: 'SessionStart' as const, additionalContext } };
}

async function sessionStart(context: CommandContext, input: HookInput, plugin: boolean): Promise<number> {
  const [{ runEntry }, { buildAgentContext }] = await Promise.all([import('../entry-protocol.js'), import('../agent-context.js')]);
  // HTTP hooks (`baton hooks install --http`): the service answers the per-call hooks, so it must run.
  const serviceProblem = context.options.serve ? await (await import('../serve/ensure.js')).ensureServiceRunning() : null;
  let additionalContext: string;
  try {
    const report = await runEntry(context, {
      sessionId: input.session_id,
      source: (input as { source?: string }).source ?? 'startup',
      transcriptPath: input.transcript_path ?? null,
    });
    additionalContext = await buildAgentContext(context.paths, report, { plugin });
  } catch (error) {
    // The agent must still hear about it: a context that says what broke and what to run.
    additionalContext = `baton: the session entry protocol failed: ${(error as Error).message}\nRun \`baton entry\` in the project to see the full report, and fix that before starting work.`;
  }
  if (serviceProblem) additionalContext = `${serviceProblem}: until it runs, the gate refuses every Write, Edit and Bash call. Ask the user to run \`baton serve --detach\`.\n${additionalContext}`;
  process.stdout.write(`${JSON.stringify(sessionStartOutput(additionalContext))}\n`);
  return 0;
}

/** SessionStart without a project: the agent hears why baton is idle, and how to start. */
function noProjectContext(json: HookJson, named: string | undefined): string {
  const where = named ? `${named} is not a project` : payloadCwd(json) ? `there is no project in or above ${payloadCwd(json)}` : 'the hook input names no directory';
  return (
    `baton: ${where} (a project has ${WHAT_MAKES_A_PROJECT}), so baton keeps no session state and blocks nothing here.\n` +
    'To use baton, run `baton init` in the project root, then start a new session.'
  );
}

async function handOff(context: CommandContext, input: HookInput, by: string): Promise<number> {
  const { endSessionHere } = await import('../handoff.js');
  await endSessionHere(context, { by, sessionId: input.session_id, transcriptPath: input.transcript_path ?? null });
  return 0;
}

export async function run(context: CommandContext): Promise<number> {
  const [event, ...extra] = context.args;
  if (!event || !HOOK_EVENTS.includes(event as HookEventName) || extra.length) {
    return hookFailure(`usage: baton hook ${HOOK_EVENTS.join('|')} (reads the hook's JSON on stdin)`);
  }
  // -C names the project as CLAUDE_PROJECT_DIR does; the process's own directory never does.
  const named = context.options.dir ? context.projectDir : undefined;
  const plugin = context.options.plugin === true;
  let stdin = context.stdin;
  if (!stdin && (FAST_HOOKS as readonly string[]).includes(event)) {
    const fast = await runFastHook(event as (typeof FAST_HOOKS)[number], { namedRoot: named, plugin });
    if (typeof fast === 'number') return fast;
    stdin = fast.stdin;
  }
  const json = readHookJson(stdin);
  const root = hookProjectRoot(json, named);
  if (root === null) {
    // No project: nothing to start or hand off, and nothing may be created.
    if (event === 'SessionStart') process.stdout.write(`${JSON.stringify(sessionStartOutput(noProjectContext(json, named ?? process.env.CLAUDE_PROJECT_DIR)))}\n`);
    return 0;
  }
  const hookContext = { ...context, projectDir: root, paths: projectPaths(root) };
  // The per-call hooks already asked in runFastHook; SessionStart and SessionEnd ask here.
  if (plugin && !(FAST_HOOKS as readonly string[]).includes(event) && pluginStandsAside(hookContext.paths, event as HookEventName, json)) return 0;
  try {
    const input = checkHookInput(event as HookEventName, json);
    return event === 'SessionStart' ? await sessionStart(hookContext, input, plugin) : await handOff(hookContext, input, event);
  } catch (error) {
    return hookFailure(error instanceof HookInputError ? error.message : `${event} failed: ${(error as Error).message}`);
  }
}
