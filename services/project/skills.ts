/**
 * The skill the agent should load, as the agent can find it. The spec names a folder per state
 * (`implementation/`); baton ships one skill per state in its own `skills/`, which Claude Code
 * knows as `baton:implementation` when baton runs as its plugin. The project's own
 * `.claude/skills/<name>/SKILL.md` overrides baton's.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { SettingsFile } from './installed-hooks.js';
import type { ProjectPaths } from './paths.js';

export const PLUGIN_NAME = 'baton';

export interface SkillToLoad {
  /** How to ask for it: `baton:implementation`, the project's `implementation`, or the SKILL.md path when no plugin serves it. */
  name: string;
  source: 'project' | 'plugin' | 'file' | 'spec';
}

/** What is at a path itself, links not followed. */
function kindAt(file: string): 'file' | 'folder' | 'other' {
  try {
    const stat = lstatSync(file);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : 'other';
  } catch {
    return 'other';
  }
}

/** `.claude/skills/<skill>/SKILL.md`, each step a real folder and the last a file (stat only: it is never read here). */
function projectHasSkill(paths: ProjectPaths, skill: string): boolean {
  const folder = path.join(paths.claudeDir, 'skills', skill);
  return kindAt(path.dirname(folder)) === 'folder' && kindAt(folder) === 'folder' && kindAt(path.join(folder, 'SKILL.md')) === 'file';
}

/** A settings file that enables baton's plugin (`"enabledPlugins": {"baton@...": true}`). */
export function enablesPlugin(files: readonly SettingsFile[]): boolean {
  return files.some((file) => {
    const enabled = file.settings?.enabledPlugins;
    return !!enabled && typeof enabled === 'object' && Object.entries(enabled).some(([key, on]) => key.startsWith(`${PLUGIN_NAME}@`) && on === true);
  });
}

/**
 * `folder` is the spec's name (`implementation/`). `batonRoot` is where this baton is installed
 * (its `skills/` beside `dist/`); `plugin`: baton runs as the plugin, or the settings enable it.
 */
export function skillToLoad(paths: ProjectPaths, folder: string, options: { plugin: boolean; batonRoot: string | null }): SkillToLoad {
  const skill = folder.replace(/\/$/, '');
  if (projectHasSkill(paths, skill)) return { name: skill, source: 'project' };
  if (options.plugin) return { name: `${PLUGIN_NAME}:${skill}`, source: 'plugin' };
  const shipped = options.batonRoot ? path.join(options.batonRoot, 'skills', skill, 'SKILL.md') : null;
  if (shipped && kindAt(shipped) === 'file') return { name: shipped, source: 'file' };
  return { name: folder, source: 'spec' };
}
