#!/usr/bin/env node
/**
 * The `baton` executable, CommonJS on purpose: a CommonJS main starts about 5 ms sooner than
 * an ES module one, and the hooks Claude Code runs on every tool call (`baton hook
 * PreToolUse`, ...) go straight to their own small CommonJS bundle (dist/hook-fast.cjs).
 * Everything else loads the full command line, an ES module (dist/cli.js).
 */
import type { runFastHook as RunFastHook } from './hook-fast.js';
import type { runCli as RunCli } from './cli.js';

const argv = process.argv.slice(2);
const FAST = new Set(['PreToolUse', 'PostToolUse', 'PreCompact', 'Stop']);
const loadCli = (): Promise<{ runCli: typeof RunCli }> => import('./cli.js');

async function main(): Promise<void> {
  // `--plugin`: run by the Claude Code plugin's hooks/hooks.json.
  const plugin = argv.length === 3 && argv[2] === '--plugin';
  if (argv[0] === 'hook' && (argv.length === 2 || plugin) && FAST.has(argv[1]!)) {
    const { runFastHook } = require('./hook-fast.cjs') as { runFastHook: typeof RunFastHook };
    try {
      // The project comes from CLAUDE_PROJECT_DIR or the payload, never from this process's cwd.
      const outcome = await runFastHook(argv[1] as 'PreToolUse', { plugin });
      if (typeof outcome === 'number') process.exitCode = outcome;
      // A handoff with something new: the full command line, with the input already read.
      else await (await loadCli()).runCli(argv, outcome.stdin);
    } catch (error) {
      // Never exit 2 by accident: that would block the tool call.
      process.stderr.write(`baton hook: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
    return;
  }
  await (await loadCli()).runCli(argv);
}

void main();
