import { existsSync } from 'node:fs';
import path from 'node:path';
import { configuredCommands, loadConfig } from '../../services/project/config.js';
import { mergeImport, readImportFile, saveFeatureList } from '../../services/features/feature-list.js';
import type { ProjectPaths } from '../../services/project/paths.js';
import { inspectOwn } from '../../services/storage/own-path.js';
import { readProjectText } from '../../services/storage/read.js';
import { writeOwnFile } from '../../services/storage/write.js';
import { grantTrust } from '../../services/project/trust.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';
import { changeHooks, installNotes, invocation } from '../hook-settings.js';
import { installMergeDriver } from '../../actors/merge-driver.js';
import { DEFAULTS } from '../../services/project/defaults.js';

/** The test command a project most likely uses, from its own files. */
function detectProject(paths: ProjectPaths): { project_type?: string; test_command?: string } {
  const has = (name: string) => existsSync(path.join(paths.root, name));
  if (has('package.json')) {
    const read = readProjectText(paths, 'package.json');
    try {
      const test = read.kind === 'ok' ? (JSON.parse(read.text) as { scripts?: { test?: unknown } }).scripts?.test : undefined;
      const placeholder = typeof test === 'string' && test.includes('no test specified');
      return { project_type: 'node', ...(typeof test === 'string' && !placeholder ? { test_command: 'npm test --silent' } : {}) };
    } catch {
      return { project_type: 'node' };
    }
  }
  if (has('pyproject.toml') || has('pytest.ini') || has('setup.py')) return { project_type: 'python', test_command: 'pytest -q' };
  if (has('Cargo.toml')) return { project_type: 'rust', test_command: 'cargo test' };
  if (has('go.mod')) return { project_type: 'go', test_command: 'go test ./...' };
  return {};
}

/**
 * `baton init`: config, feature list, hooks in one step; never overwrites what exists. It
 * trusts only a project.json it wrote itself in this run (its commands are shown): one that
 * came with the repository was written by someone else, so the user reviews it and runs
 * `baton trust`.
 */
export async function run(context: CommandContext): Promise<number> {
  const { paths } = context;
  const done: string[] = [];
  // Read the import first: a bad file stops init before it has written anything.
  const importFile = context.options.import as string | undefined;
  const imported = importFile ? await readImportFile(importFile) : [];
  // Whatever is there (a file, a link, a folder) is not baton's to replace.
  const wroteConfig = inspectOwn(paths, paths.config, 'file').kind === 'missing';
  if (wroteConfig) {
    const config = { ...detectProject(paths), timeout_seconds: { ...DEFAULTS.timeout_seconds } };
    await writeOwnFile(paths, paths.config, `${JSON.stringify(config, null, 2)}\n`);
    done.push(`wrote ${path.relative(paths.root, paths.config)}${config.test_command ? ` (test_command: ${config.test_command})` : ''}`);
  } else done.push(`kept your ${path.relative(paths.root, paths.config)}`);

  if (inspectOwn(paths, paths.features, 'file').kind === 'missing' || importFile) {
    const { loadFeatureList } = await import('../../services/features/feature-list.js');
    const merged = mergeImport(await loadFeatureList(paths), imported);
    await saveFeatureList(paths, merged.list);
    done.push(importFile ? `imported ${merged.added.length} feature(s) from ${importFile}` : `wrote an empty ${path.relative(paths.root, paths.features)}`);
  } else done.push(`kept your ${path.relative(paths.root, paths.features)}`);

  const hooks = await changeHooks(context, 'install');
  done.push(hooks.changed ? `installed hooks in ${hooks.file}` : `hooks already in ${hooks.file}`, ...installNotes(hooks));

  // Worktrees and branches that each finish features merge their lists by feature id, not by lines.
  const driver = await installMergeDriver(paths, invocation().command('merge-features %O %A %B %P'));
  if (driver) done.push(`merge driver for the feature list: ${driver.config}; ${driver.attributes}`);

  const config = await loadConfig(paths);
  const fields = configuredCommands(config);
  const shown = fields.map((field) => `${field}: ${String(config.raw[field])}`).join('; ');
  let trusted = false;
  if (fields.length === 0) done.push('project.json has no commands yet (nothing to trust)');
  else if (wroteConfig) {
    await grantTrust(paths, config);
    trusted = true;
    done.push(`trusted the commands baton wrote into project.json: ${shown}`);
  } else done.push(`did NOT trust the project.json that was already here; review its commands (${shown}), then run \`baton trust\` to let them run`);

  if (context.json) printJson({ done, trusted, commands: Object.fromEntries(fields.map((field) => [field, config.raw[field]])) });
  else {
    for (const line of done) println(`- ${line}`);
    println('Next: add features (`baton features add "..."`), then `baton entry`.');
  }
  return 0;
}
