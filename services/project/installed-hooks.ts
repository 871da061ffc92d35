/**
 * Which of Claude Code's settings files run baton's hooks: the user's (`~/.claude/settings.json`,
 * or `$CLAUDE_CONFIG_DIR/settings.json`) and the project's two. The plugin's hooks stand aside
 * for an event a settings file already runs baton for, so a project with both runs each hook
 * once; `baton doctor` reports what is where. No zod: the plugin's per-call hooks ask this.
 */
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readOwnJson } from '../storage/read.js';
import { runsBatonFor, type HookEventName, type Settings } from './claude-settings.js';
import type { ProjectPaths } from './paths.js';

const USER_SETTINGS_MAX_BYTES = 1024 * 1024;

export type SettingsScope = 'user' | 'project' | 'local';

export interface SettingsFile {
  scope: SettingsScope;
  /** Where it is: `~/...` for the user's, relative to the project for the project's. */
  label: string;
  file: string;
  /** The parsed settings; null when the file is missing. */
  settings: Settings | null;
  /** Why it could not be used (not JSON, not an object, a link in the project, too big). */
  problem: string | null;
}

export function userSettingsFile(): string {
  return path.join(process.env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'settings.json');
}

function asSettings(value: unknown): Settings | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Settings) : null;
}

/** The user's own file: outside every project, so a link (a dotfiles manager's) is followed; bounded. */
function readUserSettings(): SettingsFile {
  const file = userSettingsFile();
  const home = os.homedir();
  const label = file.startsWith(`${home}${path.sep}`) ? `~/${path.relative(home, file)}` : file;
  const none = { scope: 'user' as const, label, file };
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return { ...none, settings: null, problem: 'is not a regular file' };
    if (stat.size > USER_SETTINGS_MAX_BYTES) return { ...none, settings: null, problem: `is larger than ${USER_SETTINGS_MAX_BYTES / 1024 / 1024} MB` };
    const settings = asSettings(JSON.parse(readFileSync(file, 'utf8')));
    return settings ? { ...none, settings, problem: null } : { ...none, settings: null, problem: 'is not a JSON object' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ...none, settings: null, problem: null };
    return { ...none, settings: null, problem: error instanceof SyntaxError ? `is not valid JSON (${error.message})` : `cannot be read (${code ?? (error as Error).message})` };
  }
}

/** One of the project's files: the clone's, so read through the storage guard (no links, bounded). */
function readProjectSettings(paths: ProjectPaths, scope: 'project' | 'local'): SettingsFile {
  const name = scope === 'project' ? 'settings.json' : 'settings.local.json';
  const file = path.join(paths.claudeDir, name);
  const none = { scope, label: `.claude/${name}`, file };
  let read;
  try {
    read = readOwnJson(paths, file, undefined, { maxBytes: USER_SETTINGS_MAX_BYTES });
  } catch (error) {
    return { ...none, settings: null, problem: (error as Error).message };
  }
  if (read.kind === 'missing') return { ...none, settings: null, problem: null };
  if (read.kind === 'invalid') return { ...none, settings: null, problem: read.problem.problem };
  const settings = asSettings(read.value);
  return settings ? { ...none, settings, problem: null } : { ...none, settings: null, problem: 'is not a JSON object' };
}

/** The three files Claude Code reads hooks from, user first. */
export function readSettingsFiles(paths: ProjectPaths): SettingsFile[] {
  return [readUserSettings(), readProjectSettings(paths, 'project'), readProjectSettings(paths, 'local')];
}

/** The settings file that already runs baton for this event and tool name (or source, trigger), if one does. */
export function settingsRunningBaton(paths: ProjectPaths, event: HookEventName, value: string | undefined): SettingsFile | null {
  return readSettingsFiles(paths).find((file) => file.settings !== null && runsBatonFor(file.settings, event, value)) ?? null;
}
