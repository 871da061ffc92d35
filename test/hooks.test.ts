/**
 * baton as Claude Code drives it: hook payloads shaped like the SDK's HookInput types,
 * piped into the built CLI, checking exit code, stdout and stderr as Claude Code reads them.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { PostToolUseHookInput, PreCompactHookInput, PreToolUseHookInput, SessionStartHookInput, StopHookInput } from '@anthropic-ai/claude-agent-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { baton, CLI, configure, features, makeProject, PATH_WITH_BATON, REPO_ROOT, type Project } from './helpers.js';

const base = (project: Project, sessionId = 'session-1') => ({
  session_id: sessionId,
  transcript_path: project.file('transcript.jsonl'),
  cwd: project.dir,
  permission_mode: 'default',
});

function hook(project: Project, event: string, input: object) {
  return baton(['hook', event], { cwd: project.dir, input: JSON.stringify(input) });
}

const preToolUse = (project: Project, tool_name: string, tool_input: Record<string, unknown>): PreToolUseHookInput => ({
  ...base(project),
  hook_event_name: 'PreToolUse',
  tool_name,
  tool_input,
  tool_use_id: 'toolu_1',
});

/** A project in FIX_BROKEN; `config` is its project.json from before the breakage. */
async function brokenProject(config?: object): Promise<Project> {
  const project = await makeProject();
  if (config) await project.write('.claude/config/project.json', config);
  await project.write('src/app.js', 'export {}\n');
  await project.write('node_modules/x/src/y.js', 'x\n');
  await fs.symlink('src', project.file('lib'));
  await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
  await baton(['entry'], { cwd: project.dir });
  await baton(['send', 'HEALTH_BROKEN', '--data', '{"reason":"the dev server does not start"}'], { cwd: project.dir });
  return project;
}

