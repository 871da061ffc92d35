import path from 'node:path';
import { countFeatures } from '../../machines/features.js';
import { projectPaths } from '../../services/project/paths.js';
import { findProjectRoot } from '../../services/project/project-root.js';
import { readOwnJson } from '../../services/storage/read.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';
import { readStdinToEnd } from '../stdin.js';

/**
 * Where to start looking for the project. Claude Code runs the status line in the shell's
 * current directory (which follows the agent's `cd`) and names the project on stdin, so stdin
 * comes first: `workspace.project_dir`, then `workspace.current_dir` or `cwd`. Run by hand
 * (no JSON), the current directory.
 */
function startDirectory(): string {
  let input: { workspace?: { project_dir?: unknown; current_dir?: unknown }; cwd?: unknown } = {};
  const read = readStdinToEnd();
  try {
    if (read.ok) input = JSON.parse(read.text) ?? {};
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
    // a project baton cannot read: the default line
  }
  if (context.json) printJson({ line });
  else println(line);
  return 0;
}

function statusOf(root: string): string {
  const paths = projectPaths(root);
  const state = readOwnJson<{ state?: string; health_status?: string; dirty?: boolean }>(paths, paths.state);
  if (state.kind === 'missing') return 'baton: no session (baton entry)';
  if (state.kind === 'invalid') return 'baton: state.json unreadable (baton entry)';
  const list = readOwnJson<{ features?: { status?: unknown }[] }>(paths, paths.features);
  const all = list.kind === 'ok' && Array.isArray(list.value?.features) ? list.value.features : null;
  // The file's own default for a missing status is pending.
  const counts = all && countFeatures(all.map((feature) => ({ status: String(feature?.status ?? 'pending') })));
  const features = counts ? ` · ${counts.done}/${counts.total} features` : '';
  return `baton: ${state.value?.state ?? '?'} · ${state.value?.health_status ?? 'UNKNOWN'}${features}${state.value?.dirty ? ' · dirty' : ''}`;
}
