/**
 * baton as a user installs it: the packed npm tarball, installed on a clean prefix with no
 * checkout on PATH, runs a whole session with its hooks; npx runs it from the tarball; the
 * Claude Code plugin's files are whole and agree with the package; and run as the plugin,
 * a hook stands aside where a settings file already runs baton, so no hook runs twice.
 */
import { execa } from 'execa';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOP_STATES } from '../machines/session.js';
import { skillFor } from '../machines/skills.js';
import { baton, brokenProject, makeProject, PATH_WITH_BATON, REPO_ROOT, TEST_CLAUDE_HOME, type Project } from './helpers.js';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
let work: string;
let tarball: string;
let prefix: string;
/** What a user's shell has after `npm install -g`: the prefix's bin, and the system's; no checkout. */
let userPath: string;

beforeAll(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'baton-package-')));
  // dist/ is fresh (test/global-setup.ts): pack it as it is rather than building again.
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, env: { npm_config_cache: path.join(work, 'npm-cache') } });
  tarball = path.join(work, JSON.parse(packed.stdout)[0].filename);
  prefix = path.join(work, 'prefix');
  await execa('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { env: { npm_config_cache: path.join(work, 'npm-cache') } });
  userPath = [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
}, 120_000);

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** The installed baton, as the user's shell finds it. */
function installed(args: string[], project: Project, input?: object) {
  return execa('baton', args, { cwd: project.dir, env: { PATH: userPath, CLAUDE_CONFIG_DIR: TEST_CLAUDE_HOME, XDG_CONFIG_HOME: path.join(work, 'config'), NO_COLOR: '1' }, extendEnv: false, reject: false, ...(input ? { input: JSON.stringify(input) } : {}) });
}

/** A hook command as Claude Code runs it: through the shell, with the project named in the environment. */
function runHookCommand(command: string, project: Project, input: object) {
  return execa(command, { shell: true, cwd: project.dir, env: { PATH: userPath, CLAUDE_PROJECT_DIR: project.dir, CLAUDE_CONFIG_DIR: TEST_CLAUDE_HOME, XDG_CONFIG_HOME: path.join(work, 'config') }, extendEnv: false, input: JSON.stringify(input), reject: false });
}

const payload = (project: Project, event: string, extra: object = {}) => ({ session_id: 'pkg-session', transcript_path: project.file('transcript.jsonl'), cwd: project.dir, hook_event_name: event, ...extra });

