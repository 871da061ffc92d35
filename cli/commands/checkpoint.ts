import { checkpointNow } from '../../services/lifecycle/apply-event.js';
import { openProject, type CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const checkpoint = await checkpointNow(await openProject(context));
  if (context.json) printJson({ checkpoint_at: checkpoint.checkpoint_at, revision: checkpoint.revision, state: checkpoint.state });
  else println(`checkpoint written: ${checkpoint.state} at revision ${checkpoint.revision} (${checkpoint.checkpoint_at})`);
  return 0;
}
