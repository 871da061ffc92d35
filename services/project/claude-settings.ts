/**
 * Merging baton's hooks into Claude Code's settings.json: the user's other hooks and keys
 * are kept, a second install changes nothing, uninstall removes only baton's entries.
 */

/** The hook events baton handles, as Claude Code names them. */
export const HOOK_EVENTS = ['SessionStart', 'PreToolUse', 'PostToolUse', 'PreCompact', 'Stop', 'SessionEnd'] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

interface HookCommand {
  type: string;
  command?: string;
  url?: string;
  timeout?: number;
  [key: string]: unknown;
}

interface HookGroup {
  matcher?: string;
  hooks?: HookCommand[];
  [key: string]: unknown;
}

export type Settings = Record<string, unknown> & { hooks?: Record<string, HookGroup[]>; statusLine?: { type?: string; command?: string } };

/** String matchers (an object matcher is silently never fired); none where the event has none. */
export const BATON_HOOKS: { event: HookEventName; matcher?: string; timeout: number }[] = [
  { event: 'SessionStart', matcher: 'startup|resume|clear|compact', timeout: 60 },
  { event: 'PreToolUse', matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash', timeout: 10 },
  { event: 'PostToolUse', matcher: 'Write|Edit|MultiEdit|NotebookEdit', timeout: 10 },
  { event: 'PreCompact', matcher: 'manual|auto', timeout: 10 },
  { event: 'Stop', timeout: 60 },
  { event: 'SessionEnd', timeout: 30 },
];

const OURS = /baton(?:\.c?js)?["']?\s+(?:hook\s+(\w+)|statusline)\b/;

export function isBatonCommand(command: unknown): boolean {
  return typeof command === 'string' && OURS.test(command);
}

/** The event a baton hook command handles (`... baton hook Stop` -> Stop); null for anything else. */
export function batonHookEvent(command: unknown): string | null {
  return typeof command === 'string' ? (OURS.exec(command)?.[1] ?? null) : null;
}

/** Claude Code's matcher: a regular expression over the whole tool name (or source, trigger); none, "" or "*" matches everything. */
export function matcherMatches(matcher: unknown, value: string | undefined): boolean {
  if (matcher === undefined || matcher === '' || matcher === '*') return true;
  if (typeof matcher !== 'string' || value === undefined) return false;
  try {
    return new RegExp(`^(?:${matcher})$`).test(value);
  } catch {
    return false;
  }
}

/**
 * A command that runs baton itself, as baton's installs write it (`baton hook E`, or node and
 * baton's script by absolute path), not one that only mentions it: the plugin stands aside only
 * for these, so a clone's settings cannot switch the plugin's gate off with `true # baton hook PreToolUse`.
 */
const RUNS_BATON = /^(?:baton|"[^"]*"\s+"[^"]*\/baton(?:\.c?js)?"|node\s+"[^"]*\/baton\.c?js")\s+hook\s+(\w+)(?:\s+--serve)?\s*$/;

/** The event a hook entry runs baton for: a command as baton writes it, or an HTTP hook to the service's route. */
export function batonEventOf(hook: HookCommand | undefined): string | null {
  if (hook?.type === 'command' && typeof hook.command === 'string') return RUNS_BATON.exec(hook.command.trim())?.[1] ?? null;
  if (hook?.type === 'http' && typeof hook.url === 'string' && OUR_URL.test(hook.url)) return hook.url.slice(hook.url.lastIndexOf('/') + 1);
  return null;
}

/** Whether these settings run baton for this event and this tool name (or source, trigger). */
export function runsBatonFor(settings: Settings, event: HookEventName, value: string | undefined): boolean {
  const groups = settings.hooks?.[event];
  if (!Array.isArray(groups)) return false;
  return groups.some(
    (group) => matcherMatches(group?.matcher, value) && Array.isArray(group?.hooks) && group.hooks.some((hook) => batonEventOf(hook) === event),
  );
}

/**
 * The plugin's hooks/hooks.json, from the same table as `baton hooks install`. `--plugin` tells
 * baton it runs as the plugin, so it can stand aside for hooks the settings files also run.
 */
export function pluginHooks(): { description: string; hooks: Record<string, HookGroup[]> } {
  const hooks: Record<string, HookGroup[]> = {};
  for (const spec of BATON_HOOKS) {
    hooks[spec.event] = [{ ...(spec.matcher !== undefined ? { matcher: spec.matcher } : {}), hooks: [{ type: 'command', command: `node "\${CLAUDE_PLUGIN_ROOT}/dist/baton.cjs" hook ${spec.event} --plugin`, timeout: spec.timeout }] }];
  }
  return { description: "baton's session lifecycle: the entry protocol at SessionStart, the write gate, edits, compactions and the handoff", hooks };
}

/** baton's HTTP hooks: a POST to the service's hook route on loopback. */
const OUR_URL = /^http:\/\/(?:127\.0\.0\.1|localhost):\d+\/v1\/hooks\/\w+$/;

function isBatonHook(hook: HookCommand): boolean {
  return isBatonCommand(hook.command) || (hook.type === 'http' && typeof hook.url === 'string' && OUR_URL.test(hook.url));
}

function withoutBaton(groups: HookGroup[] | undefined): HookGroup[] {
  return (groups ?? [])
    .map((group) => ({ ...group, hooks: (group.hooks ?? []).filter((hook) => !isBatonHook(hook)) }))
    .filter((group) => group.hooks.length > 0);
}

export function uninstallHooks(settings: Settings): { settings: Settings; removed: number } {
  let removed = 0;
  const hooks: Record<string, HookGroup[]> = {};
  for (const [event, groups] of Object.entries(settings.hooks ?? {})) {
    const kept = withoutBaton(groups);
    removed += (groups ?? []).reduce((count, group) => count + (group.hooks ?? []).filter((hook) => isBatonHook(hook)).length, 0);
    if (kept.length) hooks[event] = kept;
  }
  const next: Settings = { ...settings, hooks };
  if (Object.keys(hooks).length === 0) delete next.hooks;
  if (isBatonCommand(settings.statusLine?.command)) {
    delete next.statusLine;
    removed += 1;
  }
  return { settings: next, removed };
}

/** The events Claude Code can send to the service (every one but SessionStart; SessionEnd stays a command, which starts no network). */
const HTTP_EVENTS: readonly HookEventName[] = ['PreToolUse', 'PostToolUse', 'PreCompact', 'Stop'];

/**
 * `http`: the per-call hooks as Claude Code's HTTP hooks to `baton serve` on this port, the secret
 * from the environment variable; the gate's with `onFailure: "block"`, so a service that is down
 * never opens it. SessionStart stays a command and starts the service (`--serve`).
 */
export interface HttpHooksOptions {
  port: number;
  secretEnv: string;
  /** The project the hooks are installed in: named in every request, as CLAUDE_PROJECT_DIR names it to a command hook, so the agent's `cd` never changes which project the gate guards. */
  project: string;
}

function hookEntry(spec: (typeof BATON_HOOKS)[number], command: (args: string) => string, http: HttpHooksOptions | undefined): HookCommand {
  if (!http) return { type: 'command', command: command(`hook ${spec.event}`), timeout: spec.timeout };
  if (spec.event === 'SessionStart') return { type: 'command', command: command('hook SessionStart --serve'), timeout: spec.timeout };
  if (!HTTP_EVENTS.includes(spec.event)) return { type: 'command', command: command(`hook ${spec.event}`), timeout: spec.timeout };
  return {
    type: 'http',
    url: `http://127.0.0.1:${http.port}/v1/hooks/${spec.event}`,
    headers: { Authorization: `Bearer $${http.secretEnv}`, 'X-Baton-Project': http.project },
    allowedEnvVars: [http.secretEnv],
    timeout: spec.timeout,
    ...(spec.event === 'PreToolUse' ? { onFailure: 'block' } : {}),
  };
}

export function installHooks(settings: Settings, command: (args: string) => string, options: { statusLine: boolean; http?: HttpHooksOptions }): { settings: Settings; statusLineKept: boolean } {
  const { settings: clean } = uninstallHooks(settings);
  const hooks: Record<string, HookGroup[]> = { ...(clean.hooks ?? {}) };
  for (const spec of BATON_HOOKS) {
    const group: HookGroup = { ...(spec.matcher !== undefined ? { matcher: spec.matcher } : {}), hooks: [hookEntry(spec, command, options.http)] };
    hooks[spec.event] = [...(hooks[spec.event] ?? []), group];
  }
  const next: Settings = { ...clean, hooks };
  const userStatusLine = clean.statusLine !== undefined;
  if (options.statusLine && !userStatusLine) next.statusLine = { type: 'command', command: command('statusline') };
  return { settings: next, statusLineKept: options.statusLine && userStatusLine };
}
