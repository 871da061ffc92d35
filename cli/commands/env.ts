import { devEnvStatus, stopDevEnv } from '../../actors/dev-env.js';
import { EXIT, UsageError } from '../../services/errors.js';
import type { CommandContext } from '../context.js';
import { printJson, println, warn } from '../output.js';

/** A damaged env.json is a bad file (exit 4); a process group that is not baton's is an answer, told as a warning. */
function exitFor(result: { record: unknown; problem: string | null }): number {
  if (result.problem) warn(result.problem);
  return result.problem && !result.record ? EXIT.BAD_FILE : EXIT.OK;
}

const processList = (pids: number[]) => (pids.length ? `process${pids.length > 1 ? 'es' : ''} ${pids.join(', ')}` : '');

export async function run(context: CommandContext): Promise<number> {
  const [action = 'status'] = context.args;
  if (action === 'status') {
    const status = await devEnvStatus(context.paths);
    if (context.json) printJson(status);
    else if (!status.record) println('no dev environment started (init_script)');
    else {
      const { record } = status;
      const processes = status.pids.length ? `${processList(status.pids)}; ` : '';
      const port = status.portInUse ? `; port ${record.port} is in use by a process that baton cannot tell is its dev environment` : '';
      println(`${status.running ? 'running' : 'not running'}: ${record.command} (${processes}started as process group ${record.pgid}, ${record.started_at}; log ${record.log})${port}`);
    }
    return exitFor(status);
  }
  if (action === 'stop') {
    const result = await stopDevEnv(context.paths);
    if (context.json) printJson(result);
    else if (!result.record) println('no dev environment to stop');
    else if (result.problem) println('nothing was stopped');
    else if (!result.stopped) println('it had already stopped');
    else {
      const group = result.group !== null ? `process group ${result.group}` : '';
      println(`stopped ${result.record.command}: ${[processList(result.pids), group].filter(Boolean).join('; ')}`);
    }
    return exitFor(result);
  }
  throw new UsageError(`unknown env action "${action}"`, 'usage: baton env status|stop');
}