describe('PreToolUse: the gate', () => {
  let project: Project;
  beforeAll(async () => {
    project = await brokenProject();
  });

  const blocked: [string, string, Record<string, unknown> | ((p: Project) => Record<string, unknown>)][] = [
    ['Write, absolute path', 'Write', (p) => ({ file_path: p.file('src/app.js'), content: 'x' })],
    ['Edit, relative path', 'Edit', { file_path: 'src/app.js', old_string: 'a', new_string: 'b' }],
    ['MultiEdit', 'MultiEdit', (p) => ({ file_path: p.file('src/new/deep.js'), edits: [] })],
    ['NotebookEdit (notebook_path)', 'NotebookEdit', (p) => ({ notebook_path: p.file('src/n.ipynb'), new_source: '' })],
    ['a symlink into src', 'Write', (p) => ({ file_path: p.file('lib/app.js'), content: 'x' })],
    ['.. that lands in src', 'Write', (p) => ({ file_path: p.file('docs/../src/app.js'), content: 'x' })],
    ['Bash redirection', 'Bash', { command: 'echo "export const x = 1" > src/app.js' }],
    ['Bash append without spaces', 'Bash', { command: 'echo x >>src/app.js' }],
    ['Bash tee', 'Bash', { command: 'cat notes.txt | tee -a src/app.js' }],
    ['Bash sed -i', 'Bash', { command: "sed -i 's/a/b/' src/app.js" }],
    ['Bash cd then sed -i', 'Bash', { command: 'cd src && sed -i.bak s/a/b/ app.js' }],
    ['Bash cp into src', 'Bash', { command: 'cp /tmp/x.js src/' }],
    ['Bash mv out of src', 'Bash', { command: 'mv src/app.js app.js' }],
    ['Bash rm -rf src', 'Bash', { command: 'rm -rf src' }],
    ['Bash git checkout -- path', 'Bash', { command: 'git checkout -- src/app.js' }],
    ['Bash git restore', 'Bash', { command: 'git restore --source HEAD~1 src/app.js' }],
    ['Bash quoted path', 'Bash', { command: `printf 'x' > "src/my file.js"` }],
  ];
  for (const [name, tool, input] of blocked) {
    it(`blocks ${name}: exit 2, why on stderr, nothing on stdout`, async () => {
      const result = await hook(project, 'PreToolUse', preToolUse(project, tool, typeof input === 'function' ? input(project) : input));
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/baton: blocked \w+ writing src(\/[^(]*)? \(protected by "src\/\*\*"\): the app's health check is BROKEN \(the dev server does not start\)/);
      expect(result.stderr).toContain('baton send HEALTH_FIXED');
    });
  }

  const allowed: [string, string, Record<string, unknown> | ((p: Project) => Record<string, unknown>)][] = [
    ['a file outside src', 'Write', (p) => ({ file_path: p.file('test/app.test.js'), content: 'x' })],
    ['node_modules/x/src is not the project src', 'Write', (p) => ({ file_path: p.file('node_modules/x/src/y.js'), content: 'x' })],
    ['a path outside the project', 'Write', { file_path: '/tmp/baton-elsewhere/src/a.js', content: 'x' }],
    ['.. that leaves src', 'Edit', (p) => ({ file_path: p.file('src/../README.md'), old_string: 'a', new_string: 'b' })],
    ['Read is not a write', 'Read', (p) => ({ file_path: p.file('src/app.js') })],
    ['Bash reading src', 'Bash', { command: 'cat src/app.js | grep export > /tmp/out.txt; ls -la src' }],
    ['Bash redirect to /dev/null and fd 2', 'Bash', { command: 'node src/app.js > /dev/null 2>&1' }],
    ['Bash writing a test', 'Bash', { command: 'echo x > test/a.test.js' }],
  ];
  for (const [name, tool, input] of allowed) {
    it(`allows ${name}: exit 0, no output`, async () => {
      const result = await hook(project, 'PreToolUse', preToolUse(project, tool, typeof input === 'function' ? input(project) : input));
      expect([result.exitCode, result.stdout, result.stderr]).toEqual([0, '', '']);
    });
  }

  it('a healthy app lets everything through without a word', async () => {
    const healthy = await makeProject();
    await baton(['entry'], { cwd: healthy.dir });
    const result = await hook(healthy, 'PreToolUse', preToolUse(healthy, 'Write', { file_path: healthy.file('src/a.js'), content: '' }));
    expect([result.exitCode, result.stdout, result.stderr]).toEqual([0, '', '']);
  });

  it('when state.json cannot be read, protected writes are refused (fail closed) and others pass', async () => {
    const unreadable = await brokenProject();
    await fs.writeFile(unreadable.file('.claude/progress/state.json'), '{"state": "IMPL');
    const refused = await hook(unreadable, 'PreToolUse', preToolUse(unreadable, 'Write', { file_path: 'src/app.js', content: '' }));
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('baton cannot read its state');
    const other = await hook(unreadable, 'PreToolUse', preToolUse(unreadable, 'Write', { file_path: 'test/x.js', content: '' }));
    expect(other.exitCode).toBe(0);
  });

  it('malformed input while broken fails closed; protected_paths from the config apply', async () => {
    const bad = await baton(['hook', 'PreToolUse'], { cwd: project.dir, input: 'not json', env: { CLAUDE_PROJECT_DIR: project.dir } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('hook input could not be read');
    const custom = await brokenProject({ protected_paths: ['app/**', '*.config.js'] });
    expect((await hook(custom, 'PreToolUse', preToolUse(custom, 'Write', { file_path: 'src/app.js' }))).exitCode).toBe(0);
    expect((await hook(custom, 'PreToolUse', preToolUse(custom, 'Write', { file_path: 'vite.config.js' }))).exitCode).toBe(2);
  });
});

describe('the other hooks', () => {
  it('PostToolUse keeps recent files most recent first, without duplicates, bounded', async () => {
    const project = await makeProject();
    const edit = (file: string): PostToolUseHookInput => ({ ...base(project), hook_event_name: 'PostToolUse', tool_name: 'Edit', tool_input: { file_path: project.file(file) }, tool_response: {}, tool_use_id: 't' });
    for (const file of ['src/a.js', 'src/b.js', 'src/a.js', 'README.md']) expect((await hook(project, 'PostToolUse', edit(file))).exitCode).toBe(0);
    expect(await project.readJson('.claude/progress/file_history.json')).toEqual(['README.md', 'src/a.js', 'src/b.js']);
    for (let i = 0; i < 55; i += 1) await project.write('.claude/progress/file_history.json', Array.from({ length: 55 }, (_, n) => `f${n}.js`));
    await hook(project, 'PostToolUse', edit('new.js'));
    const history = await project.readJson('.claude/progress/file_history.json');
    expect(history).toHaveLength(50);
    expect(history[0]).toBe('new.js');
    const report = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    expect(report.recent_files).toEqual(['new.js', 'f0.js', 'f1.js', 'f2.js', 'f3.js']);
  });

  it('malformed input gets a clear message and a non-blocking exit', async () => {
    const project = await makeProject();
    const result = await baton(['hook', 'PostToolUse'], { cwd: project.dir, input: '{"tool_name": 7}', env: { CLAUDE_PROJECT_DIR: project.dir } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('"tool_name" must be a string');
    const unknown = await baton(['hook', 'Nope'], { cwd: project.dir, input: '{}' });
    expect(unknown.exitCode).toBe(1);
  });

  it('SessionStart returns the context the agent needs as additionalContext', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', { features: [{ id: 'login', description: 'User can log in', status: 'pending' }] });
    const input: SessionStartHookInput = { ...base(project), hook_event_name: 'SessionStart', source: 'startup' };
    const result = await hook(project, 'SessionStart', input);
    expect(result.exitCode).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.hookSpecificOutput.hookEventName).toBe('SessionStart');
    const context: string = output.hookSpecificOutput.additionalContext;
    expect(context).toContain('IMPLEMENT - 1 of 1 features open. Health: HEALTHY');
    expect(context).toContain('Do now: work on feature "login": User can log in');
    // No plugin here: the skill is the file baton ships.
    expect(context).toContain(`Skill to load: read ${path.join(REPO_ROOT, 'skills', 'implementation', 'SKILL.md')}`);
    expect(context.length).toBeLessThan(1500);
  });

  it('SessionStart on a broken app says so and gives the ways out', async () => {
    const project = await makeProject();
    await configure(project, { health_check: 'exit 1' });
    const result = await hook(project, 'SessionStart', { ...base(project), hook_event_name: 'SessionStart', source: 'resume' });
    const context: string = JSON.parse(result.stdout).hookSpecificOutput.additionalContext;
    expect(context).toContain('The app is BROKEN. Do not start feature work');
    expect(context).toContain('baton send HEALTH_FIXED');
    expect(context).toContain('baton entry --force');
  });

  it('PreCompact counts compressions, Stop hands off (twice is the same as once) and sums tokens', async () => {
    const project = await makeProject();
    await hook(project, 'SessionStart', { ...base(project), hook_event_name: 'SessionStart', source: 'startup' });
    const compact = (trigger: 'manual' | 'auto'): PreCompactHookInput => ({ ...base(project), hook_event_name: 'PreCompact', trigger, custom_instructions: null });
    await hook(project, 'PreCompact', compact('auto'));
    await hook(project, 'PreCompact', compact('manual'));
    await project.write(
      'transcript.jsonl',
      [
        { type: 'assistant', message: { id: 'm1', usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 1000 } } },
        { type: 'assistant', message: { id: 'm1', usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 1000 } } },
        { type: 'assistant', message: { id: 'm2', usage: { input_tokens: 5, output_tokens: 7 } } },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const stop: StopHookInput = { ...base(project), hook_event_name: 'Stop', stop_hook_active: false };
    expect((await hook(project, 'Stop', stop)).exitCode).toBe(0);
    const summaries = await fs.readdir(project.file('.claude/progress/summaries'));
    const first = await project.read(path.join('.claude/progress/summaries', summaries[0]!));
    const metricsBefore = await project.read('.claude/progress/metrics.json');
    expect((await hook(project, 'Stop', stop)).exitCode).toBe(0);
    expect(await fs.readdir(project.file('.claude/progress/summaries'))).toEqual(summaries);
    expect(await project.read(path.join('.claude/progress/summaries', summaries[0]!))).toBe(first);
    expect(await project.read('.claude/progress/metrics.json')).toBe(metricsBefore);
    const metrics = (await baton(['metrics', '--json'], { cwd: project.dir })).json();
    expect(metrics.sessions).toHaveLength(1);
    expect(metrics.sessions[0]).toMatchObject({ session_id: 'session-1', compressions: 2, tokens_used: 1132, ended_by: 'handoff', health_checks_passed: 1 });
  });
});

describe('baton end, statusline and auto-save', () => {
  it('baton end hands off once: a second end changes nothing; commit_on_end commits pending work once', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { commit_on_end: true });
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    expect((await baton(['end'], { cwd: project.dir })).stdout).toContain('nothing to do: no session has started');
    await baton(['entry'], { cwd: project.dir });
    await project.write('src/work.js', 'unsaved\n');
    const first = (await baton(['end', '--json'], { cwd: project.dir })).json();
    expect(first).toMatchObject({ ended: true, dirtyState: false });
    expect(first.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await project.git('log', '-1', '--format=%s')).toMatch(/^Session checkpoint: IMPLEMENT/);
    const files = async () => Promise.all(['.claude/progress/metrics.json', first.summary].map((file: string) => project.read(file)));
    const before = await files();
    const head = await project.git('rev-parse', 'HEAD');
    const second = (await baton(['end', '--json'], { cwd: project.dir })).json();
    expect(second).toMatchObject({ ended: false, commit: null });
    expect(second.reason).toContain('already handed off');
    expect(await files()).toEqual(before);
    expect(await project.git('rev-parse', 'HEAD')).toBe(head);
  });

  it('statusline prints one line: state, health, features done', async () => {
    const project = await makeProject();
    expect((await baton(['statusline'], { cwd: project.dir, input: '{}' })).stdout).toBe('baton: no session (baton entry)');
    await project.write('.claude/progress/feature-list.json', features(['a', 'tested'], ['b', 'pending']));
    await baton(['entry'], { cwd: project.dir });
    expect((await baton(['statusline'], { cwd: project.dir, input: '{}' })).stdout).toBe('baton: IMPLEMENT · HEALTHY · 1/2 features');
  });

  it('any command, hooks included, writes a checkpoint when the last one is older than the interval', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { checkpoint_interval_seconds: 60 });
    await baton(['entry'], { cwd: project.dir });
    const checkpoint = project.file('.claude/progress/checkpoint.json');
    const age = async (seconds: number) => fs.utimes(checkpoint, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));
    await age(30);
    expect((await baton(['status', '--json'], { cwd: project.dir })).json().checkpoint_written).toBe(false);
    await age(120);
    const stale = (await project.readJson('.claude/progress/checkpoint.json')).checkpoint_at;
    expect((await baton(['status', '--json'], { cwd: project.dir })).json().checkpoint_written).toBe(true);
    expect((await project.readJson('.claude/progress/checkpoint.json')).checkpoint_at).not.toBe(stale);
    await age(120);
    const beforeHook = (await project.readJson('.claude/progress/checkpoint.json')).checkpoint_at;
    await hook(project, 'PreToolUse', preToolUse(project, 'Read', {}));
    const written = await project.readJson('.claude/progress/checkpoint.json');
    expect(written.checkpoint_at).not.toBe(beforeHook);
    expect(written).toMatchObject({ schema_version: 1, state: 'INIT', revision: 1 });
  });
});

