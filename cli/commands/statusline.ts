import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../../services/paths.js';
import { findProjectRoot } from '../../services/project-root.js';
import type { CommandContext } from '../context.js';
import { readStdin } from '../hook-fast.js';

/**
 * Where to start looking for the project. Claude Code runs the status line in the shell's
 * current directory (which follows the agent's `cd`) and names the project on stdin, so stdin
 * comes first: `workspace.project_dir`, then `workspace.current_dir` or `cwd`. Run by hand
 * (no JSON), the current directory.
 */
function startDirectory(): string {
  let input: { workspace?: { project_dir?: unknown; current_dir?: unknown }; cwd?: unknown } = {};
  try {
    input = JSON.parse(readStdin()) ?? {};
  } catch {
    // no JSON on stdin: someone running it by hand
  }
  const named = [input.workspace?.project_dir, input.workspace?.current_dir, input.cwd].find((dir): dir is string => typeof dir === 'string' && path.isAbsolute(dir));
  return named ?? process.cwd();
}

/** One line for Claude Code's status bar. Fast and quiet: it runs often, and never fails loudly. */
export async function run(context: CommandContext): Promise<number> {
  let line = 'baton: no project here (baton init)';
  try {
    const root = context.options.dir ? context.projectDir : findProjectRoot(startDirectory());
    if (root !== null) line = statusOf(root);
  } catch {
    // stdin could not be read: the default line
  }
  process.stdout.write(`${line}\n`);
  return 0;
}

function statusOf(root: string): string {
  const paths = projectPaths(root);
  try {
    const state = JSON.parse(readFileSync(paths.state, 'utf8')) as { state?: string; health_status?: string; dirty?: boolean };
    let features = '';
    try {
      const list = JSON.parse(readFileSync(paths.features, 'utf8')) as { features?: { status?: string }[] };
      const all = list.features ?? [];
      const done = all.filter((feature) => feature.status === 'tested' || feature.status === 'completed').length;
      features = ` · ${done}/${all.length} features`;
    } catch {
      // no feature list yet
    }
    return `baton: ${state.state ?? '?'} · ${state.health_status ?? 'UNKNOWN'}${features}${state.dirty ? ' · dirty' : ''}`;
  } catch {
    return 'baton: no session (baton entry)'; // no state yet
  }
}
