import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../services/atomic-file.js';
import { installHooks, uninstallHooks, type Settings } from '../../services/claude-settings.js';
import { BadFileError, UsageError } from '../../services/errors.js';
import { parseJsonText } from '../../services/json-file.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

export function settingsPath(context: CommandContext): string {
  return path.join(context.paths.root, '.claude', context.options.local ? 'settings.local.json' : 'settings.json');
}

/** The command Claude Code runs: absolute node and baton, so it works from any cwd. */
export function batonCommand(args: string): string {
  const script = realpathSync(process.argv[1]!);
  return `"${process.execPath}" "${script}" ${args}`;
}

async function readSettings(file: string, label: string): Promise<{ settings: Settings; text: string | null }> {
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return { settings: {}, text: null };
  const parsed = parseJsonText(label, text);
  if (!parsed.ok) throw new BadFileError(parsed.problem.file, parsed.problem.problem, parsed.problem.location, 'fix it first; baton has not changed it');
  if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) throw new BadFileError(label, 'must be a JSON object');
  return { settings: parsed.value as Settings, text };
}

/** Installs or removes baton's hooks; shared with `baton init`. */
export async function changeHooks(context: CommandContext, action: 'install' | 'uninstall', statusLine = true) {
  const file = settingsPath(context);
  const label = path.relative(context.paths.root, file);
  const { settings, text } = await readSettings(file, label);
  const result = action === 'install' ? { ...installHooks(settings, batonCommand, { statusLine }), removed: 0 } : { ...uninstallHooks(settings), statusLineKept: false };
  const next = `${JSON.stringify(result.settings, null, 2)}\n`;
  const changed = next !== text;
  if (changed) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    // The user's previous settings stay beside it.
    await writeFileAtomic(file, next, { backup: `${file}.bak` });
  }
  return { file: label, changed, statusLineKept: result.statusLineKept, removed: result.removed };
}

export async function run(context: CommandContext): Promise<number> {
  const [action] = context.args;
  if (action !== 'install' && action !== 'uninstall') throw new UsageError(`unknown hooks action "${action ?? ''}"`, 'usage: baton hooks install|uninstall [--local]');
  const result = await changeHooks(context, action);
  if (context.json) printJson(result);
  else if (action === 'install') {
    println(result.changed ? `installed baton's hooks in ${result.file} (SessionStart, PreToolUse, PostToolUse, PreCompact, Stop, SessionEnd; statusLine)` : `baton's hooks are already installed in ${result.file}`);
    if (result.statusLineKept) println('kept your own statusLine; `baton statusline` is there if you want it');
    println('Claude Code reads hooks when a session starts: restart it to use them.');
  } else println(result.changed ? `removed ${result.removed} baton entr${result.removed === 1 ? 'y' : 'ies'} from ${result.file}` : `no baton hooks in ${result.file}`);
  return 0;
}
