/** An event from the command line, checked and sent, and what came of it: `baton send`, `features start|done` and `baton test` go through here. */
import { isUserEventType, USER_EVENT_TYPES, userEventSchemas, type UserEvent } from '../machines/events.js';
import { formatZodPath } from '../services/storage/json-file.js';
import { FORCE_FIX_HINT, whyNotFixed } from '../machines/refusals.js';
import { EXIT, UsageError } from '../services/errors.js';
import { applyEvent } from '../services/lifecycle/apply-event.js';
import { settleAfterChange, withFeatureClaim } from '../services/claims/claimed-change.js';
import { openRuntime, type CommandContext } from './context.js';
import { paint, printJson, println, warn } from './output.js';

/** Validates an event name and its JSON payload into a typed event, or explains what is wrong. */
export function parseUserEvent(type: string | undefined, data: string | undefined): UserEvent {
  if (!type) throw new UsageError('which event?', `events: ${USER_EVENT_TYPES.join(', ')}`);
  if (!isUserEventType(type)) {
    const hint = type === 'SESSION_ENTRY' ? 'the entry protocol runs with `baton entry`' : `events: ${USER_EVENT_TYPES.join(', ')}`;
    throw new UsageError(`unknown event "${type}"`, hint);
  }
  let payload: unknown = {};
  if (data !== undefined) {
    try {
      payload = JSON.parse(data);
    } catch (error) {
      throw new UsageError(`--data is not valid JSON: ${(error as Error).message}`, `example: --data '{"featureId": "login"}'`);
    }
  }
  const result = userEventSchemas[type].safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UsageError(`${type} --data ${formatZodPath(issue.path)}: ${issue.message}`, `example: baton send ${type} --data '${exampleFor(type)}'`);
  }
  return { type, ...result.data } as UserEvent;
}

function exampleFor(type: string): string {
  if (type === 'TESTS_FAILED') return '{"featureId": "login", "reason": "2 tests failed"}';
  if (type === 'HEALTH_BROKEN') return '{"reason": "server does not start"}';
  if (type === 'HEALTH_FIXED') return '{} (runs the health check), or {"force": true, "reason": "..."}';
  return type.startsWith('FEATURE') || type.startsWith('TESTS') ? '{"featureId": "login"}' : '{}';
}

/** What a sent event did, as `send --json` prints it; the text output is made from it too, so every transport prints the same. */
export interface SendReport {
  accepted: true;
  event: UserEvent;
  from: string;
  to: string;
  path: string[];
  state: string;
  revision: number;
  health_status: string;
  health_detail: string | null;
  current_feature: string | null;
  test_run: unknown;
  commit: unknown;
  not_fixed?: { why: string; todo: string; force: string; output_tail: string | null };
  warnings: string[];
}

/** Sends the event and says what came of it: the exit code (7: the check it needed did not pass) and the report. */
export async function sendEvent(context: CommandContext, event: UserEvent): Promise<{ code: number; report: SendReport }> {
  const runtime = await openRuntime(context);
  const outcome = await withFeatureClaim(runtime, event, () => applyEvent(runtime, event, 'send'));
  outcome.warnings.push(...(await settleAfterChange(runtime, outcome)).warnings);
  const { after, entry } = outcome;
  const health = outcome.snapshot.context.health;
  // HEALTH_FIXED ran the check and it did not pass: the event is logged, the session stays in FIX_BROKEN.
  const notFixed = event.type === 'HEALTH_FIXED' && after.state === 'FIX_BROKEN' ? whyNotFixed(health) : null;
  // The tests this event ran failed or timed out: the event is logged (back to IMPLEMENT), but its check did not pass.
  const testsFailed = entry.results?.some((result) => result.type === 'xstate.done.actor.testRun' && ['failed', 'timed_out'].includes((result.output as { outcome?: string } | undefined)?.outcome ?? ''));
  const report: SendReport = {
    accepted: true,
    event,
    from: entry.from,
    to: entry.to,
    path: entry.path ?? [entry.from, entry.to],
    state: after.state,
    revision: after.revision,
    health_status: after.health_status,
    health_detail: health?.detail ?? null,
    current_feature: outcome.snapshot.context.currentFeatureId,
    test_run: outcome.entry.results?.some((result) => result.type === 'xstate.done.actor.testRun') ? outcome.snapshot.context.lastTestRun : null,
    commit: outcome.entry.results?.some((result) => result.type === 'xstate.done.actor.featureCommit') ? outcome.snapshot.context.lastCommit : null,
    ...(notFixed ? { not_fixed: { ...notFixed, force: FORCE_FIX_HINT, output_tail: health?.outputTail ?? null } } : {}),
    warnings: outcome.warnings,
  };
  return { code: notFixed || testsFailed ? EXIT.CHECK_FAILED : 0, report };
}

type TestRunView = { outcome: string; reason: string; evidence?: string | null; outputTail?: string | null };
type CommitView = { status: string; detail: string };

/** Prints a report: the JSON object with --json, else the lines a person reads. */
export function printSendReport(report: SendReport, json: boolean): void {
  for (const warning of report.warnings) warn(warning);
  if (json) {
    const { not_fixed: notFixed, ...rest } = report;
    printJson({ ...rest, ...(notFixed ? { not_fixed: { why: notFixed.why, todo: notFixed.todo, force: notFixed.force } } : {}) });
    return;
  }
  println(`${report.event.type}: ${report.path.slice(0, -1).map((state) => `${state} -> `).join('')}${paint(report.to, 'bold')} (revision ${report.revision})`);
  if (report.not_fixed) {
    println(paint(`not fixed: ${report.not_fixed.why}`, 'red'));
    if (report.not_fixed.output_tail) for (const line of report.not_fixed.output_tail.split('\n')) println(paint(`  | ${line}`, 'dim'));
    println(`next: ${report.not_fixed.todo}`);
    println(`or, ${report.not_fixed.force}`);
  } else if (report.event.type === 'HEALTH_FIXED' && report.health_detail) println(`health: ${report.health_detail}`);
  const testRun = report.test_run as TestRunView | null;
  if (testRun) {
    const color = testRun.outcome === 'passed' ? 'green' : testRun.outcome === 'not_configured' ? 'yellow' : 'red';
    println(`tests: ${paint(testRun.outcome, color)} (${testRun.reason})${testRun.evidence ? `; output: ${testRun.evidence}` : ''}`);
    if (testRun.outcome !== 'passed' && testRun.outputTail) for (const line of testRun.outputTail.split('\n')) println(paint(`  | ${line}`, 'dim'));
  }
  const commit = report.commit as CommitView | null;
  if (commit) println(`commit: ${commit.status} (${commit.detail})`);
}

export async function sendAndReport(context: CommandContext, event: UserEvent): Promise<number> {
  const { sendThroughService } = await import('./serve/send-through-service.js');
  const { code, report } = (await sendThroughService(context, event)) ?? (await sendEvent(context, event));
  printSendReport(report, context.json);
  return code;
}
