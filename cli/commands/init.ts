import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../services/atomic-file.js';
import { loadConfig } from '../../services/config.js';
import { mergeImport, readImportFile, saveFeatureList } from '../../services/feature-list.js';
import { grantTrust } from '../../services/trust.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';
import { changeHooks } from './hooks.js';

/** The test command a project most likely uses, from its own files. */
export function detectProject(root: string): { project_type?: string; test_command?: string } {
  const has = (name: string) => existsSync(path.join(root, name));
  if (has('package.json')) {
    try {
      const test = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: { test?: string } }).scripts?.test;
      const placeholder = test?.includes('no test specified');
      return { project_type: 'node', ...(test && !placeholder ? { test_command: 'npm test --silent' } : {}) };
    } catch {
      return { project_type: 'node' };
    }
  }
  if (has('pyproject.toml') || has('pytest.ini') || has('setup.py')) return { project_type: 'python', test_command: 'pytest -q' };
  if (has('Cargo.toml')) return { project_type: 'rust', test_command: 'cargo test' };
  if (has('go.mod')) return { project_type: 'go', test_command: 'go test ./...' };
  return {};
}

/** `baton init`: config, feature list, hooks and trust in one step; never overwrites what exists. */
export async function run(context: CommandContext): Promise<number> {
  const { paths } = context;
  const done: string[] = [];
  // Read the import first: a bad file stops init before it has written anything.
  const importFile = context.options.import as string | undefined;
  const imported = importFile ? await readImportFile(importFile) : [];
  if (!existsSync(paths.config)) {
    const config = { ...detectProject(paths.root), timeout_seconds: { health_check: 5, smoke_test: 60, full_test: 300 } };
    await fs.mkdir(paths.configDir, { recursive: true });
    await writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
    done.push(`wrote ${path.relative(paths.root, paths.config)}${config.test_command ? ` (test_command: ${config.test_command})` : ''}`);
  } else done.push(`kept your ${path.relative(paths.root, paths.config)}`);

  if (!existsSync(paths.features) || importFile) {
    const { loadFeatureList } = await import('../../services/feature-list.js');
    const merged = mergeImport(await loadFeatureList(paths), imported);
    await fs.mkdir(paths.progressDir, { recursive: true });
    await saveFeatureList(paths, merged.list);
    done.push(importFile ? `imported ${merged.added.length} feature(s) from ${importFile}` : `wrote an empty ${path.relative(paths.root, paths.features)}`);
  } else done.push(`kept your ${path.relative(paths.root, paths.features)}`);

  const hooks = await changeHooks(context, 'install');
  done.push(hooks.changed ? `installed hooks in ${hooks.file}` : `hooks already in ${hooks.file}`);

  // The config baton just wrote (or the one you had): trusting it is what init is for; its commands are shown.
  const config = await loadConfig(paths);
  await grantTrust(paths, config);
  const commands = ['health_check', 'init_script', 'test_command', 'smoke_test'].filter((field) => config.raw[field as keyof typeof config.raw]);
  done.push(commands.length ? `trusted project.json's commands: ${commands.map((field) => `${field}: ${String(config.raw[field as keyof typeof config.raw])}`).join('; ')}` : 'project.json has no commands yet (nothing to trust)');

  if (context.json) printJson({ done });
  else {
    for (const line of done) println(`- ${line}`);
    println('Next: add features (`baton features add "..."`), then `baton entry`.');
  }
  return 0;
}
