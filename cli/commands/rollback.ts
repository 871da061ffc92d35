import { planRollback, rollbackTo } from '../../actors/git.js';
import { sessionMachine } from '../../machines/session.js';
import { BadFileError, BatonError, EXIT } from '../../services/errors.js';
import { readStateFile } from '../../services/lifecycle/state-file.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

/** The spec's first way out of a broken state: back to the last commit where health passed. */
export async function run(context: CommandContext): Promise<number> {
  const read = await readStateFile(context.paths, new Date());
  if (read.kind === 'missing') throw new BatonError(`no session in ${context.paths.root} yet`, EXIT.REFUSED, 'run `baton entry` first');
  if (read.kind === 'invalid') throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, 'run `baton recover` first');
  if (read.state.state !== 'FIX_BROKEN') throw new BatonError(`rollback is for a broken app; the session is in ${read.state.state}`, EXIT.REFUSED);
  const machineContext = sessionMachine.resolveState({ value: read.state.snapshot.value as never, context: read.state.snapshot.context as never }).context;
  const target = machineContext.lastHealthyCommit;
  if (!target) throw new BatonError('no commit with a passing health check is recorded yet', EXIT.REFUSED, 'fix by hand and send HEALTH_FIXED, or roll back with git yourself');
  const plan = await planRollback(context.paths.root, target);
  const stash = Boolean(context.options.stash);
  if (plan.dirty && !stash) {
    throw new BatonError('the work tree has uncommitted changes; a rollback would throw them away', EXIT.REFUSED, 'commit them, or pass --stash to keep them in `git stash` first');
  }
  if (!context.options.yes) {
    if (context.json) printJson({ rolled_back: false, target: plan.target, head: plan.head, diff_stat: plan.diffStat });
    else {
      println(`would reset ${plan.head.slice(0, 12)} to ${plan.target.slice(0, 12)} (git reset --hard), undoing:`);
      println(plan.diffStat || '  (no file changes)');
      println('run again with --yes to do it');
    }
    return 0;
  }
  const stashed = await rollbackTo(context.paths, plan.target, plan.dirty && stash);
  if (context.json) printJson({ rolled_back: true, target: plan.target, previous_head: plan.head, stashed });
  else {
    println(`reset to ${plan.target.slice(0, 12)} (was ${plan.head.slice(0, 12)}: \`git reset --hard ${plan.head.slice(0, 12)}\` undoes it)`);
    if (stashed) println(`your uncommitted changes are in ${stashed}`);
    println('now: baton send HEALTH_FIXED');
  }
  return 0;
}
