import type { CommandContext } from '../context.js';
import { sendAndReport } from '../send-event.js';

/** `baton test`: RUN_TESTS, accepted while a feature waits for its test results. */
export async function run(context: CommandContext): Promise<number> {
  return sendAndReport(context, { type: 'RUN_TESTS' });
}
