import { countFeatures } from '../../machines/features.js';
import type { SessionContext } from '../../machines/session.js';
import { BadFileError, UsageError } from '../../services/errors.js';
import { displayPath } from '../../services/project/paths.js';
import { committedEntries, readLog } from '../../services/lifecycle/event-log.js';
import { featureListAt } from '../../services/features/feature-list-history.js';
import { readStateFile } from '../../services/lifecycle/state-file.js';
import { replay } from '../../services/lifecycle/replay.js';
import { topStateOf } from '../../services/lifecycle/state-file.js';
import type { CommandContext } from '../context.js';
import { paint, printJson, printWrapped, warn } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const toText = context.options.to as string | undefined;
  const to = toText === undefined ? undefined : Number(toText);
  if (to !== undefined && (!Number.isInteger(to) || to < 1)) throw new UsageError(`--to must be a revision number (1 or more), got "${toText}"`);
  const log = readLog(context.paths);
  const state = await readStateFile(context.paths, new Date());
  const { entries, uncommitted } = committedEntries(log.entries, state.kind === 'ok' ? state.state.revision : null);
  const problems = uncommitted ? [...log.problems, `${uncommitted} line(s) above state.json's revision were never committed; not shown`] : log.problems;
  const result = replay(entries, to);
  if (to !== undefined && result.revision !== to) {
    // A revision past a gap cannot be rebuilt exactly: saying so beats a plausible guess.
    throw new BadFileError(displayPath(context.paths, context.paths.events), `cannot rebuild revision ${to}: ${result.problem}`, undefined, `revisions up to ${result.revision} can be replayed`);
  }
  if (result.problem) problems.push(result.problem);
  const list = featureListAt(context.paths, entries, result.revision);
  if (list.kind === 'unknown') problems.push(`the feature list at revision ${result.revision} cannot be rebuilt (${list.problem}); the counts shown are the session's`);
  const machineContext = result.snapshot.context as unknown as SessionContext;
  const view = {
    revision: result.revision,
    at: result.entry?.at ?? null,
    event: result.entry?.event ?? null,
    state: topStateOf(result.snapshot.value),
    value: result.snapshot.value,
    health_status: machineContext.health?.status ?? 'UNKNOWN',
    current_feature: machineContext.currentFeatureId,
    features: list.kind === 'ok' ? list.features : null,
    counts: list.kind === 'ok' ? countFeatures(list.features) : (machineContext.featureTally?.counts ?? countFeatures(null)),
    snapshot: result.snapshot,
    problems,
  };
  for (const problem of problems) warn(problem);
  if (context.json) {
    printJson(view);
    return 0;
  }
  printWrapped(`at revision ${view.revision} (${view.at ?? 'start'}, after ${view.event?.type ?? 'nothing'}):`, '  ');
  printWrapped(`  state ${paint(view.state, 'bold')}, health ${view.health_status}${view.current_feature ? `, feature ${view.current_feature}` : ''}`, '    ');
  for (const feature of view.features ?? []) printWrapped(`  ${feature.id}: ${feature.status}${feature.retries ? ` (${feature.retries} retries)` : ''}`, '    ');
  return 0;
}
