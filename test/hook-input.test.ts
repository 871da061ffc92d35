/**
 * Hook input as real parents send it: late, in pieces, hundreds of KB to MBs from a Node
 * parent (Claude Code's tool inputs), or never closed. The built CLI as a process, fed by a
 * Node parent through a pipe, the way Claude Code runs a command hook.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { baton, brokenProject, CLI, features, makeProject, TEST_CONFIG_HOME, type Project } from './helpers.js';

interface Piece {
  afterMs: number;
  text: string;
}

interface HookRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs `baton hook EVENT`, writing `pieces` to its stdin at their times; closes stdin unless `keepOpen`. */
function runHook(project: Project, event: string, pieces: Piece[], options: { keepOpen?: boolean } = {}): Promise<HookRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'hook', event], {
    cwd: project.dir,
    env: { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: TEST_CONFIG_HOME, BATON_TRUST: '', CLAUDE_PROJECT_DIR: project.dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the hook may stop reading before a writer is done
  const timers = pieces.map((piece) => setTimeout(() => child.stdin.write(piece.text), piece.afterMs));
  const last = Math.max(0, ...pieces.map((piece) => piece.afterMs));
  const closer = options.keepOpen ? null : setTimeout(() => child.stdin.end(), last + 1);
  return new Promise((resolve) =>
    child.on('close', (exitCode) => {
      for (const timer of timers) clearTimeout(timer);
      if (closer) clearTimeout(closer);
      child.stdin.destroy();
      resolve({ exitCode, stdout, stderr, elapsedMs: Date.now() - started });
    }),
  );
}

/** A JSON payload cut into `count` pieces, one every `everyMs`, starting after `firstMs`. */
function inPieces(payload: object, count: number, firstMs: number, everyMs: number): Piece[] {
  const text = JSON.stringify(payload);
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_, i) => ({ afterMs: firstMs + i * everyMs, text: text.slice(i * size, (i + 1) * size) }));
}


const write = (project: Project, file: string, content: string) => ({
  session_id: 's1',
  transcript_path: '/dev/null',
  cwd: project.dir,
  hook_event_name: 'PreToolUse',
  tool_name: 'Write',
  tool_input: { file_path: `${project.dir}/${file}`, content },
  tool_use_id: 't1',
});

const MB = 1024 * 1024;

describe('hook input read to the end of the stream', () => {
  it('PreToolUse while BROKEN lets a harmless write through when its payload arrives 300 ms late, or in pieces over a second', async () => {
    const project = await brokenProject();
    const late = await runHook(project, 'PreToolUse', [{ afterMs: 300, text: JSON.stringify(write(project, 'notes.md', 'hello')) }]);
    expect([late.exitCode, late.stderr]).toEqual([0, '']);
    const trickled = await runHook(project, 'PreToolUse', inPieces(write(project, 'notes.md', 'x'.repeat(2000)), 10, 50, 100));
    expect([trickled.exitCode, trickled.stderr]).toEqual([0, '']);
    // The same late delivery of a protected write is still refused: the gate read it, it did not wave it through.
    const protectedLate = await runHook(project, 'PreToolUse', [{ afterMs: 300, text: JSON.stringify(write(project, 'src/app.js', 'x')) }]);
    expect(protectedLate.exitCode).toBe(2);
    expect(protectedLate.stderr).toContain('blocked Write writing src/app.js');
  });

  it('reads 5 MB payloads from a Node parent whole: a harmless 5 MB write passes while BROKEN, a protected one is refused', async () => {
    const project = await brokenProject();
    const big = 'y'.repeat(5 * MB);
    const harmless = await runHook(project, 'PreToolUse', [{ afterMs: 0, text: JSON.stringify(write(project, 'docs/big.md', big)) }]);
    expect([harmless.exitCode, harmless.stderr]).toEqual([0, '']);
    const refused = await runHook(project, 'PreToolUse', inPieces(write(project, 'src/app.js', big), 5, 100, 50));
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('blocked Write writing src/app.js');
  });

  it('PostToolUse records the edit from a late 5 MB payload, every time', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    for (const file of ['a.js', 'b.js', 'c.js']) {
      const payload = { ...write(project, file, 'z'.repeat(5 * MB)), hook_event_name: 'PostToolUse', tool_response: { filePath: file, success: true } };
      const result = await runHook(project, 'PostToolUse', inPieces(payload, 4, 200, 30));
      expect([result.exitCode, result.stderr]).toEqual([0, '']);
    }
    expect(await project.readJson('.claude/progress/file_history.json')).toEqual(['c.js', 'b.js', 'a.js']);
  });

  it('SessionStart with late input still knows its Claude Code session', async () => {
    const project = await makeProject();
    await project.write('.claude/progress/feature-list.json', features(['login', 'pending']));
    const payload = { session_id: 'late-session', transcript_path: '/dev/null', cwd: project.dir, hook_event_name: 'SessionStart', source: 'startup' };
    const result = await runHook(project, 'SessionStart', [{ afterMs: 400, text: JSON.stringify(payload) }]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).hookSpecificOutput.additionalContext).toContain('IMPLEMENT');
    expect(await project.readJson('.claude/progress/session.json')).toMatchObject({ session_id: 'late-session' });
  });

  it('past 16 MB: a clear message; PreToolUse while BROKEN refuses rather than guess', async () => {
    const project = await brokenProject();
    const huge = [{ afterMs: 0, text: JSON.stringify(write(project, 'notes.md', 'q'.repeat(17 * MB))) }];
    const post = await runHook(project, 'PostToolUse', huge);
    expect(post.exitCode).toBe(1);
    expect(post.stderr).toContain('hook input is over 16 MB');
    const pre = await runHook(project, 'PreToolUse', huge);
    expect(pre.exitCode).toBe(2);
    expect(pre.stderr).toContain('hook input is over 16 MB');
  });

  it('a writer that never closes stdin: the hook ends after 5 s with a message, not at its timeout', async () => {
    const project = await makeProject();
    await baton(['entry'], { cwd: project.dir });
    const payload = { ...write(project, 'a.js', 'x'), hook_event_name: 'PostToolUse', tool_response: {} };
    const result = await runHook(project, 'PostToolUse', [{ afterMs: 0, text: JSON.stringify(payload) }], { keepOpen: true });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('hook input did not end within 5 s');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(5_000);
    expect(result.elapsedMs).toBeLessThan(9_000);
  }, 15_000);
});
