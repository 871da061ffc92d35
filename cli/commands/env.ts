import { devEnvStatus, stopDevEnv } from '../../actors/dev-env.js';
import { UsageError } from '../../services/errors.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const [action = 'status'] = context.args;
  if (action === 'status') {
    const status = await devEnvStatus(context.paths);
    if (context.json) printJson(status);
    else if (!status.record) println('no dev environment started (init_script)');
    else println(`${status.running ? 'running' : 'not running'}: ${status.record.command} (process group ${status.record.pgid}, since ${status.record.started_at}; log ${status.record.log})`);
    return 0;
  }
  if (action === 'stop') {
    const result = await stopDevEnv(context.paths);
    if (context.json) printJson(result);
    else println(result.record ? (result.stopped ? `stopped process group ${result.record.pgid} (${result.record.command})` : 'it had already stopped') : 'no dev environment to stop');
    return 0;
  }
  throw new UsageError(`unknown env action "${action}"`, 'usage: baton env status|stop');
}
