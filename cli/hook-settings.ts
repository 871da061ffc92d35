/** Claude Code's settings file and baton's hooks in it: `baton hooks` and `baton init` change them through here. */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { installHooks, uninstallHooks, type Settings } from '../services/project/claude-settings.js';
import { BadFileError } from '../services/errors.js';
import { readOwnJson } from '../services/storage/read.js';
import { writeOwnFile } from '../services/storage/write.js';
import type { CommandContext } from './context.js';

export function settingsPath(context: CommandContext): string {
  return path.join(context.paths.root, '.claude', context.options.local ? 'settings.local.json' : 'settings.json');
}

/** The command Claude Code runs: absolute node and baton, so it works from any cwd. */
export function batonCommand(args: string): string {
  const script = realpathSync(process.argv[1]!);
  return `"${process.execPath}" "${script}" ${args}`;
}

/** Claude Code's settings file: the user's, so a bad one (or a link, which could point anywhere) stops the install untouched. */
function readSettings(context: CommandContext, file: string): { settings: Settings; text: string | null } {
  const read = readOwnJson(context.paths, file);
  if (read.kind === 'missing') return { settings: {}, text: null };
  if (read.kind === 'invalid') throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, 'fix it first (a link: replace it with the file itself); baton has not changed it');
  if (!read.value || typeof read.value !== 'object' || Array.isArray(read.value)) throw new BadFileError(path.relative(context.paths.root, file), 'must be a JSON object', undefined, 'fix it first; baton has not changed it');
  return { settings: read.value as Settings, text: read.raw };
}

/** Installs or removes baton's hooks; shared with `baton init`. */
export async function changeHooks(context: CommandContext, action: 'install' | 'uninstall', statusLine = true) {
  const file = settingsPath(context);
  const label = path.relative(context.paths.root, file);
  const { settings, text } = readSettings(context, file);
  const result = action === 'install' ? { ...installHooks(settings, batonCommand, { statusLine }), removed: 0 } : { ...uninstallHooks(settings), statusLineKept: false };
  const next = `${JSON.stringify(result.settings, null, 2)}\n`;
  const changed = next !== text;
  if (changed) {
    // The user's previous settings stay beside it.
    await writeOwnFile(context.paths, file, next, { backup: `${file}.bak` });
  }
  return { file: label, changed, statusLineKept: result.statusLineKept, removed: result.removed };
}
