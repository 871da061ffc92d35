import type { EntryReport } from '../../services/lifecycle/entry-report.js';
import { describeAge } from '../../services/agent-session/recent-health.js';
import { oneLine, oneLineStrings } from '../../services/utils/one-line.js';
import type { CommandContext } from '../context.js';
import { nextStep, runEntry } from '../entry-protocol.js';
import { paint, printJson, println, warn } from '../output.js';

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
