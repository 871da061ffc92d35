import { configuredCommands, loadConfig } from '../../services/project/config.js';
import { grantTrust } from '../../services/project/trust.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

export async function run(context: CommandContext): Promise<number> {
  const config = await loadConfig(context.paths);
  const fields = configuredCommands(config);
  if (fields.length === 0) {
    if (context.json) printJson({ trusted: true, commands: {} });
    else println('project.json has no commands to run: nothing to trust');
    return 0;
  }
  const record = await grantTrust(context.paths, config);
  const commands = Object.fromEntries(fields.map((field) => [field, config.raw[field] as string]));
  if (context.json) printJson({ trusted: true, trusted_at: record?.trusted_at, commands });
  else {
    println('trusted these commands from .claude/config/project.json (a change to the file needs `baton trust` again):');
    for (const [field, command] of Object.entries(commands)) println(`  ${field}: ${command}`);
  }
  return 0;
}
