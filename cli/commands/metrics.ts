import { EXIT } from '../../services/errors.js';
import { describeProblem } from '../../services/json-file.js';
import { readMetrics, type MetricsRow } from '../../services/session-record.js';
import type { CommandContext } from '../context.js';
import { printJson, println, warn } from '../output.js';

const NUMERIC = ['compressions', 'retries', 'tokens_used', 'features_completed', 'health_checks_passed', 'health_checks_failed', 'gate_refusals'] as const;

export function totals(rows: MetricsRow[]) {
  const sum = Object.fromEntries(NUMERIC.map((key) => [key, rows.reduce((total, row) => total + (row[key] ?? 0), 0)])) as Record<(typeof NUMERIC)[number], number>;
  const minutes = rows.reduce((total, row) => (row.ended_at ? total + (Date.parse(row.ended_at) - Date.parse(row.started_at)) / 60_000 : total), 0);
  return { sessions: rows.length, duration_minutes: Math.round(minutes * 10) / 10, ...sum };
}

export async function run(context: CommandContext): Promise<number> {
  const { rows, damage } = readMetrics(context.paths);
  // A damaged file still shows what could be read of it; the exit code says it was damaged.
  const code = damage ? EXIT.BAD_FILE : EXIT.OK;
  if (damage) warn(`${describeProblem(damage.problem)}; showing what could be read (${damage.recovered}); the next handoff keeps the file aside and writes a new one`);
  if (context.json) {
    printJson({ sessions: rows, totals: totals(rows), problem: damage ? describeProblem(damage.problem) : null });
    return code;
  }
  if (rows.length === 0) {
    println('no sessions handed off yet (`baton end`, or the Stop / SessionEnd hooks)');
    return code;
  }
  const header = ['session', 'started', 'min', 'health', 'states', 'done', 'retries', 'compress', 'tokens', 'health ok/fail', 'refusals'];
  const table = rows.map((row) => [
    row.session_id.slice(0, 8),
    row.started_at.slice(0, 16).replace('T', ' '),
    row.ended_at ? String(Math.round((Date.parse(row.ended_at) - Date.parse(row.started_at)) / 60_000)) : row.ended_by === 'never' ? 'never ended' : '-',
    row.health_status,
    row.states_visited.join('>'),
    String(row.features_completed),
    String(row.retries),
    String(row.compressions),
    row.tokens_used === null ? '-' : String(row.tokens_used),
    `${row.health_checks_passed}/${row.health_checks_failed}`,
    String(row.gate_refusals),
  ]);
  const t = totals(rows);
  table.push(['total', `${t.sessions} sessions`, String(Math.round(t.duration_minutes)), '', '', String(t.features_completed), String(t.retries), String(t.compressions), String(t.tokens_used), `${t.health_checks_passed}/${t.health_checks_failed}`, String(t.gate_refusals)]);
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column]!.length)));
  for (const row of [header, ...table]) println(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  return code;
}
