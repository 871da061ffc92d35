import path from 'node:path';
import { dependencyProblems, nextReadyFeature, readyFeatures, waitingIn } from '../../machines/dependencies.js';
import { countFeatures, featureIdProblem, isOpenStatus } from '../../machines/features.js';
import { moveOwnAside } from '../../services/storage/write.js';
import { BadFileError, UsageError } from '../../services/errors.js';
import { addFeature, checkNewId, editFeatureList, loadFeatureList, mergeImport, readImportFile, type Feature } from '../../services/features/feature-list.js';
import { readStateFile } from '../../services/lifecycle/state-file.js';
import { claimBoard } from '../../services/claims/board.js';
import { expiresAt, type Claim } from '../../services/claims/claim.js';
import { describeHolder, releaseFeature, type ClaimView } from '../../services/claims/claims.js';
import { readBoardClaims } from '../../services/claims/claimed-change.js';
import type { CommandContext } from '../context.js';
import { LINE_WIDTH, paint, printJson, println, printWrapped, warn } from '../output.js';
import { parseUserEvent, sendAndReport } from '../send-event.js';

const USAGE = 'baton features list [--ready] | next | add DESCRIPTION [--id ID] | start ID | implemented ID | release ID | import FILE [--replace]';

export async function run(context: CommandContext): Promise<number> {
  const [action, ...args] = context.args;
  switch (action) {
    case undefined:
    case 'list':
      return list(context);
    case 'next':
      return next(context);
    case 'add':
      return add(context, args);
    case 'start':
    case 'implemented':
    // The earlier name of `implemented`: scripts and agents written for it keep working. "Done" is the count of tested features.
    case 'done': {
      const [id, ...extra] = args;
      if (!id || extra.length) throw new UsageError(`features ${action} takes one feature id`, `usage: ${USAGE}`);
      const problem = featureIdProblem(id);
      if (problem) throw new UsageError(`features ${action}: ${problem}`, 'the ids are in `baton features list`');
      // Implemented means ready for its tests; TESTS_PASSED (or a passing run) marks it tested, which counts as done.
      const type = action === 'start' ? 'FEATURE_STARTED' : 'FEATURE_IMPLEMENTED';
      return sendAndReport(context, parseUserEvent(type, JSON.stringify({ featureId: id })));
    }
    case 'release':
      return release(context, args);
    case 'import':
      return importFile(context, args);
    default:
      throw new UsageError(`unknown features action "${action}"`, `usage: ${USAGE}`);
  }
}

/** The dependency graph, or the error that names what is wrong with it (exit 4, as any file baton cannot use). */
function checkedDependencies(context: CommandContext, features: readonly Feature[]): void {
  const problems = dependencyProblems(features);
  const file = path.relative(context.paths.root, context.paths.features);
  const told = [
    ...problems.malformed.map((id) => `feature "${id}": depends_on must be a list of feature ids`),
    ...problems.unknown.map(({ feature, missing }) => `feature "${feature}" depends on ${missing.map((id) => `"${id}"`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not in the list`),
    ...problems.cycles.map((cycle) => `a dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}`),
  ];
  if (told.length) throw new BadFileError(file, told.join('; '), 'depends_on', 'fix depends_on in the feature list: every id must name a feature, and no feature may wait for itself');
}

/** The claims of other checkouts (worktrees of this repository): what they hold or finished. */
async function othersClaims(context: CommandContext): Promise<ClaimView[]> {
  const read = await readBoardClaims(context.paths, new Date());
  if (read.warning) warn(read.warning);
  return read.claims.filter((claim) => claim.live && !claim.mine);
}

/** `features next`: the feature to work on now, dependencies and other checkouts' claims respected; or why none is ready. */
async function next(context: CommandContext): Promise<number> {
  const features = (await loadFeatureList(context.paths))?.features ?? [];
  checkedDependencies(context, features);
  const read = await readStateFile(context.paths, new Date());
  const current = read.kind === 'ok' ? ((read.state.snapshot.context as { currentFeatureId?: string | null }).currentFeatureId ?? null) : null;
  const others = await othersClaims(context);
  const taken = new Set(others.map((claim) => claim.feature));
  const ready = readyFeatures(features, taken);
  const chosen = ready.length ? nextReadyFeature(features, current, taken) : undefined;
  const readySet = new Set(ready);
  const waitsFor = waitingIn(features);
  const waiting = features
    .filter((feature) => isOpenStatus(feature.status) && feature.status !== 'blocked' && !readySet.has(feature) && !taken.has(feature.id))
    .map((feature) => ({ id: feature.id, waits_for: waitsFor(feature) }));
  if (context.json) {
    printJson({ next: chosen ? { id: chosen.id, description: chosen.description, status: chosen.status } : null, ready: ready.map((feature) => feature.id), waiting, taken: others.map(claimJson) });
    return 0;
  }
  if (chosen) println(`${chosen.id}: ${chosen.description} (${chosen.status}); \`baton features start ${chosen.id}\``);
  else if (waiting.length) println(`no feature is ready: ${waiting.map((feature) => `${feature.id} waits for ${feature.waits_for.join(', ')}`).join('; ')}`);
  else if (others.some((claim) => features.some((feature) => feature.id === claim.feature && isOpenStatus(feature.status)))) println('every open feature is held or finished by another checkout (see `baton status`)');
  else println(features.length ? 'every feature is done or blocked' : 'no features yet: `baton features add "..."`');
  return 0;
}

