/** The health check: the configured command, or the spec's language fallbacks. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HealthReport } from '../machines/observations.js';
import { runCommand } from './run-command.js';

export interface HealthCheckOptions {
  projectDir: string;
  command?: string;
  timeoutSeconds: number;
  signal?: AbortSignal;
  now?: () => Date;
}

function fallbackFor(projectDir: string): { source: 'node' | 'python'; command: string } | null {
  const has = (name: string) => existsSync(path.join(projectDir, name));
  if (has('pytest.ini') || has('pyproject.toml')) return { source: 'python', command: 'python3 -c "import sys; sys.exit(0)"' };
  if (has('package.json')) return { source: 'node', command: 'node -e "process.exit(0)"' };
  return null;
}

export async function checkHealth(options: HealthCheckOptions): Promise<HealthReport> {
  const now = options.now ?? (() => new Date());
  const fallback = options.command ? null : fallbackFor(options.projectDir);
  const command = options.command ?? fallback?.command;
  if (!command) {
    return { status: 'UNKNOWN', source: 'none', detail: 'no health check configured (set health_check in .claude/config/project.json)', checkedAt: now().toISOString() };
  }
  const result = await runCommand(command, { cwd: options.projectDir, timeoutMs: options.timeoutSeconds * 1000, signal: options.signal });
  const source = fallback?.source ?? 'configured';
  const what = source === 'configured' ? 'configured check' : source === 'node' ? 'Node check' : 'Python check';
  const detail = result.ok
    ? source === 'configured'
      ? 'configured check passed'
      : `${source === 'node' ? 'Node' : 'Python'} works`
    : result.timedOut
      ? `${what} timed out after ${options.timeoutSeconds}s`
      : result.signal
        ? `${what} killed by ${result.signal}`
        : `${what} failed with exit code ${result.exitCode}`;
  return {
    status: result.ok ? 'HEALTHY' : 'BROKEN',
    source,
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    checkedAt: now().toISOString(),
    detail,
    ...(result.ok ? {} : { outputTail: result.outputTail.split('\n').slice(-10).join('\n') }),
  };
}
