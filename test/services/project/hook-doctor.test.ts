/** What `baton doctor` says of the settings files: each stale or risky install is named with what to run. */
import { describe, expect, it } from 'vitest';
import { installHooks, type Settings } from '../../../services/project/claude-settings.js';
import { diagnoseHooks } from '../../../services/project/hook-doctor.js';
import type { SettingsFile } from '../../../services/project/installed-hooks.js';

const portable = installHooks({}, (args) => `baton ${args}`, { statusLine: true }).settings;
const absolute = installHooks({}, (args) => `"/usr/bin/node" "/home/me/baton/dist/baton.cjs" ${args}`, { statusLine: false }).settings;

function files(project: Settings | null, local: Settings | null = null, user: Settings | null = null): SettingsFile[] {
  return [
    { scope: 'user', label: '~/.claude/settings.json', file: '/home/me/.claude/settings.json', settings: user, problem: null },
    { scope: 'project', label: '.claude/settings.json', file: '/p/.claude/settings.json', settings: project, problem: null },
    { scope: 'local', label: '.claude/settings.local.json', file: '/p/.claude/settings.local.json', settings: local, problem: null },
  ];
}

const everything = () => true;

describe('diagnoseHooks', () => {
  it('a portable install with baton on PATH: no problems, every event and the status line seen', () => {
    const diagnosis = diagnoseHooks(files(portable), { exists: everything, batonOnPath: '/usr/lib/node_modules/baton-cli/dist/baton.cjs' });
    expect(diagnosis.problems).toEqual([]);
    expect(diagnosis.settings[1]!.hooks.map((hook) => hook.event)).toEqual(['SessionStart', 'PreToolUse', 'PostToolUse', 'PreCompact', 'Stop', 'SessionEnd']);
    expect(diagnosis.settings[1]!.statusLine).toBe('baton statusline');
  });

  it('absolute paths in the shared settings.json: named, with the command that moves them', () => {
    const { problems } = diagnoseHooks(files(absolute), { exists: everything, batonOnPath: null });
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/\.claude\/settings\.json is shared through git, but its SessionStart hook names this machine's paths: run `baton hooks install`/);
  });

  it('a checkout that moved: every hook that runs a missing file is stale', () => {
    const { problems } = diagnoseHooks(files(null, absolute), { exists: (file) => file === '/usr/bin/node', batonOnPath: null });
    expect(problems.filter((problem) => problem.includes('/home/me/baton/dist/baton.cjs, which does not exist (stale)'))).toHaveLength(6);
  });

  it('portable hooks where baton is not on PATH', () => {
    const { problems } = diagnoseHooks(files(portable), { exists: everything, batonOnPath: null });
    expect(problems[0]).toMatch(/runs `baton`, which is not on PATH here/);
  });

  it('an older install: a missing event and a matcher that differs from the table', () => {
    const old: Settings = { hooks: { PreToolUse: [{ matcher: 'Write|Edit', hooks: [{ type: 'command', command: 'baton hook PreToolUse' }] }], SessionStart: [{ matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: 'baton hook SessionStart' }] }] } };
    const { problems } = diagnoseHooks(files(old), { exists: everything, batonOnPath: '/x/baton' });
    expect(problems).toContain('.claude/settings.json: the PreToolUse hook\'s matcher is "Write|Edit", this baton\'s is "Write|Edit|MultiEdit|NotebookEdit|Bash" (an older install): run `baton hooks install`');
    expect(problems.some((problem) => problem.startsWith("baton's hooks are installed without PostToolUse, PreCompact, Stop, SessionEnd"))).toBe(true);
  });

  it('the same hook in both project files runs twice', () => {
    const { problems } = diagnoseHooks(files(portable, portable), { exists: everything, batonOnPath: '/x/baton' });
    expect(problems).toContain('the Stop hook is in .claude/settings.json and .claude/settings.local.json: it runs twice; run `baton hooks install` (it keeps one)');
  });

  it('nothing installed and no plugin: says Claude Code runs nothing of baton; the plugin enabled is enough', () => {
    expect(diagnoseHooks(files(null), { exists: everything, batonOnPath: null }).problems[0]).toMatch(/^no baton hooks here and the plugin is not enabled/);
    const withPlugin = diagnoseHooks(files(null, null, { enabledPlugins: { 'baton@baton': true } }), { exists: everything, batonOnPath: null });
    expect(withPlugin).toMatchObject({ pluginEnabled: true, problems: [] });
  });

  it('HTTP hooks to baton serve count as installed, with their commands for SessionStart and SessionEnd', () => {
    const http = installHooks({}, (args) => `baton ${args}`, { statusLine: false, http: { port: 7411, secretEnv: 'BATON_SERVE_SECRET', project: '/home/me/app' } }).settings;
    const diagnosis = diagnoseHooks(files(null, http), { exists: everything, batonOnPath: '/x/baton' });
    expect(diagnosis.problems).toEqual([]);
    expect(diagnosis.settings[2]!.hooks.map((hook) => [hook.event, hook.command])).toContainEqual(['PreToolUse', 'http://127.0.0.1:7411/v1/hooks/PreToolUse']);
  });

  it('a settings file Claude Code cannot read is a problem of its own', () => {
    const broken = files(null);
    broken[1] = { ...broken[1]!, problem: 'is not valid JSON (Unexpected end of JSON input)' };
    expect(diagnoseHooks(broken, { exists: everything, batonOnPath: null }).problems[0]).toBe('.claude/settings.json is not valid JSON (Unexpected end of JSON input): Claude Code cannot use it either; fix it, then run `baton hooks install`');
  });
});
