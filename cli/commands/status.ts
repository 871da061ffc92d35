import type { CommandContext } from '../context.js';
import { printStatus, statusReport } from '../status-report.js';

export async function run(context: CommandContext): Promise<number> {
  const { code, view } = await statusReport(context);
  printStatus(view, context.json);
  return code;
}
