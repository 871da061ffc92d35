/**
 * The CLI tests run the built dist/: a dist/ older than its sources would test yesterday's
 * code and pass. Before any test runs, a stale or missing build is rebuilt (build.mjs takes
 * about a second); a fresh one is left alone, so concurrent runs never see it half-written.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['machines', 'services', 'actors', 'cli', 'visualize'];
const BUILD_INPUTS = ['build.mjs', 'package.json', 'package-lock.json'];
const OUTPUTS = ['dist/baton.js', 'dist/hook-fast.js'];

function newestIn(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const file = path.join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestIn(file) : statSync(file).mtimeMs);
  }, 0);
}

function builtAt(): number {
  try {
    return Math.min(...OUTPUTS.map((file) => statSync(path.join(ROOT, file)).mtimeMs));
  } catch {
    return 0;
  }
}

export default function setup(): void {
  const newestSource = Math.max(...SOURCES.map((dir) => newestIn(path.join(ROOT, dir))), ...BUILD_INPUTS.map((file) => statSync(path.join(ROOT, file)).mtimeMs));
  if (builtAt() >= newestSource) return;
  process.stderr.write('dist/ is older than its sources: building it first (node build.mjs)\n');
  execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}
