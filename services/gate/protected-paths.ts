/**
 * Which paths the PreToolUse gate protects while the app is broken. project.json says,
 * when it is good (it parses, its protected_paths are valid, and it is trusted); state.json
 * records the globs of the last good configuration at every write, so breaking, removing
 * or editing project.json while broken does not open the gate. With neither, the gate
 * fails closed: every path in the project is protected.
 *
 * Light (no zod): the per-call hook bundle uses it.
 */
import { DEFAULTS } from '../project/defaults.js';
import { describeProblem, parseJsonText } from '../storage/json-file.js';
import type { ProjectPaths } from '../project/paths.js';
import { readOwnText } from '../storage/read.js';
import { decideTrustFor } from '../project/trust.js';

/** What the gate protects when it has no configuration it can use: all of the project. */
export const EVERYTHING = ['**'];

const CONFIG_LABEL = '.claude/config/project.json';

export type ConfigGlobs = { good: true; globs: string[] } | { good: false; problem: string };

/** project.json's protected globs when the file is good; no file means the default list. */
export async function configuredGlobs(paths: ProjectPaths): Promise<ConfigGlobs> {
  let read;
  try {
    read = readOwnText(paths, paths.config);
  } catch (error) {
    return { good: false, problem: (error as Error).message }; // .claude/config is a link or a file
  }
  if (read.kind === 'missing') return { good: true, globs: [...DEFAULTS.protected_paths] };
  if (read.kind === 'bad') return { good: false, problem: describeProblem(read.problem) };
  const text = read.text;
  const parsed = parseJsonText(CONFIG_LABEL, text);
  if (!parsed.ok) return { good: false, problem: `${CONFIG_LABEL}${parsed.problem.location ? ` (${parsed.problem.location})` : ''} ${parsed.problem.problem}` };
  const raw = parsed.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { good: false, problem: `${CONFIG_LABEL} is not a JSON object` };
  const globs = (raw as { protected_paths?: unknown }).protected_paths;
  if (globs !== undefined && !(Array.isArray(globs) && globs.every((glob) => typeof glob === 'string' && glob.length > 0))) {
    return { good: false, problem: `${CONFIG_LABEL}: protected_paths is not a list of globs` };
  }
  const trust = await decideTrustFor(paths.root, text, raw as Record<string, unknown>);
  if (!trust.trusted) return { good: false, problem: trust.message };
  return { good: true, globs: (globs as string[] | undefined) ?? [...DEFAULTS.protected_paths] };
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

/**
 * The globs state.json records at a write. A good config replaces the record while the
 * app is healthy; while it is broken the record only grows, so an edit made to get out
 * of the gate does not shrink it. A config that is not good leaves the record as it was.
 */
export function globsToRecord(current: ConfigGlobs | undefined, recorded: readonly string[] | undefined, broken: boolean): string[] | undefined {
  if (!current?.good) return recorded ? [...recorded] : undefined;
  return broken && recorded ? union(recorded, current.globs) : [...current.globs];
}

export interface GateGlobs {
  globs: string[];
  /** Set when the gate does not follow project.json as it is now: why, and what to do. */
  note: string | null;
}

/** What the gate enforces: the current good config and the recorded globs together, else the record alone, else everything. */
export function gateGlobs(current: ConfigGlobs, recorded: readonly string[] | null): GateGlobs {
  if (current.good) return { globs: union(current.globs, recorded ?? []), note: null };
  const fix = `fix ${CONFIG_LABEL} (a person, if the gate blocks the agent), or review it and run \`baton trust\``;
  if (recorded) return { globs: [...recorded], note: `${current.problem}; so the gate protects the paths of the last good configuration, recorded in state.json. To change them: ${fix}` };
  return {
    globs: EVERYTHING,
    note: `${current.problem}, and state.json records no earlier good configuration; so the gate protects every path in the project. To unblock: ${fix}`,
  };
}
