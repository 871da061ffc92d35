/** Where the session stands, as `baton status` shows it: computed once, printed as text or JSON, and answered by the service's status route. */
import path from 'node:path';
import { countFeatures, type FeatureProgress } from '../machines/features.js';
import { acceptedEvents, stateLabel } from '../machines/refusals.js';
import { sessionMachine } from '../machines/session.js';
import { BadFileError, BatonError, EXIT, describeError } from '../services/errors.js';
import { loadFeatureList, toProgress, type FeatureList } from '../services/features/feature-list.js';
import { nextReadyFeature } from '../machines/dependencies.js';
import { autoCheckpoint } from '../services/lifecycle/apply-event.js';
import { readStateFile } from '../services/lifecycle/state-file.js';
import { readBoardClaims } from '../services/claims/claimed-change.js';
import { renewIfDue, type ClaimView } from '../services/claims/claims.js';
import { openProject, type CommandContext } from './context.js';
import { paint, printJson, printWrapped, warn } from './output.js';

const claimView = (claim: ClaimView) => ({ feature: claim.feature, holder: claim.holder, session_id: claim.session_id, expires_at: claim.expires_at, done_at: claim.done_at });

export type StatusView = Awaited<ReturnType<typeof statusReport>>['view'];

/** The view and the exit code (4: the feature list could be read only in part). */
export async function statusReport(context: CommandContext) {
  const runtime = await openProject(context);
  const read = await readStateFile(context.paths, runtime.now());
  if (read.kind === 'missing') throw new BatonError(`no session in ${context.paths.root} yet`, EXIT.REFUSED, 'run `baton entry` first');
  if (read.kind === 'invalid') throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, 'run `baton entry` or `baton recover` to restore the last good state');
  const state = read.state;
  const snapshot = sessionMachine.resolveState({ value: state.snapshot.value as never, context: state.snapshot.context as never });
  // Where the work stands is the feature list file's to say: the machine's tally is as of the last event.
  let features: FeatureProgress[] | null = null;
  let list: FeatureList | null = null;
  let listProblem: string | null = null;
  try {
    list = await loadFeatureList(context.paths);
    features = toProgress(list);
  } catch (error) {
    if (!(error instanceof BadFileError)) throw error;
    listProblem = `${describeError(error)}; the counts shown are the session's as of revision ${state.revision}`;
  }
  const warnings = listProblem ? [...read.warnings, listProblem] : read.warnings;
  const counts = listProblem ? (snapshot.context.featureTally?.counts ?? countFeatures(null)) : countFeatures(features);
  const { board, claims, warning: claimsWarning } = await readBoardClaims(context.paths, runtime.now());
  if (claimsWarning) warnings.push(claimsWarning);
  else if (snapshot.context.currentFeatureId) await renewIfDue(board, snapshot.context.currentFeatureId, runtime.now());
  const others = claims.filter((claim) => claim.live && !claim.mine);
  const next = nextReadyFeature(list?.features ?? null, snapshot.context.currentFeatureId, new Set(others.map((claim) => claim.feature)));
  const checkpointed = await autoCheckpoint(runtime);
  const view = {
    state: state.state,
    substate: stateLabel(snapshot),
    health_status: state.health_status,
    health_detail: snapshot.context.health?.detail ?? null,
    revision: state.revision,
    dirty: state.dirty,
    pending: state.pending,
    entered_at: state.entered_at,
    updated_at: state.updated_at,
    current_feature: snapshot.context.currentFeatureId,
    next_feature: next?.id ?? null,
    last_failure: snapshot.context.lastFailure,
    features: counts,
    /** What other checkouts of the repository (its worktrees) hold or finished, and what this one holds. */
    claims: {
      here: board.holder,
      board: board.folder.dir,
      shared_by_worktrees: board.scope === 'git',
      held_here: claims.filter((claim) => claim.live && claim.mine).map(claimView),
      other_sessions: others.map(claimView),
    },
    accepted_events: acceptedEvents(snapshot),
    checkpoint_written: checkpointed,
    warnings,
  };
  // A reader that shows what it could of a bad file exits 4 (README "Safe on any repository").
  return { code: listProblem ? EXIT.BAD_FILE : 0, view };
}

export function printStatus(view: StatusView, json: boolean): void {
  for (const warning of view.warnings) warn(warning);
  if (json) {
    printJson(view);
    return;
  }
  const counts = view.features;
  const healthColor = view.health_status === 'HEALTHY' ? 'green' : view.health_status === 'BROKEN' ? 'red' : 'yellow';
  printWrapped(`${paint(view.substate, 'bold')}  health ${paint(view.health_status, healthColor)}  revision ${view.revision}${view.dirty ? paint('  DIRTY (interrupted or running: ' + (view.pending?.action ?? '?') + ')', 'yellow') : ''}`, '  ');
  printWrapped(`features: ${counts.done}/${counts.total} done, ${counts.open} open${counts.blocked ? `, ${counts.blocked} blocked` : ''}`, '  ');
  if (view.current_feature) printWrapped(`current feature: ${view.current_feature}`, '  ');
  else if (view.next_feature) printWrapped(`next feature: ${view.next_feature}`, '  ');
  if (view.last_failure) printWrapped(`last test failure: ${view.last_failure.featureId}: ${view.last_failure.reason}`, '  ');
  if (view.health_detail && view.health_status !== 'HEALTHY') printWrapped(`health: ${view.health_detail}`, '  ');
  for (const claim of view.claims.other_sessions) {
    const where = path.relative(view.claims.here, claim.holder) || '.';
    printWrapped(`other session: ${claim.feature} ${claim.done_at ? `finished in ${where} at ${claim.done_at}` : `held by ${where}${claim.session_id ? ` (session ${claim.session_id})` : ''} until ${claim.expires_at}`}`, '  ');
  }
  printWrapped(`in this state since ${view.entered_at}`, '  ');
  printWrapped(`accepted events: ${view.accepted_events.join(', ') || 'none'}`, '  ');
}
