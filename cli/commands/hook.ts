/**
 * `baton hook <EventName>`: Claude Code's hooks, reading its JSON on stdin. The per-tool-call
 * hooks live in ../hook-fast.ts (their own small bundle); SessionStart runs the entry
 * protocol and Stop / SessionEnd hand the session off, loading what they need lazily.
 */
import type { CommandContext } from '../context.js';
import { FAST_HOOKS, hookFailure, hookProjectRoot, readStdin, runFastHook } from '../hook-fast.js';
import { HOOK_EVENTS, HookInputError, parseHookInput, type HookEventName, type HookInput } from '../hook-contract.js';
import { projectPaths } from '../../services/paths.js';

export function sessionStartOutput(additionalContext: string) {
  return { hookSpecificOutput: { hookEventName: 'SessionStart' as const, additionalContext } };
}

async function sessionStart(context: CommandContext, input: HookInput): Promise<number> {
  const [{ runEntry }, { buildAgentContext }] = await Promise.all([import('./entry.js'), import('../agent-context.js')]);
  let additionalContext: string;
  try {
    const report = await runEntry(context, {
      sessionId: input.session_id,
      source: (input as { source?: string }).source ?? 'startup',
      transcriptPath: input.transcript_path ?? null,
    });
    additionalContext = await buildAgentContext(context.paths, report);
  } catch (error) {
    // The agent must still hear about it: a context that says what broke and what to run.
    additionalContext = `baton: the session entry protocol failed: ${(error as Error).message}\nRun \`baton entry\` in the project to see the full report, and fix that before starting work.`;
  }
  process.stdout.write(`${JSON.stringify(sessionStartOutput(additionalContext))}\n`);
  return 0;
}

async function handOff(context: CommandContext, input: HookInput, by: string): Promise<number> {
  const { endSessionHere } = await import('./end.js');
  await endSessionHere(context, { by, transcriptPath: input.transcript_path ?? null });
  return 0;
}

export async function run(context: CommandContext): Promise<number> {
  const [event, ...extra] = context.args;
  if (!event || !HOOK_EVENTS.includes(event as HookEventName) || extra.length) {
    return hookFailure(`usage: baton hook ${HOOK_EVENTS.join('|')} (reads the hook's JSON on stdin)`);
  }
  const root = context.options.dir ? context.projectDir : hookProjectRoot(context.projectDir);
  if ((FAST_HOOKS as readonly string[]).includes(event)) return runFastHook(event as (typeof FAST_HOOKS)[number], root);
  const hookContext = root === context.projectDir ? context : { ...context, projectDir: root, paths: projectPaths(root) };
  try {
    const input = parseHookInput(event as HookEventName, readStdin());
    return event === 'SessionStart' ? await sessionStart(hookContext, input) : await handOff(hookContext, input, event);
  } catch (error) {
    return hookFailure(error instanceof HookInputError ? error.message : `${event} failed: ${(error as Error).message}`);
  }
}
