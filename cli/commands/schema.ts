import { configSchemaJson } from '../../services/project/config.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';

export async function run(_context: CommandContext): Promise<number> {
  printJson(configSchemaJson());
  return 0;
}
