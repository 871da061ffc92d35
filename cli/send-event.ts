/** An event from the command line, checked and sent, and what came of it: `baton send`, `features start|done` and `baton test` go through here. */
import { isUserEventType, USER_EVENT_TYPES, userEventSchemas, type UserEvent } from '../machines/events.js';
import { formatZodPath } from '../services/storage/json-file.js';
import { FORCE_FIX_HINT, whyNotFixed } from '../machines/refusals.js';
import { EXIT, UsageError } from '../services/errors.js';
import { applyEvent } from '../services/lifecycle/apply-event.js';
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

export async function sendAndReport(context: CommandContext, event: UserEvent): Promise<number> {
  const runtime = await openRuntime(context);
  const outcome = await applyEvent(runtime, event, 'send');
  const { after, entry } = outcome;
  const health = outcome.snapshot.context.health;
  // HEALTH_FIXED ran the check and it did not pass: the event is logged, the session stays in FIX_BROKEN.
  const notFixed = event.type === 'HEALTH_FIXED' && after.state === 'FIX_BROKEN' ? whyNotFixed(health) : null;
  // The tests this event ran failed or timed out: the event is logged (back to IMPLEMENT), but its check did not pass.
  const testsFailed = entry.results?.some((result) => result.type === 'xstate.done.actor.testRun' && ['failed', 'timed_out'].includes((result.output as { outcome?: string } | undefined)?.outcome ?? ''));
  const code = notFixed || testsFailed ? EXIT.CHECK_FAILED : 0;
  const path = entry.path ?? [entry.from, entry.to];
  for (const warning of outcome.warnings) warn(warning);
  if (context.json) {
    printJson({
      accepted: true,
      event,
      from: entry.from,
      to: entry.to,
      path,
      state: after.state,
      revision: after.revision,
      health_status: after.health_status,
      health_detail: health?.detail ?? null,
      current_feature: outcome.snapshot.context.currentFeatureId,
      test_run: outcome.entry.results?.some((result) => result.type === 'xstate.done.actor.testRun') ? outcome.snapshot.context.lastTestRun : null,
      commit: outcome.entry.results?.some((result) => result.type === 'xstate.done.actor.featureCommit') ? outcome.snapshot.context.lastCommit : null,
      ...(notFixed ? { not_fixed: { ...notFixed, force: FORCE_FIX_HINT } } : {}),
      warnings: outcome.warnings,
    });
    return code;
  }
  println(`${event.type}: ${path.slice(0, -1).map((state) => `${state} -> `).join('')}${paint(entry.to, 'bold')} (revision ${after.revision})`);
  if (notFixed) {
    println(paint(`not fixed: ${notFixed.why}`, 'red'));
    if (health?.outputTail) for (const line of health.outputTail.split('\n')) println(paint(`  | ${line}`, 'dim'));
    println(`next: ${notFixed.todo}`);
    println(`or, ${FORCE_FIX_HINT}`);
  } else if (event.type === 'HEALTH_FIXED' && health) println(`health: ${health.detail}`);
  const ran = outcome.entry.results?.map((result) => result.type) ?? [];
  const { lastTestRun, lastCommit } = outcome.snapshot.context;
  if (ran.includes('xstate.done.actor.testRun') && lastTestRun) {
    const color = lastTestRun.outcome === 'passed' ? 'green' : lastTestRun.outcome === 'not_configured' ? 'yellow' : 'red';
    println(`tests: ${paint(lastTestRun.outcome, color)} (${lastTestRun.reason})${lastTestRun.evidence ? `; output: ${lastTestRun.evidence}` : ''}`);
    if (lastTestRun.outcome !== 'passed' && lastTestRun.outputTail) for (const line of lastTestRun.outputTail.split('\n')) println(paint(`  | ${line}`, 'dim'));
  }
  if (ran.includes('xstate.done.actor.featureCommit') && lastCommit) println(`commit: ${lastCommit.status} (${lastCommit.detail})`);
  return code;
}
