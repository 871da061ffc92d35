import { ensureProgressGitignore } from '../../services/commit-scope.js';
import { buildEntryReport, type EntryReport } from '../../services/entry-report.js';
import { loadFeatureList } from '../../services/feature-list.js';
import { beginSession } from '../../services/handoff.js';
import { chooseEntryHealthCheck, describeAge } from '../../services/recent-health.js';
import { applyEvent } from '../../services/session.js';
import { oneLine, oneLineStrings } from '../../services/utils/one-line.js';
import { takeNotices } from '../../services/storage/notices.js';
import { ensureOwnDir } from '../../services/storage/write.js';
import { openSession, type CommandContext } from '../context.js';
import { paint, printJson, println, warn } from '../output.js';

async function prepareDirectories(context: CommandContext): Promise<void> {
  await ensureOwnDir(context.paths, context.paths.progressDir);
  await ensureOwnDir(context.paths, context.paths.configDir);
  await ensureProgressGitignore(context.paths);
}

/** The entry protocol, and the start (or continuation) of the agent session it opens. */
export async function runEntry(context: CommandContext, agentSession: { sessionId?: string; source: string; transcriptPath?: string | null }): Promise<EntryReport> {
  // A bad --inspect-url is a usage error before anything is created (openSession comes after the directories).
  if (context.options['inspect-url'] !== undefined) (await import('../../visualize/inspector.js')).inspectUrlOption(context.options);
  await prepareDirectories(context);
  const session = await openSession(context);
  const currentHead = async () => (await (await import('../../actors/git.js')).readRepositoryHead(context.paths.root))?.head ?? null;
  const health = await chooseEntryHealthCheck(session, { source: agentSession.source, force: Boolean(context.options.force), currentHead });
  const outcome = await applyEvent(session, { type: 'SESSION_ENTRY', maxRetries: session.config.maxRetries, ...health.options }, 'entry');
  const report = buildEntryReport(outcome, context.paths, session.config, await loadFeatureList(context.paths).catch(() => null), session.trust, health.kept);
  const started = await beginSession(context.paths, {
    ...agentSession,
    startRevision: outcome.after.revision - 1,
    startHead: outcome.snapshot.context.git?.head ?? null,
    now: session.now(),
  });
  // What the storage layer set aside on its way (a link, a damaged file) belongs in the report.
  report.warnings.push(...takeNotices());
  if (started.abandoned) report.warnings.push(`session ${started.abandoned.session_id} (started ${started.abandoned.started_at}) never handed off; its metrics were closed as ended_by "never"`);
  return report;
}

export async function run(context: CommandContext): Promise<number> {
  const report = await runEntry(context, { source: 'cli' });
  for (const warning of report.warnings) warn(warning);
  if (context.json) printJson(report);
  else printReport(report);
  return 0;
}

const ok = (text: string) => `${paint('OK', 'green')} (${text})`;
const skip = (text: string) => `${paint('SKIP', 'yellow')} (${text})`;
const failed = (text: string) => `${paint('FAILED', 'red')} (${text})`;

