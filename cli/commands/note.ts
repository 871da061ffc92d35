import { BatonError, EXIT, UsageError } from '../../services/errors.js';
import { loadSessionRecord, updateSessionRecord } from '../../services/session-record.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

/** `baton note --decision "..." | --blocker "..."`: the summary's two free-text parts. */
export async function run(context: CommandContext): Promise<number> {
  const decision = context.options.decision as string | undefined;
  const blocker = context.options.blocker as string | undefined;
  if ((decision === undefined) === (blocker === undefined) || !(decision ?? blocker)?.trim()) {
    throw new UsageError('give one of --decision "..." or --blocker "..."', 'usage: baton note --decision TEXT | --blocker TEXT');
  }
  // Refused before taking the lock, which would create .claude/progress/ in a project with no session.
  if (!loadSessionRecord(context.paths).record) throw new BatonError('no session has started in this project', EXIT.REFUSED, 'run `baton entry` first');
  const record = await updateSessionRecord(context.paths, (current) =>
    current ? (decision !== undefined ? { ...current, decisions: [...current.decisions, decision.trim()] } : { ...current, blockers: [...current.blockers, blocker!.trim()] }) : null,
  );
  if (!record) throw new BatonError('no session has started in this project', EXIT.REFUSED, 'run `baton entry` first');
  if (context.json) printJson({ decisions: record.decisions, blockers: record.blockers });
  else println(`noted ${decision !== undefined ? 'decision' : 'blocker'} for session ${record.session_id.slice(0, 8)}; it goes into the session summary`);
  return 0;
}
