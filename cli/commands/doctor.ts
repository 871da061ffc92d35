/**
 * `baton doctor`: where baton runs from, which of its hooks are installed where, whether what
 * they run exists, and what is stale. Reads only; exit 7 when it found a problem.
 */
import { existsSync } from 'node:fs';
import { EXIT } from '../../services/errors.js';
import { diagnoseHooks } from '../../services/project/hook-doctor.js';
import { readSettingsFiles } from '../../services/project/installed-hooks.js';
import { projectPaths } from '../../services/project/paths.js';
import { findProjectRoot } from '../../services/project/project-root.js';
import type { CommandContext } from '../context.js';
import { batonOnPath } from '../hook-settings.js';
import { readServiceRecord } from '../../services/serve/service-record.js';
import { serviceHealth } from '../serve/client.js';
import { ownRoot, ownScript } from '../own-install.js';
import { paint, printJson, printWrapped, println } from '../output.js';

/** Set by the build (build.mjs) from package.json. */
declare const BATON_VERSION: string;

function installKind(root: string | null): string {
  if (root === null) return 'not from a dist/ folder';
  if (process.env.CLAUDE_PLUGIN_ROOT && root === process.env.CLAUDE_PLUGIN_ROOT) return "Claude Code's plugin";
  if (/[\\/]node_modules[\\/]/.test(root)) return 'an npm install';
  return existsSync(`${root}/.git`) ? 'a checkout' : 'a copy of the package';
}

export async function run(context: CommandContext): Promise<number> {
  const script = ownScript();
  const root = ownRoot();
  const onPath = batonOnPath();
  const project = findProjectRoot(context.projectDir);
  const files = project ? readSettingsFiles(projectPaths(project)) : [];
  const diagnosis = project ? diagnoseHooks(files, { exists: existsSync, batonOnPath: onPath }) : null;
  const problems = project ? diagnosis!.problems : [`${context.projectDir} is not in a project: run baton doctor in the project (or pass -C DIR)`];
  const baton = { version: BATON_VERSION, node: process.version, script, root, kind: installKind(root), on_path: onPath, on_path_is_this: onPath === script };
  // The service the HTTP hooks need: its record, and whether it answers (proving the secret).
  let service: { port: number; running: boolean; pid: number | null } | { problem: string } | null = null;
  try {
    const record = await readServiceRecord();
    const health = record ? await serviceHealth(record) : null;
    service = record ? { port: record.port, running: health !== null, pid: health?.pid ?? null } : null;
  } catch (error) {
    service = { problem: (error as Error).message };
  }
  if (service && 'problem' in service) problems.push(service.problem);
  const httpHooks = diagnosis?.settings.some((report) => report.hooks.some((hook) => hook.command.startsWith('http://'))) ?? false;
  if (httpHooks && !(service && 'running' in service && service.running)) problems.push('HTTP hooks are installed but baton serve is not running: the gate refuses every Write, Edit and Bash call until `baton serve --detach` (SessionStart starts it)');

  if (context.json) {
    printJson({ baton, project, settings: diagnosis?.settings ?? [], plugin_enabled: diagnosis?.pluginEnabled ?? false, service, problems });
    return problems.length ? EXIT.CHECK_FAILED : EXIT.OK;
  }
  println(`baton ${baton.version} on node ${baton.node}`);
  printWrapped(`  runs from: ${script} (${baton.kind})`, '    ');
  printWrapped(`  on PATH: ${onPath === null ? 'no baton' : onPath === script ? `${onPath} (this one)` : `${onPath} (another install)`}`, '    ');
  if (service && 'port' in service) printWrapped(`  baton serve: ${service.running ? `running on 127.0.0.1:${service.port} (pid ${service.pid})` : `not running (port ${service.port})`}`, '    ');
  if (project && diagnosis) {
    printWrapped(`Project: ${project}`, '  ');
    println('Hooks:');
    for (const report of diagnosis.settings) {
      const events = report.hooks.map((hook) => hook.event);
      const what = report.problem ? `unusable: ${report.problem}` : events.length ? `${events.join(', ')}${report.hooks.every((hook) => hook.portable) ? ' (portable: `baton` on PATH)' : ''}` : 'none of baton';
      printWrapped(`  ${report.file}: ${what}${report.statusLine ? '; status line' : ''}`, '    ');
    }
    println(`  plugin: ${diagnosis.pluginEnabled ? 'enabled (enabledPlugins baton@...)' : 'not enabled in these files'}`);
  }
  if (problems.length === 0) println(paint('No problems found.', 'green'));
  else {
    println(paint(`${problems.length} problem${problems.length === 1 ? '' : 's'}:`, 'red'));
    for (const problem of problems) printWrapped(`  - ${problem}`, '    ');
  }
  return problems.length ? EXIT.CHECK_FAILED : EXIT.OK;
}
