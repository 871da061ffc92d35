import { readFileSync } from 'node:fs';
import type { CommandContext } from '../context.js';

/** One line for Claude Code's status bar. Fast and quiet: it runs often, and never fails loudly. */
export async function run(context: CommandContext): Promise<number> {
  let line = 'baton: no session (baton entry)';
  try {
    const state = JSON.parse(readFileSync(context.paths.state, 'utf8')) as { state?: string; health_status?: string; dirty?: boolean };
    let features = '';
    try {
      const list = JSON.parse(readFileSync(context.paths.features, 'utf8')) as { features?: { status?: string }[] };
      const all = list.features ?? [];
      const done = all.filter((feature) => feature.status === 'tested' || feature.status === 'completed').length;
      features = ` · ${done}/${all.length} features`;
    } catch {
      // no feature list yet
    }
    line = `baton: ${state.state ?? '?'} · ${state.health_status ?? 'UNKNOWN'}${features}${state.dirty ? ' · dirty' : ''}`;
  } catch {
    // no state yet: the default line
  }
  process.stdout.write(`${line}\n`);
  return 0;
}
