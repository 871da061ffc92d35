/**
 * The gate as Claude Code meets it: the built `baton hook PreToolUse` as a process. What it
 * reads is tabled in gate.test.ts; here, that the hook refuses in time and counts refusals.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baton, brokenProject, type Project } from './helpers.js';


const bash = (project: Project, command: string) =>
  baton(['hook', 'PreToolUse'], {
    cwd: project.dir,
    input: JSON.stringify({ session_id: 'claude-session', transcript_path: '/dev/null', cwd: project.dir, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: 't' }),
  });

describe('PreToolUse while BROKEN', () => {
  it("refuses the issue's commands: exit 2, the protected path on stderr, nothing on stdout", async () => {
    const project = await brokenProject();
    for (const command of ['rm -rf .', 'rm -rf *', 'git clean -fdx', 'find . -delete', 'pushd src && echo x > app.js', 'sh -c "echo x > src/a.js"', 'echo x > s*/app.js']) {
      const result = await bash(project, command);
      expect([result.exitCode, result.stdout], command).toEqual([2, '']);
      expect(result.stderr, command).toMatch(/^baton: blocked Bash writing src(\/\S+)? \(protected by "src\/\*\*"\)/);
    }
    expect((await bash(project, "cat <<'EOF' > notes.md\nrm -rf src\nEOF")).exitCode).toBe(0);
  });

  it('answers at once while a live process holds the progress lock, and the next handoff counts the refusal', async () => {
    const project = await brokenProject();
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // The lock as services/storage/lock.ts writes it, held by a process that is alive.
      await fs.writeFile(project.file('.claude/progress/.lock'), JSON.stringify({ pid: holder.pid, token: 'held-by-the-test', acquired_at: new Date().toISOString() }));
      const started = Date.now();
      const refused = await bash(project, 'rm -rf src');
      const elapsed = Date.now() - started;
      expect(refused.exitCode).toBe(2);
      expect(elapsed).toBeLessThan(1_000);
      expect(await project.read('.claude/progress/.lock')).toContain('held-by-the-test');
    } finally {
      holder.kill();
    }
    await new Promise((resolve) => holder.once('exit', resolve));
    const refusals = (await project.read('.claude/progress/gate-refusals.jsonl')).trim().split('\n').map((line) => JSON.parse(line));
    expect(refusals).toEqual([{ at: expect.any(String), session_id: 'claude-session', tool_name: 'Bash', path: 'src', glob: 'src/**' }]);
    const end = await baton(['end', '--json'], { cwd: project.dir });
    expect(end.exitCode, end.stderr).toBe(0);
    expect(end.json().row.gate_refusals).toBe(1);
    expect((await baton(['metrics', '--json'], { cwd: project.dir })).json().totals.gate_refusals).toBe(1);
  });
});
