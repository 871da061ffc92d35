#!/usr/bin/env node
/**
 * The `baton` executable. No static imports: the hooks Claude Code runs on every tool call
 * (`baton hook PreToolUse`, ...) go straight to their own small bundle; everything else
 * loads the full command line.
 */
const argv = process.argv.slice(2);
const FAST = new Set(['PreToolUse', 'PostToolUse', 'PreCompact', 'Stop']);

if (argv[0] === 'hook' && argv.length === 2 && FAST.has(argv[1]!)) {
  const { runFastHook } = await import('./hook-fast.js');
  try {
    // The project comes from CLAUDE_PROJECT_DIR or the payload, never from this process's cwd.
    const outcome = await runFastHook(argv[1] as 'PreToolUse');
    if (typeof outcome === 'number') process.exitCode = outcome;
    else {
      // A handoff with something new: the full command line, with the input already read.
      const { runCli } = await import('./cli.js');
      await runCli(argv, outcome.stdin);
    }
  } catch (error) {
    // Never exit 2 by accident: that would block the tool call.
    process.stderr.write(`baton hook: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  const { runCli } = await import('./cli.js');
  await runCli(argv);
}
