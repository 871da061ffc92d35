/** What SessionStart tells the agent: short and specific, built from the entry report. */
import path from 'node:path';
import type { EntryReport } from '../services/lifecycle/entry-report.js';
import { describeAge } from '../services/agent-session/recent-health.js';
import { oneLine, oneLineStrings } from '../services/utils/one-line.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { readOwnText } from '../services/storage/read.js';
import { nextStep } from './entry-protocol.js';

/** The numbered steps under "## Next Session" in one of baton's own summaries (never a file from elsewhere). */
function summaryNextSteps(paths: ProjectPaths, file: string): string[] {
  if (path.dirname(file) !== paths.summaries) return [];
  const read = readOwnText(paths, file);
  const text = read.kind === 'ok' ? read.text : '';
  const section = text.split(/^## Next Session\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .map((line) => oneLine(line.trim()))
    .filter((line) => /^\d+\.\s/.test(line));
}

/**
 * The context, line by line. Every value in the report is one-lined first: a path, a feature
 * description or a warning from a clone's files can never start a line of its own.
 */
export async function buildAgentContext(paths: ProjectPaths, entryReport: EntryReport): Promise<string> {
  const report = oneLineStrings(entryReport);
  const lines: string[] = [];
  const counts = report.features;
  const kept = report.health_kept ? `checked ${describeAge(report.health_kept.age_seconds)}, not run again (\`baton entry\` runs it)` : '';
  const about = [report.health?.detail, kept].filter(Boolean).join('; ');
  const health = about ? ` (${about})` : '';
  lines.push(`baton (session state for ${oneLine(paths.root)}): ${report.next_state} - ${report.reason}. Health: ${report.health_status}${health}. Features: ${counts.done}/${counts.total} done.`);
  if (report.recovered) lines.push(`Recovered: ${report.recovered.detail}; restored ${report.recovered.restoredState} from ${report.recovered.restoredFrom}.`);
  if (report.broken) {
    lines.push('The app is BROKEN. Do not start feature work: edits to protected paths are blocked until the health check passes.');
    const diffStat = entryReport.broken?.diff_stat;
    if (diffStat) lines.push(`Changed since health last passed:\n${diffStat.split('\n').slice(-8).map(oneLine).join('\n')}`);
    lines.push(`Ways out:\n${report.broken.ways_out.map((way, index) => `${index + 1}. ${way}`).join('\n')}`);
  }
  lines.push(`Do now: ${nextStep(report)}`);
  if (report.latest_summary) {
    const steps = summaryNextSteps(paths, report.latest_summary);
    if (steps.length) lines.push(`Last session's next steps (${report.latest_summary}):\n${steps.join('\n')}`);
  }
  if (report.recent_files.length) lines.push(`Recent files: ${report.recent_files.join(', ')}`);
  lines.push(`Skill to load: ${report.skill}`);
  if (report.warnings.length) lines.push(`Warnings:\n${report.warnings.slice(0, 5).map((warning) => `- ${warning}`).join('\n')}${report.warnings.length > 5 ? `\n- and ${report.warnings.length - 5} more (baton entry shows them all)` : ''}`);
  if (!report.trust.trusted) lines.push(report.trust.message);
  lines.push('Report progress with baton: `baton features start ID`, `baton features implemented ID` (runs the tests), `baton send EVENT --data JSON`; `baton status` shows where things stand.');
  return lines.join('\n');
}