describe('the npm package', () => {
  it('holds what runs and nothing else: the bundle, the plugin, the skills, no sources, tests or source maps, no runtime dependencies', async () => {
    const files = (await execa('tar', ['-tzf', tarball])).stdout.split('\n').map((file) => file.replace(/^package\//, ''));
    for (const file of ['dist/baton.cjs', 'dist/hook-fast.cjs', 'dist/cli.js', 'bin/baton', 'hooks/hooks.json', '.claude-plugin/plugin.json', 'schema/project.schema.json', 'LICENSE', 'README.md']) expect(files).toContain(file);
    for (const state of TOP_STATES) expect(files).toContain(`skills/${skillFor(state).replace(/\/$/, '')}/SKILL.md`);
    expect(files.filter((file) => /^(test|machines|services|actors|cli|visualize|bench|demo)\//.test(file) || file.endsWith('.ts') || file.endsWith('.map'))).toEqual([]);
    const packed = JSON.parse((await execa('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
    expect(packed.dependencies ?? {}).toEqual({});
    expect((await fs.stat(tarball)).size).toBeLessThan(1024 * 1024);
  });

  it('installed globally on a clean prefix, runs a whole session from the hooks it installs', async () => {
    const project = await makeProject();
    expect((await installed(['--version'], project)).stdout).toBe(pkg.version);
    const init = await installed(['init'], project);
    expect(init.exitCode, init.stderr).toBe(0);
    // baton is on PATH: portable commands, in the settings file the team shares.
    const settings = await project.readJson('.claude/settings.json');
    expect(settings.hooks.SessionStart[0].hooks[0].command).toBe('baton hook SessionStart');
    const hookCommand = (event: string) => settings.hooks[event][0].hooks[0].command as string;

    const start = await runHookCommand(hookCommand('SessionStart'), project, payload(project, 'SessionStart', { source: 'startup' }));
    expect(start.exitCode, start.stderr).toBe(0);
    const context = JSON.parse(start.stdout).hookSpecificOutput.additionalContext as string;
    expect(context).toContain('INIT');
    // The skill the context names is a file the package installed.
    const skill = /Skill to load: read (\S+)/.exec(context)?.[1];
    expect(skill).toBe(path.join(prefix, 'lib', 'node_modules', pkg.name, 'skills', 'initialization', 'SKILL.md'));
    expect(existsSync(skill!)).toBe(true);

    expect((await installed(['features', 'add', 'User can log in', '--id', 'login'], project)).exitCode).toBe(0);
    expect((await installed(['send', 'FEATURES_DEFINED'], project)).exitCode).toBe(0);
    expect((await installed(['features', 'start', 'login'], project)).exitCode).toBe(0);
    const write = { tool_name: 'Write', tool_input: { file_path: project.file('src/login.js'), content: 'x' } };
    expect((await runHookCommand(hookCommand('PreToolUse'), project, payload(project, 'PreToolUse', write))).exitCode).toBe(0);
    expect((await runHookCommand(hookCommand('PostToolUse'), project, payload(project, 'PostToolUse', { ...write, tool_response: {} }))).exitCode).toBe(0);
    expect((await installed(['features', 'implemented', 'login'], project)).exitCode).toBe(0);
    expect((await installed(['send', 'TESTS_PASSED', '--data', '{"featureId":"login"}'], project)).exitCode).toBe(0);
    const stop = await runHookCommand(hookCommand('Stop'), project, payload(project, 'Stop', { stop_hook_active: false }));
    expect(stop.exitCode, stop.stderr).toBe(0);
    const status = JSON.parse((await installed(['status', '--json'], project)).stdout);
    expect(status).toMatchObject({ state: 'COMPLETE' });
    expect(await project.readJson('.claude/progress/file_history.json')).toEqual(['src/login.js']);
    expect((await fs.readdir(project.file('.claude/progress/summaries'))).length).toBeGreaterThan(0);
    const doctor = await installed(['doctor'], project);
    expect(doctor.stdout).toContain('No problems found.');
    expect(doctor.exitCode).toBe(0);
  });

  it('npx runs it from the tarball, with no network and an empty cache', async () => {
    const run = await execa('npx', ['--yes', '--package', tarball, 'baton', '--version'], { cwd: work, env: { npm_config_cache: path.join(work, 'npx-cache'), npm_config_offline: 'true' }, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });
});

describe('the Claude Code plugin', () => {
  it("its manifest and marketplace agree with the package: one name, one version, the package as the plugin's source", () => {
    const plugin = JSON.parse(readFileSync(path.join(REPO_ROOT, '.claude-plugin', 'plugin.json'), 'utf8'));
    const marketplace = JSON.parse(readFileSync(path.join(REPO_ROOT, '.claude-plugin', 'marketplace.json'), 'utf8'));
    expect(plugin.version).toBe(pkg.version);
    expect(marketplace.plugins).toEqual([expect.objectContaining({ name: plugin.name, source: { source: 'npm', package: pkg.name } })]);
    expect(marketplace.owner.name).toBeTruthy();
  });

  it("has a skill for every state, each a page with the frontmatter Claude Code reads and baton's own commands", () => {
    for (const state of TOP_STATES) {
      const name = skillFor(state).replace(/\/$/, '');
      const text = readFileSync(path.join(REPO_ROOT, 'skills', name, 'SKILL.md'), 'utf8');
      expect(text).toMatch(new RegExp(`^---\\nname: ${name}\\ndescription: .{40,}\\n---\\n`));
      expect(text).toContain('baton ');
      expect(text.split('\n').length).toBeLessThan(80);
    }
  });

  it("bin/baton runs the package's own executable, for the agent's shell", async () => {
    const run = await execa(path.join(REPO_ROOT, 'bin', 'baton'), ['--version'], { reject: false });
    expect(run.stdout).toBe(pkg.version);
  });
});

describe('run as the plugin (--plugin)', () => {
  const protectedWrite = (project: Project) => JSON.stringify(payload(project, 'PreToolUse', { tool_name: 'Write', tool_input: { file_path: project.file('src/app.js'), content: 'x' } }));

  it('guards alone; once the settings run baton too, the plugin stands aside and the settings hook guards: one refusal per call', async () => {
    const project = await brokenProject();
    const alone = await baton(['hook', 'PreToolUse', '--plugin'], { cwd: project.dir, input: protectedWrite(project) });
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain('blocked Write');

    await baton(['hooks', 'install'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    const plugin = await baton(['hook', 'PreToolUse', '--plugin'], { cwd: project.dir, input: protectedWrite(project) });
    expect({ exit: plugin.exitCode, stdout: plugin.stdout, stderr: plugin.stderr }).toEqual({ exit: 0, stdout: '', stderr: '' });
    const fromSettings = await baton(['hook', 'PreToolUse'], { cwd: project.dir, input: protectedWrite(project) });
    expect(fromSettings.exitCode).toBe(2);
    const refusals = (await project.read('.claude/progress/gate-refusals.jsonl')).trim().split('\n');
    expect(refusals).toHaveLength(2);
  });

  it("a clone's settings that only mention baton (`true # baton hook PreToolUse`) do not switch the plugin's gate off", async () => {
    const project = await brokenProject();
    await project.write('.claude/settings.json', { hooks: { PreToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: 'true # baton hook PreToolUse' }] }] } });
    const plugin = await baton(['hook', 'PreToolUse', '--plugin'], { cwd: project.dir, input: protectedWrite(project) });
    expect(plugin.exitCode).toBe(2);
  });

  it("SessionStart gives the context once, and names the skill as Claude Code knows the plugin's: baton:<skill>", async () => {
    // The health check passes at this SessionStart, so the session goes on in IMPLEMENT.
    const project = await brokenProject();
    const start = JSON.stringify(payload(project, 'SessionStart', { source: 'startup' }));
    const alone = await baton(['hook', 'SessionStart', '--plugin'], { cwd: project.dir, input: start });
    expect(JSON.parse(alone.stdout).hookSpecificOutput.additionalContext).toContain("Skill to load: baton:implementation (a skill of baton's plugin)");

    await baton(['hooks', 'install', '--local'], { cwd: project.dir });
    const standing = await baton(['hook', 'SessionStart', '--plugin'], { cwd: project.dir, input: start });
    expect({ exit: standing.exitCode, stdout: standing.stdout }).toEqual({ exit: 0, stdout: '' });
    // A tool the settings hook does not match is still the plugin's to guard.
    const notMatched = await baton(['hook', 'PostToolUse', '--plugin'], { cwd: project.dir, input: JSON.stringify(payload(project, 'PostToolUse', { tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: {} })) });
    expect(notMatched.exitCode).toBe(0);
  });

  it("a project's own skill overrides the plugin's in the context", async () => {
    const project = await brokenProject();
    await project.write('.claude/skills/implementation/SKILL.md', '---\nname: implementation\ndescription: ours\n---\n');
    const start = await baton(['hook', 'SessionStart', '--plugin'], { cwd: project.dir, input: JSON.stringify(payload(project, 'SessionStart', { source: 'startup' })) });
    expect(JSON.parse(start.stdout).hookSpecificOutput.additionalContext).toContain("Skill to load: implementation (the project's own, .claude/skills/implementation)");
  });
});
