/** What SessionStart tells the agent: short and specific, built from the entry report. */
import path from 'node:path';
import type { EntryReport } from '../services/lifecycle/entry-report.js';
import { describeAge } from '../services/agent-session/recent-health.js';
import { oneLine, oneLineStrings } from '../services/utils/one-line.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { readOwnText } from '../services/storage/read.js';
import { nextStep } from './entry-protocol.js';
import { readSettingsFiles } from '../services/project/installed-hooks.js';
import { enablesPlugin, skillToLoad, type SkillToLoad } from '../services/project/skills.js';
import { ownRoot } from './own-install.js';

/** The skill line: as Claude Code's Skill tool names it, or the file to read when no plugin serves it. */
function describeSkill(skill: SkillToLoad): string {
  if (skill.source === 'plugin') return `${skill.name} (a skill of baton's plugin)`;
  if (skill.source === 'project') return `${skill.name} (the project's own, .claude/skills/${skill.name})`;
  if (skill.source === 'file') return `read ${skill.name}`;
  return skill.name;
}

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
export async function buildAgentContext(paths: ProjectPaths, entryReport: EntryReport, options: { plugin: boolean } = { plugin: false }): Promise<string> {
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
  const plugin = options.plugin || enablesPlugin(readSettingsFiles(paths));
  lines.push(`Skill to load: ${oneLine(describeSkill(skillToLoad(paths, entryReport.skill, { plugin, batonRoot: ownRoot() })))}`);
  if (report.warnings.length) lines.push(`Warnings:\n${report.warnings.slice(0, 5).map((warning) => `- ${warning}`).join('\n')}${report.warnings.length > 5 ? `\n- and ${report.warnings.length - 5} more (baton entry shows them all)` : ''}`);
  if (!report.trust.trusted) lines.push(report.trust.message);
  lines.push('Report progress with baton: `baton features start ID`, `baton features implemented ID` (runs the tests), `baton send EVENT --data JSON`; `baton status` shows where things stand.');
  return fitContext(lines.join('\n'));
}

/** Claude Code cuts `additionalContext` at 8,000 characters and 200 lines; baton cuts first, and says so. */
export const CONTEXT_LIMITS = { chars: 8000, lines: 200 };
const CUT_NOTE = '... (cut to fit the session context; `baton entry` shows all of it)';

export function fitContext(text: string): string {
  const lines = text.split('\n');
  if (text.length <= CONTEXT_LIMITS.chars && lines.length <= CONTEXT_LIMITS.lines) return text;
  const kept: string[] = [];
  let length = CUT_NOTE.length;
  for (const line of lines.slice(0, CONTEXT_LIMITS.lines - 1)) {
    if (length + line.length + 1 > CONTEXT_LIMITS.chars) {
      const room = CONTEXT_LIMITS.chars - length - 1;
      if (room > 40) kept.push(line.slice(0, room));
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return [...kept, CUT_NOTE].join('\n');
}
