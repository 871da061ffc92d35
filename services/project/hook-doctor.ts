/**
 * `baton doctor`'s reading of the settings files: which of baton's hooks each holds, whether
 * what they run exists, and what is stale. Pure: the files are read by installed-hooks.ts and
 * existence is asked through `exists`, so every case is a unit test.
 */
import { BATON_HOOKS, batonEventOf, batonHookEvent, isBatonCommand, type Settings } from './claude-settings.js';
import type { SettingsFile } from './installed-hooks.js';
import { enablesPlugin } from './skills.js';

export interface InstalledHook {
  event: string;
  command: string;
  matcher: string | null;
  /** `baton hook ...`, found on PATH wherever the project is checked out. */
  portable: boolean;
  /** Absolute paths the command names that do not exist. */
  missing: string[];
}

export interface SettingsReport {
  scope: SettingsFile['scope'];
  file: string;
  problem: string | null;
  hooks: InstalledHook[];
  statusLine: string | null;
}

export interface HooksDiagnosis {
  settings: SettingsReport[];
  pluginEnabled: boolean;
  problems: string[];
}

/** The absolute paths in a command: quoted ones, or bare words starting with `/`. */
function absolutePaths(command: string): string[] {
  return [...command.matchAll(/"(\/[^"]+)"|(?:^|\s)(\/\S+)/g)].map((match) => match[1] ?? match[2]!);
}

function hooksIn(settings: Settings, exists: (file: string) => boolean): InstalledHook[] {
  const found: InstalledHook[] = [];
  for (const [event, groups] of Object.entries(settings.hooks ?? {})) {
    if (!Array.isArray(groups)) continue;
    for (const group of groups) {
      for (const hook of Array.isArray(group?.hooks) ? group.hooks : []) {
        const matcher = typeof group.matcher === 'string' ? group.matcher : null;
        // An HTTP hook to baton serve: portable as a command on PATH is (no machine paths in it).
        if (hook?.type === 'http' && batonEventOf(hook) === event) {
          found.push({ event, command: String(hook.url), matcher, portable: true, missing: [] });
          continue;
        }
        if (!isBatonCommand(hook?.command) || batonHookEvent(hook.command) !== event) continue;
        const command = hook.command as string;
        found.push({ event, command, matcher, portable: /^baton\s/.test(command), missing: absolutePaths(command).filter((file) => !exists(file)) });
      }
    }
  }
  return found;
}

export function diagnoseHooks(files: readonly SettingsFile[], options: { exists: (file: string) => boolean; batonOnPath: string | null }): HooksDiagnosis {
  const problems: string[] = [];
  const settings = files.map((file): SettingsReport => {
    const hooks = file.settings ? hooksIn(file.settings, options.exists) : [];
    const statusLine = file.settings && isBatonCommand(file.settings.statusLine?.command) ? (file.settings.statusLine!.command as string) : null;
    if (file.problem) problems.push(`${file.label} ${file.problem}: Claude Code cannot use it either; fix it, then run \`baton hooks install\``);
    for (const hook of hooks) {
      if (hook.missing.length) problems.push(`${file.label}: the ${hook.event} hook runs ${hook.missing.join(' and ')}, which does not exist (stale): run \`baton hooks install\` with the baton you use now`);
      if (hook.portable && !hook.command.startsWith('http') && !options.batonOnPath) problems.push(`${file.label}: the ${hook.event} hook runs \`baton\`, which is not on PATH here: install baton (npm install -g) or run \`baton hooks install\` from a checkout`);
      if (file.scope === 'project' && !hook.portable) {
        problems.push(`${file.label} is shared through git, but its ${hook.event} hook names this machine's paths: run \`baton hooks install\` (it moves them to .claude/settings.local.json)`);
      }
      const expected = BATON_HOOKS.find((spec) => spec.event === hook.event)?.matcher ?? null;
      if (hook.matcher !== expected) problems.push(`${file.label}: the ${hook.event} hook's matcher is ${JSON.stringify(hook.matcher)}, this baton's is ${JSON.stringify(expected)} (an older install): run \`baton hooks install\``);
    }
    return { scope: file.scope, file: file.label, problem: file.problem, hooks, statusLine };
  });

  const projectScoped = settings.filter((report) => report.scope !== 'user');
  const installedEvents = new Set(projectScoped.flatMap((report) => report.hooks.map((hook) => hook.event)));
  const missingEvents = BATON_HOOKS.map((spec) => spec.event).filter((event) => !installedEvents.has(event));
  const pluginEnabled = enablesPlugin(files);
  if (installedEvents.size > 0 && missingEvents.length) problems.push(`baton's hooks are installed without ${missingEvents.join(', ')}: run \`baton hooks install\``);
  for (const spec of BATON_HOOKS) {
    const places = projectScoped.filter((report) => report.hooks.some((hook) => hook.event === spec.event));
    if (places.length > 1) problems.push(`the ${spec.event} hook is in ${places.map((report) => report.file).join(' and ')}: it runs twice; run \`baton hooks install\` (it keeps one)`);
  }
  if (installedEvents.size === 0 && !pluginEnabled) problems.push("no baton hooks here and the plugin is not enabled: Claude Code runs nothing of baton's; install the plugin (see the README) or run `baton hooks install` (a plugin loaded with --plugin-dir is not seen here)");
  return { settings, pluginEnabled, problems };
}
