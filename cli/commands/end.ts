import { gitStamp } from '../../actors/git-stamp.js';
import { endSession, type EndOutcome } from '../../services/handoff.js';
import { openSession, type CommandContext } from '../context.js';
import { paint, printJson, println } from '../output.js';

/** The handoff, from `baton end` or from the Stop / SessionEnd hooks. */
export async function endSessionHere(context: CommandContext, options: { by: string; sessionId?: string; transcriptPath?: string | null }): Promise<EndOutcome> {
  const session = await openSession(context);
  const git = await import('../../actors/git.js');
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

export async function run(context: CommandContext): Promise<number> {
  const outcome = await endSessionHere(context, { by: 'baton end' });
  if (context.json) {
    printJson(outcome);
    return 0;
  }
  if (!outcome.ended) println(`nothing to do: ${outcome.reason}`);
  else {
    println(`session ${outcome.record!.session_id} handed off at ${outcome.record!.ended_at}`);
    println(`summary: ${outcome.summary}`);
    if (outcome.commit) println(`committed pending changes: ${outcome.commit.slice(0, 12)}`);
    else if (outcome.commitDetail) println(`commit_on_end: ${outcome.commitDetail}`);
  }
  if (outcome.dirtyState) println(paint('state.json is marked dirty (a side effect was interrupted): the next `baton entry` recovers it', 'yellow'));
  return 0;
}
