import { devEnvStatus, stopDevEnv } from '../../actors/dev-env.js';
import { EXIT, UsageError } from '../../services/errors.js';
import type { CommandContext } from '../context.js';
import { printJson, println, warn } from '../output.js';

/** A damaged env.json is a bad file (exit 4); a process group that is not baton's is an answer, told as a warning. */
function exitFor(result: { record: unknown; problem: string | null }): number {
  if (result.problem) warn(result.problem);
  return result.problem && !result.record ? EXIT.BAD_FILE : EXIT.OK;
}

export async function run(context: CommandContext): Promise<number> {
  const [action = 'status'] = context.args;
  if (action === 'status') {
    const status = devEnvStatus(context.paths);
    if (context.json) printJson(status);
    else if (!status.record) println('no dev environment started (init_script)');
    else println(`${status.running ? 'running' : 'not running'}: ${status.record.command} (process group ${status.record.pgid}, since ${status.record.started_at}; log ${status.record.log})`);
    return exitFor(status);
  }
  if (action === 'stop') {
    const result = await stopDevEnv(context.paths);
    if (context.json) printJson(result);
    else if (!result.record) println('no dev environment to stop');
    else println(result.problem ? 'nothing was stopped' : result.stopped ? `stopped process group ${result.record.pgid} (${result.record.command})` : 'it had already stopped');
    return exitFor(result);
  }
  throw new UsageError(`unknown env action "${action}"`, 'usage: baton env status|stop');
}
