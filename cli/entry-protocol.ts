/**
 * The entry protocol as a session start runs it (`baton entry`, the SessionStart hook): the
 * SESSION_ENTRY event, the report, and the agent session it opens or continues.
 */
import { ensureProgressGitignore } from '../services/agent-session/commit-scope.js';
import { buildEntryReport, type EntryReport } from '../services/lifecycle/entry-report.js';
import { beginSession } from '../services/agent-session/handoff.js';
import { chooseEntryHealthCheck } from '../services/agent-session/recent-health.js';
import { applyEvent } from '../services/lifecycle/apply-event.js';
import { settleAfterChange } from '../services/claims/claimed-change.js';
import { takeNotices } from '../services/storage/notices.js';
import { ensureOwnDir } from '../services/storage/write.js';
import { openRuntime, type CommandContext } from './context.js';

async function prepareDirectories(context: CommandContext): Promise<void> {
  await ensureOwnDir(context.paths, context.paths.progressDir);
  await ensureOwnDir(context.paths, context.paths.configDir);
  await ensureProgressGitignore(context.paths);
}

/** The entry protocol, and the start (or continuation) of the agent session it opens. */
export async function runEntry(context: CommandContext, agentSession: { sessionId?: string; source: string; transcriptPath?: string | null }): Promise<EntryReport> {
  // A bad --inspect-url is a usage error before anything is created (openRuntime comes after the directories).
  if (context.options['inspect-url'] !== undefined) (await import('../visualize/inspector.js')).inspectUrlOption(context.options);
  await prepareDirectories(context);
  const runtime = await openRuntime(context);
  const currentHead = async () => (await (await import('../actors/git.js')).readRepositoryHead(context.paths.root))?.head ?? null;
  const health = await chooseEntryHealthCheck(runtime, { source: agentSession.source, force: Boolean(context.options.force), currentHead });
  const outcome = await applyEvent(runtime, { type: 'SESSION_ENTRY', maxRetries: runtime.config.maxRetries, ...health.options }, 'entry');
  const claims = await settleAfterChange(runtime, outcome, agentSession.sessionId);
  outcome.warnings.push(...claims.warnings);
  const report = buildEntryReport(outcome, context.paths, runtime.config, runtime.trust, { kept: health.kept, taken: claims.taken });
  const started = await beginSession(context.paths, {
    ...agentSession,
    startRevision: outcome.after.revision - 1,
    startHead: outcome.snapshot.context.git?.head ?? null,
    now: runtime.now(),
  });
  // What the storage layer set aside on its way (a link, a damaged file) belongs in the report.
  report.warnings.push(...takeNotices());
  if (started.abandoned) report.warnings.push(`session ${started.abandoned.session_id} (started ${started.abandoned.started_at}) never handed off; its metrics were closed as ended_by "never"`);
  return report;
}

/** What to do now, in one line: the entry report's answer to "where do I start". */
export function nextStep(report: EntryReport): string {
  const feature = report.next_feature;
  switch (report.next_state) {
    case 'FIX_BROKEN':
      return 'fix the app first (no new feature work); then `baton send HEALTH_FIXED`';
    case 'INIT':
      return 'define the features (`baton features add "..."` or `baton features import FILE`), then `baton send FEATURES_DEFINED`';
    case 'TEST':
      return `test feature "${feature?.id}", then \`baton send TESTS_PASSED\` or \`TESTS_FAILED\` with {"featureId": "${feature?.id}"}`;
    case 'IMPLEMENT':
      return feature ? `work on feature "${feature.id}"${feature.description ? `: ${feature.description}` : ''} (\`baton features start ${feature.id}\`)` : 'pick an open feature';
    case 'COMPLETE':
      return 'all features are done; add new ones and `baton send FEATURES_DEFINED` to continue';
    case 'START':
      return 'run `baton entry` again';
  }
}
