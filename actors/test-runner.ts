/** The TEST state's runner: smoke_test, then test_command, each with its own timeout. */
import type { TestRunReport } from '../machines/observations.js';
import type { ProjectPaths } from '../services/project/paths.js';
import { runCommand } from './run-command.js';

export interface TestRunOptions {
  projectDir: string;
  featureId: string | null;
  smokeTest?: string;
  testCommand?: string;
  timeouts: { smoke_test: number; full_test: number };
  /** The project whose evidence folder keeps each run's output. */
  evidencePaths: ProjectPaths;
  untrusted?: string;
  signal?: AbortSignal;
}

export async function runTests(options: TestRunOptions): Promise<TestRunReport> {
  const at = new Date().toISOString();
  const base = { featureId: options.featureId, at };
  if (options.untrusted) return { ...base, outcome: 'not_configured', step: null, reason: options.untrusted };
  const steps = [
    ['smoke_test', options.smokeTest, options.timeouts.smoke_test],
    ['test_command', options.testCommand, options.timeouts.full_test],
  ] as const;
  const configured = steps.filter(([, command]) => command);
  if (configured.length === 0) {
    return { ...base, outcome: 'not_configured', step: null, reason: 'no smoke_test or test_command configured: run the tests yourself, then send TESTS_PASSED or TESTS_FAILED' };
  }
  let durationMs = 0;
  for (const [step, command, timeoutSeconds] of configured) {
    const result = await runCommand(command!, {
      cwd: options.projectDir,
      timeoutMs: timeoutSeconds * 1000,
      signal: options.signal,
      evidence: { paths: options.evidencePaths, label: step },
    });
    durationMs += result.durationMs;
    const outputTail = result.outputTail.split('\n').slice(-15).join('\n');
    if (result.timedOut) {
      return { ...base, outcome: 'timed_out', step, reason: `${step} timed out after ${timeoutSeconds}s; killed with its process tree`, exitCode: result.exitCode, durationMs, evidence: result.evidence, outputTail };
    }
    if (!result.ok) {
      const how = result.signal ? `was killed by ${result.signal}` : `failed with exit code ${result.exitCode}`;
      return { ...base, outcome: 'failed', step, reason: `${step} ${how}`, exitCode: result.exitCode, durationMs, evidence: result.evidence, outputTail };
    }
  }
  return { ...base, outcome: 'passed', step: configured.at(-1)![0], reason: `${configured.map(([step]) => step).join(' and ')} passed`, exitCode: 0, durationMs };
}