/** The report for a terminal: every value one-lined (a clone's paths and descriptions cannot add lines or escape codes); the multi-line outputs line by line. */
function printReport(entryReport: EntryReport): void {
  const report = oneLineStrings(entryReport);
  const linesOf = (text: string) => text.split('\n').map(oneLine);
  println(paint('=== SESSION ENTRY PROTOCOL ===', 'bold'));
  if (report.recovered) {
    const r = report.recovered;
    println('');
    println(paint(`RECOVERED: ${r.detail}`, 'yellow'));
    println(`  restored ${r.restoredState} from ${r.restoredFrom}, recorded ${r.recordedAt}${r.movedAside ? `; the bad file was kept as ${r.movedAside}` : ''}`);
  }

  println('');
  println('Phase 1: Safety Validation');
  println(`  [1/4] Directory: ${report.project_markers.length ? ok(report.directory) : `${paint('WARNING', 'yellow')} (no project markers in ${report.directory}; run from the project root or pass its path)`}`);
  if (!report.git.is_repo) println(`  [2/4] Git context: ${skip('not a git repo')}`);
  else {
    println(`  [2/4] Git context: ${ok(report.git.branch ? `branch ${report.git.branch}` : 'detached HEAD')}`);
    for (const commit of report.git.recent_commits) println(paint(`         ${commit.hash} ${commit.subject}`, 'dim'));
  }
  println(`  [3/4] Project config: ${report.config.found ? ok(report.config.file) : skip('no project.json')}`);
  if (!report.trust.trusted) println(`         ${paint(report.trust.message, 'yellow')}`);
  if (report.missing_env.length) println(`         Environment: ${failed(`not set: ${report.missing_env.join(', ')}`)}`);
  const health = report.health;
  if (!health || health.status === 'UNKNOWN') println(`  [4/4] Health check: ${skip(health?.detail ?? 'no health check configured')}`);
  else if (health.status === 'HEALTHY') println(`  [4/4] Health check: ${ok(`${health.detail}, ${report.health_kept ? `checked ${describeAge(report.health_kept.age_seconds)}, kept` : `${health.durationMs ?? 0} ms`}`)}`);
  else {
    println(`  [4/4] Health check: ${failed(health.detail)}`);
    println('');
    println(paint('  APP IS BROKEN - fix it before starting new work', 'red'));
    if (health.command) println(`  Health command: ${health.command}`);
    if (entryReport.health?.outputTail) for (const line of linesOf(entryReport.health.outputTail)) println(paint(`    | ${line}`, 'dim'));
    if (health.evidence) println(`  Full output: ${health.evidence}`);
  }
  if (report.broken) {
    println('');
    if (report.broken.diff_stat) {
      println(`  Changed since health last passed (${report.broken.last_healthy_commit?.slice(0, 12)}):`);
      for (const line of linesOf(entryReport.broken?.diff_stat ?? '')) println(`    ${line}`);
    }
    println('  Ways out:');
    report.broken.ways_out.forEach((way, index) => println(`    ${index + 1}. ${way}`));
  }

  println('');
  println('Phase 2: State Management');
  println(`  [1/3] State: ${report.state_created ? `CREATED (revision ${report.revision})` : `EXISTS (${report.current_state}, revision ${report.revision})`}`);
  const counts = report.features;
  const features =
    report.feature_status === 'NO_FEATURE_LIST'
      ? 'NONE (need INIT)'
      : report.feature_status === 'HAS_PENDING_FEATURES'
        ? `PENDING (${counts.open} of ${counts.total} remaining${counts.blocked ? `, ${counts.blocked} blocked` : ''})`
        : `COMPLETE (${counts.done} of ${counts.total} done)`;
  println(`  [2/3] Features: ${features}`);
  println(`  [3/3] Next state: ${paint(report.next_state, 'bold')} (${report.reason})`);

  println('');
  println('Phase 3: Context Loading');
  println(`  [1/3] Summary: ${report.latest_summary ? `FOUND (${report.latest_summary})` : 'NONE'}`);
  const files = report.recent_files.join(', ');
  println(`  [2/3] Recent files: ${report.recent_files_source === 'file_history' ? `TRACKED (${files})` : report.recent_files_source === 'git' ? `GIT (${files})` : 'NONE'}`);
  println(`  [3/3] Skill: ${report.skill}`);

  println('');
  println(`${paint('Next:', 'bold')} ${nextStep(report)}`);
  println(paint('=== ENTRY COMPLETE ===', 'bold'));
}

export function nextStep(report: EntryReport): string {
  const feature = report.next_feature;
  switch (report.next_state) {
    case 'FIX_BROKEN':
      return 'fix the app first (no new feature work); then `baton send HEALTH_FIXED`';
    case 'INIT':
      return 'define the features (`baton features add "..."` or `baton features import FILE`), then `baton send FEATURES_DEFINED`';
    case 'TEST':
      return `test feature "${feature?.id}", then \`baton send TESTS_PASSED\` or \`TESTS_FAILED\` with {"featureId": "${feature?.id}"}`;
    case 'IMPLEMENT':
      return feature ? `work on feature "${feature.id}"${feature.description ? `: ${feature.description}` : ''} (\`baton features start ${feature.id}\`)` : 'pick an open feature';
    case 'COMPLETE':
      return 'all features are done; add new ones and `baton send FEATURES_DEFINED` to continue';
    case 'START':
      return 'run `baton entry` again';
  }
}
