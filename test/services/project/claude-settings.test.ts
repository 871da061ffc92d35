/** baton's hooks table: the install and the plugin's hooks/hooks.json come from it, and cannot drift apart. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATON_HOOKS, batonHookEvent, installHooks, matcherMatches, pluginHooks, runsBatonFor, uninstallHooks } from '../../../services/project/claude-settings.js';
import { REPO_ROOT } from '../../helpers.js';

describe("the plugin's hooks", () => {
  it('hooks/hooks.json is what the table gives (run `npm run plugin` after changing the table)', () => {
    expect(JSON.parse(readFileSync(path.join(REPO_ROOT, 'hooks', 'hooks.json'), 'utf8'))).toEqual(pluginHooks());
  });

  it('has the same events, matchers and timeouts as `baton hooks install`, run through the plugin root with --plugin', () => {
    const installed = installHooks({}, (args) => `baton ${args}`, { statusLine: false }).settings.hooks!;
    const plugin = pluginHooks().hooks;
    expect(Object.keys(plugin)).toEqual(Object.keys(installed));
    for (const spec of BATON_HOOKS) {
      const [group] = plugin[spec.event]!;
      expect(group!.matcher).toBe(installed[spec.event]![0]!.matcher);
      expect(group!.hooks![0]!.timeout).toBe(spec.timeout);
      expect(group!.hooks![0]!.command).toBe(`node "\${CLAUDE_PLUGIN_ROOT}/dist/baton.cjs" hook ${spec.event} --plugin`);
      expect(batonHookEvent(group!.hooks![0]!.command)).toBe(spec.event);
    }
  });
});

describe('which settings run baton for a call', () => {
  it("reads Claude Code's matchers as whole-name regular expressions; none, empty or * match all", () => {
    expect(matcherMatches('Write|Edit', 'Edit')).toBe(true);
    expect(matcherMatches('Write|Edit', 'NotebookEdit')).toBe(false);
    expect(matcherMatches(undefined, 'Bash')).toBe(true);
    expect(matcherMatches('*', 'Bash')).toBe(true);
    expect(matcherMatches('', undefined)).toBe(true);
    expect(matcherMatches('(', 'Bash')).toBe(false);
    expect(matcherMatches({ tool: 'Bash' }, 'Bash')).toBe(false);
  });

  it('finds baton for an event only where the matcher lets the call through', () => {
    const settings = installHooks({}, (args) => `baton ${args}`, { statusLine: false }).settings;
    expect(runsBatonFor(settings, 'PreToolUse', 'Bash')).toBe(true);
    expect(runsBatonFor(settings, 'PostToolUse', 'Bash')).toBe(false);
    expect(runsBatonFor(settings, 'Stop', undefined)).toBe(true);
    expect(runsBatonFor({ hooks: { PreToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: 'baton hook PostToolUse' }] }] } }, 'PreToolUse', 'Write')).toBe(false);
    expect(runsBatonFor({ hooks: { PreToolUse: 'nonsense' as never } }, 'PreToolUse', 'Write')).toBe(false);
    expect(runsBatonFor({}, 'SessionStart', 'startup')).toBe(false);
  });

  it("counts only commands that run baton, as its installs write them: a clone's command that merely mentions baton does not make the plugin stand aside", () => {
    const settings = (command: string, type = 'command') => ({ hooks: { PreToolUse: [{ matcher: 'Write', hooks: [{ type, command }] }] } });
    expect(runsBatonFor(settings('baton hook PreToolUse'), 'PreToolUse', 'Write')).toBe(true);
    expect(runsBatonFor(settings('"/usr/bin/node" "/home/me/baton/dist/baton.cjs" hook PreToolUse'), 'PreToolUse', 'Write')).toBe(true);
    expect(runsBatonFor(settings('"/usr/bin/node" "/opt/baton/dist/baton.js" hook PreToolUse'), 'PreToolUse', 'Write')).toBe(true);
    for (const decoy of ['true # baton hook PreToolUse', 'echo baton hook PreToolUse', 'baton hook PreToolUse; exit 0', 'baton hook PreToolUse || true', '"/tmp/evil" "/x/notbaton.cjs" hook PreToolUse']) {
      expect(runsBatonFor(settings(decoy), 'PreToolUse', 'Write'), decoy).toBe(false);
    }
    expect(runsBatonFor(settings('baton hook PreToolUse', 'http'), 'PreToolUse', 'Write')).toBe(false);
  });
});

describe('HTTP hooks (`hooks install --http`)', () => {
  const http = installHooks({}, (args) => `baton ${args}`, { statusLine: true, http: { port: 7411, secretEnv: 'BATON_SERVE_SECRET', project: '/home/me/app' } }).settings;
  const entry = (event: string) => http.hooks![event]![0]!.hooks![0]!;

  it('sends the per-call hooks to the service, the gate failing closed; SessionStart starts the service; SessionEnd stays a command', () => {
    expect(entry('PreToolUse')).toEqual({ type: 'http', url: 'http://127.0.0.1:7411/v1/hooks/PreToolUse', headers: { Authorization: 'Bearer $BATON_SERVE_SECRET', 'X-Baton-Project': '/home/me/app' }, allowedEnvVars: ['BATON_SERVE_SECRET'], timeout: 10, onFailure: 'block' });
    for (const event of ['PostToolUse', 'PreCompact', 'Stop']) expect(entry(event)).toMatchObject({ type: 'http', url: `http://127.0.0.1:7411/v1/hooks/${event}` });
    for (const event of ['PostToolUse', 'PreCompact', 'Stop']) expect(entry(event).onFailure).toBeUndefined();
    expect(entry('SessionStart')).toMatchObject({ type: 'command', command: 'baton hook SessionStart --serve' });
    expect(entry('SessionEnd')).toMatchObject({ type: 'command', command: 'baton hook SessionEnd' });
  });

  it('names the secret by its variable only, and counts as baton for the plugin to stand aside; uninstall takes them all out', () => {
    expect(JSON.stringify(http)).not.toMatch(/[0-9a-f]{64}/);
    expect(runsBatonFor(http, 'PreToolUse', 'Bash')).toBe(true);
    expect(runsBatonFor(http, 'SessionStart', 'startup')).toBe(true);
    expect(uninstallHooks(http).settings).toEqual({});
  });
});
