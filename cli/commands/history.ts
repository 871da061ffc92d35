import { UsageError } from '../../services/errors.js';
import { readLog } from '../../services/event-log.js';
import type { CommandContext } from '../context.js';
import { paint, printJson, println } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const limitText = context.options.limit as string | undefined;
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive whole number, got "${limitText}"`);
  const { entries, problems } = await readLog(context.paths.events);
  const shown = limit ? entries.slice(-limit) : entries;
  if (context.json) {
    printJson({ entries: shown, problems });
    return 0;
  }
  if (entries.length === 0) println('no events yet');
  for (const entry of shown) {
    const { type, ...payload } = entry.event;
    const data = Object.keys(payload).length ? ` ${JSON.stringify(payload)}` : '';
    const move = entry.from === entry.to ? entry.to : `${entry.from} -> ${entry.to}`;
    println(`${String(entry.revision).padStart(4)}  ${entry.at}  ${paint(type, 'bold')}${data}  ${move}${entry.note ? paint(`  (${entry.note})`, 'dim') : ''}`);
  }
  for (const problem of problems) println(paint(`warning: ${problem}`, 'yellow'));
  return 0;
}
