import { UsageError } from '../../services/errors.js';
import type { CommandContext } from '../context.js';
import { parseUserEvent, sendAndReport } from '../send-event.js';

export async function run(context: CommandContext): Promise<number> {
  const [type, ...extra] = context.args;
  if (extra.length) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`, 'usage: baton send EVENT [--data JSON]');
  return sendAndReport(context, parseUserEvent(type, context.options.data as string | undefined));
}