describe('baton hooks install', () => {
  it('with baton on PATH: every event, string matchers, portable `baton hook ...` commands in the shared settings.json', async () => {
    const project = await makeProject();
    const install = await baton(['hooks', 'install'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).not.toContain('not on PATH');
    const settings = await project.readJson('.claude/settings.json');
    expect(Object.keys(settings.hooks)).toEqual(['SessionStart', 'PreToolUse', 'PostToolUse', 'PreCompact', 'Stop', 'SessionEnd']);
    expect(settings.hooks.PreToolUse[0].matcher).toBe('Write|Edit|MultiEdit|NotebookEdit|Bash');
    for (const [event, groups] of Object.entries(settings.hooks) as [string, { matcher?: unknown; hooks: { command: string; timeout: number }[] }[]][]) {
      expect(['string', 'undefined']).toContain(typeof groups[0]!.matcher);
      expect(groups[0]!.hooks[0]!.command).toBe(`baton hook ${event}`);
      expect(groups[0]!.hooks[0]!.timeout).toBeGreaterThan(0);
    }
    expect(settings.statusLine.command).toBe('baton statusline');
    expect(existsSync(project.file('.claude/settings.local.json'))).toBe(false);
    // The installed command runs from anywhere baton is on PATH.
    const { execaCommand } = await import('execa');
    const run = await execaCommand(settings.hooks.PreToolUse[0].hooks[0].command, { cwd: '/', shell: true, input: JSON.stringify(preToolUse(project, 'Read', {})), env: { CLAUDE_PROJECT_DIR: project.dir, PATH: PATH_WITH_BATON }, reject: false });
    expect(run.exitCode).toBe(0);
  });

  it("without baton on PATH (a checkout): absolute commands in settings.local.json only, never in the shared file; a later install moves them out of it", async () => {
    const project = await makeProject();
    const local = await baton(['hooks', 'install'], { cwd: project.dir });
    expect(local.exitCode, local.stderr).toBe(0);
    expect(local.stdout).toContain('baton is not on PATH');
    expect(local.stdout).toContain('.claude/settings.local.json');
    expect(existsSync(project.file('.claude/settings.json'))).toBe(false);
    const settings = await project.readJson('.claude/settings.local.json');
    expect(Object.keys(settings.hooks)).toHaveLength(6);
    for (const groups of Object.values(settings.hooks) as { hooks: { command: string }[] }[][]) {
      expect(groups[0]!.hooks[0]!.command).toMatch(/^"\/.*node[^"]*" "\/.*dist\/baton\.cjs" hook \w+$/);
    }
    const { execaCommand } = await import('execa');
    const run = await execaCommand(settings.hooks.PreToolUse[0].hooks[0].command, { cwd: '/', shell: true, input: JSON.stringify(preToolUse(project, 'Read', {})), env: { CLAUDE_PROJECT_DIR: project.dir }, reject: false });
    expect(run.exitCode).toBe(0);

    // An older baton wrote absolute paths into the shared file, beside the user's own hook.
    const mine = { matcher: 'Bash', hooks: [{ type: 'command', command: 'my-linter' }] };
    await project.write('.claude/settings.json', { hooks: { PreToolUse: [mine, { matcher: 'Bash', hooks: [{ type: 'command', command: `"${process.execPath}" "${CLI}" hook PreToolUse` }] }] } });
    const moved = await baton(['hooks', 'install'], { cwd: project.dir });
    expect(moved.stdout).toContain("took baton's hooks out of .claude/settings.json");
    expect(await project.readJson('.claude/settings.json')).toEqual({ hooks: { PreToolUse: [mine] } });
    expect((await project.readJson('.claude/settings.local.json')).hooks.PreToolUse).toHaveLength(1);
  });

  it('hooks installed by an earlier baton (`node dist/baton.js hook ...`) still run, and a new install replaces them', async () => {
    const project = await makeProject();
    const old = `"${process.execPath}" "${path.join(path.dirname(CLI), 'baton.js')}"`;
    await project.write('.claude/settings.json', { hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: `${old} hook PreToolUse` }] }] }, statusLine: { type: 'command', command: `${old} statusline` } });
    const { execaCommand } = await import('execa');
    const run = await execaCommand(`${old} hook PreToolUse`, { shell: true, input: JSON.stringify(preToolUse(project, 'Read', {})), env: { CLAUDE_PROJECT_DIR: project.dir }, reject: false });
    expect(run.exitCode).toBe(0);
    await baton(['hooks', 'install'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    const settings = await project.readJson('.claude/settings.json');
    expect(settings.hooks.PreToolUse).toHaveLength(1);
    expect(settings.hooks.PreToolUse[0].hooks[0].command).toBe('baton hook PreToolUse');
    expect(settings.statusLine.command).toBe('baton statusline');
  });

  it("into settings with the user's own hooks and keys, twice: theirs are kept, ours are not duplicated; uninstall takes only ours", async () => {
    const project = await makeProject();
    const theirs = {
      model: 'opus',
      permissions: { allow: ['Bash(npm test)'] },
      statusLine: { type: 'command', command: 'my-status' },
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-linter' }] }], Notification: [{ hooks: [{ type: 'command', command: 'notify-send hi' }] }] },
    };
    await project.write('.claude/settings.json', theirs);
    await baton(['hooks', 'install'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    const once = await project.read('.claude/settings.json');
    const second = await baton(['hooks', 'install'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    expect(second.stdout).toContain('already installed');
    expect(await project.read('.claude/settings.json')).toBe(once);
    const settings = JSON.parse(once);
    expect(settings).toMatchObject({ model: 'opus', permissions: theirs.permissions, statusLine: theirs.statusLine });
    expect(settings.hooks.PreToolUse).toHaveLength(2);
    expect(settings.hooks.PreToolUse[0]).toEqual(theirs.hooks.PreToolUse[0]);
    expect(settings.hooks.Notification).toEqual(theirs.hooks.Notification);
    expect(JSON.parse(await project.read('.claude/settings.json.bak'))).toEqual(theirs);

    await baton(['hooks', 'uninstall'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    expect(await project.readJson('.claude/settings.json')).toEqual(theirs);
  });

  it('--local writes settings.local.json; a settings file that is not JSON is left alone', async () => {
    const project = await makeProject();
    await baton(['hooks', 'install', '--local'], { cwd: project.dir });
    expect(Object.keys((await project.readJson('.claude/settings.local.json')).hooks)).toHaveLength(6);
    await project.write('.claude/settings.json', '{"hooks": ');
    const broken = await baton(['hooks', 'install'], { cwd: project.dir });
    expect(broken.exitCode).toBe(4);
    expect(broken.stderr).toContain('.claude/settings.json');
    expect(await project.read('.claude/settings.json')).toBe('{"hooks": ');
  });

  it('baton init sets a project up in one step and keeps what exists', async () => {
    const project = await makeProject();
    await project.write('package.json', { name: 'app', scripts: { test: 'vitest run' } });
    const result = await baton(['init'], { cwd: project.dir, env: { PATH: PATH_WITH_BATON } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await project.readJson('.claude/config/project.json')).toMatchObject({ project_type: 'node', test_command: 'npm test --silent' });
    expect(await project.readJson('.claude/progress/feature-list.json')).toEqual({ features: [] });
    expect((await project.readJson('.claude/settings.json')).hooks.SessionStart).toHaveLength(1);
    expect(result.stdout).toContain('trusted the commands baton wrote into project.json: test_command: npm test --silent');
    expect((await baton(['entry', '--json'], { cwd: project.dir })).json().trust.trusted).toBe(true);
    await project.write('.claude/config/project.json', { test_command: 'mine' });
    await baton(['init'], { cwd: project.dir });
    expect(await project.readJson('.claude/config/project.json')).toEqual({ test_command: 'mine' });
  });

  it('baton init on a clone that came with a project.json shows its commands and does not trust them', async () => {
    const project = await makeProject();
    await project.write('.claude/config/project.json', { health_check: 'touch pwned' });
    const result = await baton(['init', '--json'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ trusted: false, commands: { health_check: 'touch pwned' } });
    expect(result.json().done.at(-1)).toContain('did NOT trust the project.json that was already here; review its commands (health_check: touch pwned), then run `baton trust`');
    const entry = (await baton(['entry', '--json'], { cwd: project.dir })).json();
    expect(entry.trust.trusted).toBe(false);
    expect(entry.health.status).toBe('UNKNOWN');
    await expect(fs.access(project.file('pwned'))).rejects.toThrow();
  });
});

describe('a whole session, as an agent drives it', () => {
  it('install, SessionStart, edits, IMPLEMENT -> TEST -> COMPLETE, Stop; the next SessionStart shows the summary', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['login', 'pending'], ['logout', 'pending']));
    await configure(project, { test_command: 'test -f src/login.js' });
    await baton(['hooks', 'install'], { cwd: project.dir });

    const start = JSON.parse((await hook(project, 'SessionStart', { ...base(project), hook_event_name: 'SessionStart', source: 'startup' })).stdout);
    expect(start.hookSpecificOutput.additionalContext).toContain('Do now: work on feature "login"');

    await baton(['features', 'start', 'login'], { cwd: project.dir });
    expect((await hook(project, 'PreToolUse', preToolUse(project, 'Write', { file_path: project.file('src/login.js'), content: 'x' }))).exitCode).toBe(0);
    await project.write('src/login.js', 'export const login = () => true;\n');
    await hook(project, 'PostToolUse', { ...base(project), hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: project.file('src/login.js') }, tool_response: {}, tool_use_id: 't' });
    await baton(['note', '--decision', 'login keeps no session state'], { cwd: project.dir });
    expect((await baton(['features', 'implemented', 'login', '--json'], { cwd: project.dir })).json()).toMatchObject({ to: 'IMPLEMENT', test_run: { outcome: 'passed' } });
    await baton(['features', 'implemented', 'logout'], { cwd: project.dir });
    expect((await baton(['status', '--json'], { cwd: project.dir })).json().state).toBe('COMPLETE');
    await baton(['note', '--blocker', 'logout needs a design review'], { cwd: project.dir });
    expect((await hook(project, 'Stop', { ...base(project), hook_event_name: 'Stop', stop_hook_active: false })).exitCode).toBe(0);

    const [summaryName] = await fs.readdir(project.file('.claude/progress/summaries'));
    const summary = await project.read(path.join('.claude/progress/summaries', summaryName!));
    expect(summary).toContain('- Final state: COMPLETE');
    expect(summary).toContain('- Features completed: 2');
    expect(summary).toContain('- login (feature login) - Implemented and tested');
    expect(summary).toContain('feat(login): feature login');
    expect(summary).toContain('- login keeps no session state');
    expect(summary).toContain('- [ ] logout needs a design review');
    expect(summary).toContain('- src/login.js');

    const next = JSON.parse((await hook(project, 'SessionStart', { ...base(project, 'session-2'), hook_event_name: 'SessionStart', source: 'startup' })).stdout);
    const context: string = next.hookSpecificOutput.additionalContext;
    expect(context).toContain(`Last session's next steps (${project.file(path.join('.claude/progress/summaries', summaryName!))})`);
    expect(context).toContain('2. Resume from state: COMPLETE');
    expect(context).toContain('3. Address the blocker: logout needs a design review');
    const metrics = (await baton(['metrics', '--json'], { cwd: project.dir })).json();
    expect(metrics.sessions[0]).toMatchObject({ session_id: 'session-1', features_completed: 2, states_visited: ['START', 'IMPLEMENT', 'TEST', 'IMPLEMENT', 'TEST', 'COMPLETE'] });
  });
});

describe('finding the project: CLAUDE_PROJECT_DIR, else the payload cwd, never the hook process own directory', () => {
  /** Every path under `dir`: what "created nothing" is checked against. */
  const listing = async (dir: string) => (await fs.readdir(dir, { recursive: true })).sort();
  const notAProject = async () => {
    const dir = await makeProject({ git: false, packageJson: false });
    await dir.write('notes.txt', 'not a project\n');
    return dir;
  };
  const payloads = (cwd: string): Record<string, object> => ({
    SessionStart: { source: 'startup' },
    PreToolUse: { tool_name: 'Write', tool_input: { file_path: path.join(cwd, 'src/a.js'), content: 'x' }, tool_use_id: 't' },
    PostToolUse: { tool_name: 'Write', tool_input: { file_path: path.join(cwd, 'src/a.js') }, tool_response: {}, tool_use_id: 't' },
    PreCompact: { trigger: 'auto', custom_instructions: null },
    Stop: { stop_hook_active: false },
    SessionEnd: { reason: 'other' },
  });

  it('run from / with no project, every hook exits 0 and creates nothing (no /.claude); SessionStart says there is no project', async () => {
    const outside = await notAProject();
    const before = await listing(outside.dir);
    const rootHadClaude = existsSync('/.claude');
    // As Claude Code started in / sends them, and with the payload naming a directory outside any project.
    const runs: [cwd: string, env: Record<string, string>, says: string][] = [
      ['/', { CLAUDE_PROJECT_DIR: '/' }, '/ is not a project'],
      ['/', {}, 'there is no project in or above /'],
      [outside.dir, {}, `there is no project in or above ${outside.dir}`],
    ];
    for (const [cwd, env, says] of runs) {
      for (const [event, extra] of Object.entries(payloads(cwd))) {
        const input = JSON.stringify({ session_id: 's', transcript_path: outside.file('t.jsonl'), cwd, hook_event_name: event, ...extra });
        const result = await baton(['hook', event], { cwd: '/', input, env });
        expect([cwd, event, result.exitCode, result.stderr]).toEqual([cwd, event, 0, '']);
        if (event !== 'SessionStart') expect(result.stdout).toBe('');
        else {
          const context: string = JSON.parse(result.stdout).hookSpecificOutput.additionalContext;
          expect(context).toContain(says);
          expect(context).toContain('baton init');
        }
      }
    }
    expect(existsSync('/.claude')).toBe(rootHadClaude);
    expect(await listing(outside.dir)).toEqual(before);
  });

  it('SessionStart without CLAUDE_PROJECT_DIR finds the project from the payload cwd after the agent ran cd src', async () => {
    const project = await makeProject();
    await project.write('src/app.js', 'export {}\n');
    await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
    const elsewhere = await notAProject();
    const before = await listing(elsewhere.dir);
    const input = { ...base(project), cwd: project.file('src'), hook_event_name: 'SessionStart', source: 'resume' };
    const result = await baton(['hook', 'SessionStart'], { cwd: elsewhere.dir, input: JSON.stringify(input) });
    expect(result.exitCode, result.stderr).toBe(0);
    const context: string = JSON.parse(result.stdout).hookSpecificOutput.additionalContext;
    expect(context).toContain(`session state for ${project.dir}`);
    expect(context).toContain('Do now: work on feature "a"');
    expect((await project.readJson('.claude/progress/state.json')).state).toBe('IMPLEMENT');
    expect(existsSync(project.file('src/.claude'))).toBe(false);
    expect(await listing(elsewhere.dir)).toEqual(before);
  });

  it('PreToolUse with the agent in src (the hook process elsewhere, no CLAUDE_PROJECT_DIR) still blocks a protected write while BROKEN', async () => {
    const project = await brokenProject();
    const elsewhere = await notAProject();
    const inSrc = (tool_name: string, tool_input: Record<string, unknown>) => JSON.stringify({ ...preToolUse(project, tool_name, tool_input), cwd: project.file('src') });
    const bash = await baton(['hook', 'PreToolUse'], { cwd: elsewhere.dir, input: inSrc('Bash', { command: 'echo x > app.js' }) });
    expect(bash.exitCode, bash.stderr).toBe(2);
    expect(bash.stderr).toContain('blocked Bash writing src/app.js');
    const write = await baton(['hook', 'PreToolUse'], { cwd: elsewhere.dir, input: inSrc('Write', { file_path: project.file('src/app.js'), content: 'x' }) });
    expect(write.exitCode, write.stderr).toBe(2);
    const test = await baton(['hook', 'PreToolUse'], { cwd: elsewhere.dir, input: inSrc('Bash', { command: 'echo x > ../test/a.test.js' }) });
    expect([test.exitCode, test.stderr]).toEqual([0, '']);
    // PostToolUse from src records the edit in the project, as a path relative to it.
    const edit = { ...base(project), cwd: project.file('src'), hook_event_name: 'PostToolUse', tool_name: 'Edit', tool_input: { file_path: 'app.js' }, tool_response: {}, tool_use_id: 't' };
    expect((await baton(['hook', 'PostToolUse'], { cwd: elsewhere.dir, input: JSON.stringify(edit) })).exitCode).toBe(0);
    expect((await project.readJson('.claude/progress/file_history.json'))[0]).toBe('src/app.js');
  });

  it('CLAUDE_PROJECT_DIR decides: a project through a symlink is found; one that is not a project means no project, whatever the payload says', async () => {
    const project = await brokenProject();
    const link = path.join(await notAProject().then((p) => p.dir), 'link');
    await fs.symlink(project.dir, link);
    const write = JSON.stringify(preToolUse(project, 'Write', { file_path: project.file('src/app.js'), content: 'x' }));
    expect((await baton(['hook', 'PreToolUse'], { cwd: '/', input: write, env: { CLAUDE_PROJECT_DIR: link } })).exitCode).toBe(2);

    const bare = await notAProject();
    const before = await listing(bare.dir);
    const passed = await baton(['hook', 'PreToolUse'], { cwd: '/', input: write, env: { CLAUDE_PROJECT_DIR: bare.dir } });
    expect([passed.exitCode, passed.stderr]).toEqual([0, '']);
    const start = await baton(['hook', 'SessionStart'], { cwd: '/', input: JSON.stringify({ ...base(project), hook_event_name: 'SessionStart', source: 'startup' }), env: { CLAUDE_PROJECT_DIR: bare.dir } });
    expect(JSON.parse(start.stdout).hookSpecificOutput.additionalContext).toContain(`${bare.dir} is not a project`);
    expect(await listing(bare.dir)).toEqual(before);
  });

  it('the status line finds the project from its stdin (workspace.project_dir, cwd), and by hand from the current directory walking up', async () => {
    const project = await makeProject();
    await project.write('src/app.js', 'export {}\n');
    await project.write('.claude/progress/feature-list.json', features(['a', 'tested'], ['b', 'pending']));
    await baton(['entry'], { cwd: project.dir });
    const expected = 'baton: IMPLEMENT · HEALTHY · 1/2 features';
    const src = project.file('src');
    const elsewhere = await notAProject();
    const statusLine = (cwd: string, input: object | string) => baton(['statusline'], { cwd, input: typeof input === 'string' ? input : JSON.stringify(input) });
    // Claude Code runs it in the shell's directory (src after `cd src`) and names the project on stdin.
    expect((await statusLine(src, { workspace: { project_dir: project.dir, current_dir: src }, cwd: src })).stdout).toBe(expected);
    expect((await statusLine(elsewhere.dir, { workspace: { project_dir: project.dir, current_dir: src }, cwd: src })).stdout).toBe(expected);
    expect((await statusLine(elsewhere.dir, { cwd: src })).stdout).toBe(expected);
    expect((await statusLine(src, '')).stdout).toBe(expected);
    const none = await statusLine(elsewhere.dir, '');
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([0, 'baton: no project here (baton init)', '']);
    expect((await statusLine(elsewhere.dir, { workspace: { project_dir: elsewhere.dir } })).stdout).toBe('baton: no project here (baton init)');
    expect(await listing(elsewhere.dir)).toEqual(['notes.txt']);
  });
});
