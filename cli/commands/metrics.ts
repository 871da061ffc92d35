import { EXIT } from '../../services/errors.js';
import { describeProblem } from '../../services/storage/json-file.js';
import { readMetrics, type MetricsRow } from '../../services/agent-session/session-record.js';
import type { CommandContext } from '../context.js';
import { printJson, println, printWrapped, warn } from '../output.js';

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
  // Seven columns fit 80; the states (any number of them) and the rarer counts go on lines of their own beneath.
  const header = ['session', 'started', 'min', 'health', 'done', 'retries', 'tokens'];
  const counts = (row: { health_checks_passed: number; health_checks_failed: number; compressions: number; gate_refusals: number }) =>
    `health checks ${row.health_checks_passed} ok, ${row.health_checks_failed} failed; compressions ${row.compressions}; gate refusals ${row.gate_refusals}`;
  const table = rows.map((row) => ({
    cells: [
      row.session_id.slice(0, 8),
      row.started_at.slice(0, 16).replace('T', ' '),
      row.ended_at ? String(Math.round((Date.parse(row.ended_at) - Date.parse(row.started_at)) / 60_000)) : row.ended_by === 'never' ? 'never ended' : '-',
      row.health_status,
      String(row.features_completed),
      String(row.retries),
      row.tokens_used === null ? '-' : String(row.tokens_used),
    ],
    details: [`states ${row.states_visited.join(' > ') || '-'}`, counts(row)],
  }));
  const t = totals(rows);
  table.push({ cells: ['total', `${t.sessions} sessions`, String(Math.round(t.duration_minutes)), '', String(t.features_completed), String(t.retries), String(t.tokens_used)], details: [counts(t)] });
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row.cells[column]!.length)));
  const indent = ' '.repeat(widths[0]! + 2);
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  println(line(header));
  for (const row of table) {
    printWrapped(line(row.cells), indent);
    for (const detail of row.details) printWrapped(`${indent}${detail}`, `${indent}  `);
  }
  return code;
}
