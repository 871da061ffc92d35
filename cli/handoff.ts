import { gitStamp } from '../actors/git-stamp.js';
import { endSession, type EndOutcome } from '../services/agent-session/handoff.js';
import { openRuntime, type CommandContext } from './context.js';

/** The handoff, from `baton end` or from the Stop / SessionEnd hooks. */
export async function endSessionHere(context: CommandContext, options: { by: string; sessionId?: string; transcriptPath?: string | null }): Promise<EndOutcome> {
  const runtime = await openRuntime(context);
  const git = await import('../actors/git.js');
  return endSession(context.paths, {
    now: runtime.now(),
    by: options.by,
    ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
    transcriptPath: options.transcriptPath ?? null,
    git: (since) => git.sessionGitSummary(context.paths.root, since, runtime.config.commitScope.exclude),
    gitStamp: () => gitStamp(context.paths.root),
    ...(runtime.config.raw.commit_on_end ? { commit: (message: string) => git.commitPending(context.paths.root, message, runtime.config.commitScope) } : {}),
  });
}
