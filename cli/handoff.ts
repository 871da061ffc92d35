import { gitStamp } from '../actors/git-stamp.js';
import { endSession, type EndOutcome } from '../services/handoff.js';
import { openSession, type CommandContext } from './context.js';

/** The handoff, from `baton end` or from the Stop / SessionEnd hooks. */
export async function endSessionHere(context: CommandContext, options: { by: string; sessionId?: string; transcriptPath?: string | null }): Promise<EndOutcome> {
  const session = await openSession(context);
  const git = await import('../actors/git.js');
  return endSession(context.paths, {
    now: session.now(),
    by: options.by,
    ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
    transcriptPath: options.transcriptPath ?? null,
    git: (since) => git.sessionGitSummary(context.paths.root, since, session.config.commitScope.exclude),
    gitStamp: () => gitStamp(context.paths.root),
    ...(session.config.raw.commit_on_end ? { commit: (message: string) => git.commitPending(context.paths.root, message, session.config.commitScope) } : {}),
  });
}
