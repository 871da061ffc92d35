import { UsageError } from '../../services/errors.js';
import { pluginHooks } from '../../services/project/claude-settings.js';
import type { CommandContext } from '../context.js';
import { changeHooks, installNotes } from '../hook-settings.js';
import { printJson, println } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const [action] = context.args;
  // The plugin's hooks/hooks.json, from the same table as the install (`npm run plugin` writes it).
  if (action === 'plugin') {
    printJson(pluginHooks());
    return 0;
  }
  if (action !== 'install' && action !== 'uninstall') throw new UsageError(`unknown hooks action "${action ?? ''}"`, 'usage: baton hooks install|uninstall [--local] | baton hooks plugin');
  const result = await changeHooks(context, action);
  if (context.json) printJson(result);
  else if (action === 'install') {
    println(result.changed ? `installed baton's hooks in ${result.file} (SessionStart, PreToolUse, PostToolUse, PreCompact, Stop, SessionEnd; statusLine)` : `baton's hooks are already installed in ${result.file}`);
    for (const note of installNotes(result)) println(note);
    if (result.statusLineKept) println('kept your own statusLine; `baton statusline` is there if you want it');
    println('Claude Code reads hooks when a session starts: restart it to use them.');
  } else println(result.changed ? `removed ${result.removed} baton entr${result.removed === 1 ? 'y' : 'ies'} from ${result.file}` : `no baton hooks in ${result.file}`);
  return 0;
}
