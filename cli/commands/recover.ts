import { recoverNow } from '../../services/lifecycle/apply-event.js';
import { openProject, type CommandContext } from '../context.js';
import { paint, printJson, println, warn } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const outcome = await recoverNow(await openProject(context));
  for (const warning of outcome.warnings) warn(warning);
  if (context.json) {
    printJson({ recovered: outcome.recovery, state: outcome.state?.state ?? null, revision: outcome.state?.revision ?? null, warnings: outcome.warnings });
    return 0;
  }
  if (!outcome.state) println('no session yet: nothing to recover (run `baton entry`)');
  else if (!outcome.recovery) println(`nothing to recover: ${outcome.state.state} at revision ${outcome.state.revision} is settled`);
  else {
    const r = outcome.recovery;
    println(paint(`RECOVERED: ${r.detail}`, 'yellow'));
    println(`restored ${r.restoredState} from ${r.restoredFrom}, recorded ${r.recordedAt}${r.movedAside ? `; the bad file was kept as ${r.movedAside}` : ''}`);
  }
  return 0;
}