/** `features release ID`: frees a feature by hand, whoever holds it (a session that is gone for good). */
async function release(context: CommandContext, args: string[]): Promise<number> {
  const [id, ...extra] = args;
  if (!id || extra.length) throw new UsageError('features release takes one feature id', `usage: ${USAGE}`);
  const problem = featureIdProblem(id);
  if (problem) throw new UsageError(`features release: ${problem}`, 'the ids are in `baton features list`');
  const board = claimBoard(context.paths);
  const released = await releaseFeature(board, id);
  if (context.json) printJson({ released: released ? claimJson(released) : null });
  else println(released ? `released ${id}: ${describeHolder(released, board.holder)}` : `${id} was not claimed`);
  return 0;
}

function claimJson(claim: Claim): object {
  return { id: claim.feature, holder: claim.holder, session_id: claim.session_id, done_at: claim.done_at, expires_at: claim.done_at ? null : expiresAt(claim).toISOString() };
}

async function list(context: CommandContext): Promise<number> {
  const all = (await loadFeatureList(context.paths))?.features ?? null;
  if (context.options.ready && all) checkedDependencies(context, all);
  const features = context.options.ready && all ? readyFeatures(all, new Set((await othersClaims(context)).map((claim) => claim.feature))) : all;
  if (context.json) {
    printJson({ features, counts: countFeatures(features) });
    return 0;
  }
  if (!features?.length) {
    println('no features yet: `baton features add "..."` or `baton features import FILE`');
    return 0;
  }
  const width = Math.max(...features.map((feature) => feature.id.length));
  const color = { pending: 'dim', in_progress: 'cyan', implemented: 'cyan', tested: 'green', completed: 'green', blocked: 'red' } as const;
  // The description wraps in its own column, unless long ids leave it too little room: then it goes under its id.
  const column = width + 2 + 11 + 2;
  const beside = column <= LINE_WIDTH / 2;
  for (const feature of features) {
    const retries = feature.retries ? ` (${feature.retries} failed run${feature.retries > 1 ? 's' : ''})` : '';
    const head = `${feature.id.padEnd(width)}  ${paint(feature.status.padEnd(11), color[feature.status])}`;
    if (beside) printWrapped(`${head}  ${feature.description}${retries}`, ' '.repeat(column));
    else {
      println(head.trimEnd());
      printWrapped(`    ${feature.description}${retries}`, '    ');
    }
  }
  const counts = countFeatures(features);
  println(`${counts.done}/${counts.total} done, ${counts.open} open`);
  return 0;
}

async function hintToDefine(context: CommandContext): Promise<void> {
  const read = await readStateFile(context.paths, new Date());
  if (read.kind === 'ok' && (read.state.state === 'INIT' || read.state.state === 'COMPLETE') && !context.json) {
    println(paint(`the session is in ${read.state.state}: send FEATURES_DEFINED when the list is ready (baton send FEATURES_DEFINED)`, 'dim'));
  }
}

async function add(context: CommandContext, args: string[]): Promise<number> {
  const description = args.join(' ').trim();
  if (!description) throw new UsageError('features add needs a description', `usage: ${USAGE}`);
  const id = context.options.id as string | undefined;
  checkNewId(id);
  const feature = await editFeatureList(context.paths, (current) => {
    const { list, feature } = addFeature(current, description, id);
    return { list, result: feature };
  });
  if (context.json) printJson({ added: feature });
  else println(`added ${feature.id}: ${feature.description}`);
  await hintToDefine(context);
  return 0;
}

async function importFile(context: CommandContext, args: string[]): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length) throw new UsageError('features import takes one file', `usage: ${USAGE}`);
  const imported = await readImportFile(file);
  const replace = Boolean(context.options.replace);
  const outcome = await editFeatureList(context.paths, async (current) => {
    let keptAs: string | null = null;
    if (replace && current) keptAs = await moveOwnAside(context.paths, context.paths.features, 'replaced');
    const merged = mergeImport(replace ? null : current, imported);
    return { list: merged.list, result: { added: merged.added.map((feature) => feature.id), skipped: merged.skipped, keptAs } };
  });
  if (context.json) printJson(outcome);
  else {
    println(`imported ${outcome.added.length} feature(s) from ${file}${outcome.skipped.length ? `; skipped ${outcome.skipped.length} whose id already exists (${outcome.skipped.join(', ')})` : ''}`);
    if (outcome.keptAs) println(`the previous list was kept as ${path.relative(context.paths.root, outcome.keptAs)}`);
  }
  await hintToDefine(context);
  return 0;
}
