/**
 * The gate's refusals, one JSON line each in `.claude/progress/gate-refusals.jsonl`. A
 * refusal is appended without the progress lock: it must answer within the hook's timeout
 * whatever another baton process holds. The handoff counts a session's lines for its
 * metrics row. No zod here: the gate (dist/hook-fast.js) writes these.
 */
import path from 'node:path';
import type { ProjectPaths } from '../project/paths.js';
import { readOwnText } from '../storage/read.js';
import { appendOwnLine } from '../storage/write.js';

export interface GateRefusal {
  at: string;
  /** Claude Code's session id, from the hook input, when it gave one. */
  session_id: string | null;
  tool_name: string;
  path: string;
  glob: string;
}

export function gateRefusalsFile(paths: ProjectPaths): string {
  return path.join(paths.progressDir, 'gate-refusals.jsonl');
}

export async function recordGateRefusal(paths: ProjectPaths, refusal: GateRefusal): Promise<void> {
  await appendOwnLine(paths, gateRefusalsFile(paths), JSON.stringify(refusal));
}

/**
 * A session's refusals: by session id when the line has one, else by time between the
 * session's start and end. A session begun from the command line (`baton entry`) has an id
 * of baton's own that no hook ever sends, so its refusals are counted by time.
 */
export async function countGateRefusals(paths: ProjectPaths, session: { session_id: string; source: string; started_at: string; ended_at: string | null }): Promise<number> {
  const read = readOwnText(paths, gateRefusalsFile(paths));
  if (read.kind !== 'ok') return 0; // none yet (a bad entry there is set aside by the next refusal)
  const text = read.text;
  const start = Date.parse(session.started_at);
  const end = session.ended_at ? Date.parse(session.ended_at) : Infinity;
  let count = 0;
  for (const line of text.split('\n')) {
    let refusal: Partial<GateRefusal>;
    try {
      refusal = JSON.parse(line) as Partial<GateRefusal>;
    } catch {
      continue; // an empty or torn line
    }
    if (typeof refusal !== 'object' || refusal === null) continue;
    if (typeof refusal.session_id === 'string' && session.source !== 'cli') {
      if (refusal.session_id === session.session_id) count += 1;
    } else {
      const at = Date.parse(String(refusal.at));
      if (at >= start && at <= end) count += 1;
    }
  }
  return count;
}
