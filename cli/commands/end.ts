import type { CommandContext } from '../context.js';
import { endSessionHere } from '../handoff.js';
import { paint, printJson, println } from '../output.js';

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
