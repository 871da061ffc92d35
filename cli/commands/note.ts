import { BadFileError, BatonError, EXIT, UsageError } from '../../services/errors.js';
import { loadSessionRecord, sessionGoesOn, updateSessionRecord, type SessionRecord } from '../../services/agent-session/session-record.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

/**
 * Why a note cannot go into this session's summary, if it cannot. After a Stop the Claude Code
 * session goes on and its next Stop writes the summary again; after `baton end` or SessionEnd
 * nothing writes it again, so the note would be lost.
 */
function handedOffForGood(record: SessionRecord): BatonError | null {
  if (sessionGoesOn(record)) return null;
  return new BatonError(
    `session ${record.session_id} was handed off (${record.last_action ?? 'ended'}, ${record.ended_at}); a note now would reach no summary`,
    EXIT.REFUSED,
    'start the next session with `baton entry` (or a new Claude Code session), then note it there',
  );
}

/** `baton note --decision "..." | --blocker "..."`: the summary's two free-text parts. */
export async function run(context: CommandContext): Promise<number> {
  const decision = context.options.decision as string | undefined;
  const blocker = context.options.blocker as string | undefined;
  if ((decision === undefined) === (blocker === undefined) || !(decision ?? blocker)?.trim()) {
    throw new UsageError('give one of --decision "..." or --blocker "..."', 'usage: baton note --decision TEXT | --blocker TEXT');
  }
  // Refused before taking the lock, which would create .claude/progress/ in a project with no session.
  const { record: current, damage } = loadSessionRecord(context.paths);
  if (!current && damage) {
    const { file, problem, location } = damage.problem;
    throw new BadFileError(file, problem, location, 'run `baton entry`: it keeps this file aside and starts a new session record');
  }
  if (!current) throw new BatonError('no session has started in this project', EXIT.REFUSED, 'run `baton entry` first');
  const over = handedOffForGood(current);
  if (over) throw over;
  const record = await updateSessionRecord(context.paths, (latest) => {
    if (!latest || latest.session_id !== current.session_id || handedOffForGood(latest)) return null;
    return decision !== undefined ? { ...latest, decisions: [...latest.decisions, decision.trim()] } : { ...latest, blockers: [...latest.blockers, blocker!.trim()] };
  });
  // Another process ended or replaced the session meanwhile.
  if (!record) throw new BatonError('the session changed while the note was being written; nothing was noted', EXIT.BUSY, 'run `baton status`, then note again');
  if (context.json) printJson({ decisions: record.decisions, blockers: record.blockers });
  else println(`noted ${decision !== undefined ? 'decision' : 'blocker'} for session ${record.session_id.slice(0, 8)}; it goes into the session summary`);
  return 0;
}
