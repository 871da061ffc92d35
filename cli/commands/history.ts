import { UsageError } from '../../services/errors.js';
import { committedEntries, readLog, type LoggedEvent } from '../../services/lifecycle/event-log.js';
import { readStateFile } from '../../services/lifecycle/state-file.js';
import type { CommandContext } from '../context.js';
import { paint, printJson, println, printWrapped, warn } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const limitText = context.options.limit as string | undefined;
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive whole number, got "${limitText}"`);
  const log = readLog(context.paths);
  const state = await readStateFile(context.paths, new Date());
  const { entries, uncommitted } = committedEntries(log.entries, state.kind === 'ok' ? state.state.revision : null);
  const problems = uncommitted ? [...log.problems, `${uncommitted} line(s) above state.json's revision were never committed; not shown`] : log.problems;
  const shown = limit ? entries.slice(-limit) : entries;
  for (const problem of problems) warn(problem);
  if (context.json) {
    printJson({ entries: shown, problems });
    return 0;
  }
  if (entries.length === 0) println('no events yet');
  for (const entry of shown) {
    const { type, ...payload } = entry.event;
    const data = Object.keys(payload).length ? ` ${JSON.stringify(payload)}` : '';
    // The states it passed through (IMPLEMENT -> TEST -> IMPLEMENT), not just where it ended.
    const states = entry.path ?? (entry.from === entry.to ? [entry.to] : [entry.from, entry.to]);
    const outcomes = resultsText(entry.results ?? []);
    // Lines after the first start under the time, so the revisions stand out.
    printWrapped(`${String(entry.revision).padStart(4)}  ${entry.at}  ${paint(type, 'bold')}${data}  ${states.join(' -> ')}${outcomes ? `  ${outcomes}` : ''}${entry.note ? paint(`  (${entry.note})`, 'dim') : ''}`, '      ');
  }
  return 0;
}

/** What the actors an entry ran reported, in a few words: "tests failed (2 tests failed)", "health HEALTHY", "commit committed". */
function resultsText(results: readonly LoggedEvent[]): string {
  const parts: string[] = [];
  for (const result of results) {
    const output = (result.output ?? {}) as { outcome?: string; reason?: string; status?: string };
    if (result.type === 'xstate.done.actor.testRun') parts.push(`tests ${output.outcome?.replace('_', ' ') ?? '?'}${output.outcome !== 'passed' && output.reason ? ` (${output.reason})` : ''}`);
    else if (result.type === 'xstate.error.actor.testRun') parts.push('tests could not run');
    else if (result.type === 'xstate.done.actor.healthCheck') parts.push(`health ${output.status ?? '?'}`);
    else if (result.type === 'xstate.done.actor.featureCommit') parts.push(`commit ${output.status ?? '?'}`);
  }
  return parts.join('; ');
}
