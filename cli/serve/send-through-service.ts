/**
 * `baton send` (and `features start|implemented`, `baton test`) through a running service:
 * one writer with its modules warm. Null when no service of this version answers, so the CLI
 * does the work itself with the same result; never both: once the request went out, a broken
 * exchange is an error to look into (`baton status`), not a reason to send the event again.
 */
import type { UserEvent } from '../../machines/events.js';
import { BatonError, EXIT, type ExitCode } from '../../services/errors.js';
import { readServiceRecord } from '../../services/serve/service-record.js';
import type { CommandContext } from '../context.js';
import type { SendReport } from '../send-event.js';

/** Set by the build (build.mjs) from package.json. */
declare const BATON_VERSION: string;

/**
 * Events that run the project's own commands (the health check, the tests) run here, in the
 * caller's environment (its PATH, a virtualenv, the variables `required_env` names): the
 * service's environment is the one it was started with.
 */
function runsProjectCommands(event: UserEvent): boolean {
  return event.type === 'FEATURE_IMPLEMENTED' || event.type === 'RUN_TESTS' || (event.type === 'HEALTH_FIXED' && !event.force);
}

export async function sendThroughService(context: CommandContext, event: UserEvent): Promise<{ code: number; report: SendReport } | null> {
  if (runsProjectCommands(event)) return null;
  // The inspector follows this process's actor: with --inspect the event runs here.
  if (context.options.inspect || context.options['inspect-url'] || process.env.BATON_INSPECT || process.env.BATON_NO_SERVE) return null;
  const record = await readServiceRecord().catch(() => null);
  if (!record) return null;
  // node:http loads only when there is a service to talk to: a plain send stays as fast as before.
  const { requestService, serviceHealth } = await import('./client.js');
  const health = await serviceHealth(record);
  if (!health || health.version !== BATON_VERSION) return null;
  const { type, ...data } = event;
  let reply;
  try {
    // An event may run the tests: no time limit beyond the command's own.
    reply = await requestService(record, 'POST', '/v1/events', { project: context.paths.root, type, data }, 24 * 3600 * 1000);
  } catch (error) {
    if (!(error as { sent?: boolean }).sent) return null;
    throw new BatonError(`baton serve stopped answering while it handled ${type} (${(error as Error).message})`, EXIT.BUSY, 'run `baton status` to see whether it was applied before sending it again');
  }
  const answer = reply.body as { exit_code: number; report?: SendReport; error?: { message: string; hint: string | null; exit_code: number } } | null;
  if (reply.status !== 200 || !answer) throw new BatonError(`baton serve refused ${type}: ${(reply.body as { error?: { message?: string } })?.error?.message ?? `status ${reply.status}`}`, EXIT.INTERNAL);
  if (answer.error) throw new BatonError(answer.error.message, answer.error.exit_code as ExitCode, answer.error.hint ?? undefined);
  return { code: answer.exit_code, report: answer.report! };
}
