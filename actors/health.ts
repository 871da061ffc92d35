/** The health check: the configured command (once trusted), or the spec's language fallbacks. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HealthReport } from '../machines/observations.js';
import { runCommand, type CommandResult } from './run-command.js';

export interface HealthCheckOptions {
  projectDir: string;
  command?: string;
  timeoutSeconds: number;
  signal?: AbortSignal;
  evidenceDir?: string;
  /** When set, the configured commands are not trusted: this says why and what to run. */
  untrusted?: string;
  /** Retry until this long has passed (a dev server that was just started needs time). */
  waitForStartup?: boolean;
  requiredEnv?: string[];
  now?: () => Date;
}

function fallbackFor(projectDir: string): { source: 'node' | 'python'; command: string } | null {
  const has = (name: string) => existsSync(path.join(projectDir, name));
  if (has('pytest.ini') || has('pyproject.toml')) return { source: 'python', command: 'python3 -c "import sys; sys.exit(0)"' };
  if (has('package.json')) return { source: 'node', command: 'node -e "process.exit(0)"' };
  return null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function checkHealth(options: HealthCheckOptions): Promise<HealthReport> {
  const now = options.now ?? (() => new Date());
  const missing = (options.requiredEnv ?? []).filter((name) => !process.env[name]);
  const missingEnv = missing.length ? { missingEnv: missing } : {};
  if (options.untrusted) {
    return { status: 'UNKNOWN', source: 'untrusted', detail: options.untrusted, checkedAt: now().toISOString(), ...missingEnv };
  }
  const fallback = options.command ? null : fallbackFor(options.projectDir);
  const command = options.command ?? fallback?.command;
  if (!command) {
    return { status: 'UNKNOWN', source: 'none', detail: 'no health check configured (set health_check in .claude/config/project.json)', checkedAt: now().toISOString(), ...missingEnv };
  }
  const budgetMs = options.timeoutSeconds * 1000;
  const started = Date.now();
  const evidence = options.evidenceDir ? { dir: options.evidenceDir, label: 'health_check' } : undefined;
  let result: CommandResult;
  for (;;) {
    const remaining = budgetMs - (Date.now() - started);
    result = await runCommand(command, { cwd: options.projectDir, timeoutMs: Math.max(remaining, 100), signal: options.signal, evidence });
    if (result.ok || result.timedOut || !options.waitForStartup || budgetMs - (Date.now() - started) < 500 || options.signal?.aborted) break;
    await sleep(500);
  }
  const source = fallback?.source ?? 'configured';
  const what = source === 'configured' ? 'configured check' : source === 'node' ? 'Node check' : 'Python check';
  const detail = result.ok
    ? source === 'configured'
      ? 'configured check passed'
      : `${source === 'node' ? 'Node' : 'Python'} works`
    : result.timedOut
      ? `${what} timed out after ${options.timeoutSeconds}s (its process group was killed)`
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
    durationMs: Date.now() - started,
    checkedAt: now().toISOString(),
    detail,
    ...(result.evidence ? { evidence: result.evidence } : {}),
    ...(result.ok ? {} : { outputTail: result.outputTail.split('\n').slice(-10).join('\n') }),
    ...missingEnv,
  };
}
