import { UsageError } from '../../services/errors.js';
import { committedEntries, readLog } from '../../services/event-log.js';
import { readStateFile } from '../../services/session.js';
import type { CommandContext } from '../context.js';
import { paint, printJson, println } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const limitText = context.options.limit as string | undefined;
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive whole number, got "${limitText}"`);
  const log = readLog(context.paths);
  const state = await readStateFile(context.paths, new Date());
  const { entries, uncommitted } = committedEntries(log.entries, state.kind === 'ok' ? state.state.revision : null);
  const problems = uncommitted ? [...log.problems, `${uncommitted} line(s) above state.json's revision were never committed; not shown`] : log.problems;
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
