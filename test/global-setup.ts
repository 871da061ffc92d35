/**
 * The CLI tests run the built dist/: a dist/ older than its sources would test yesterday's
 * code and pass. Before the tests run, a stale, missing or half-written build (no dist/.built,
 * which build.mjs writes last) is rebuilt, one vitest process at a time (a lock folder); a
 * fresh one is left alone, so runs that start together do not rebuild under each other.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['machines', 'services', 'actors', 'cli', 'visualize'];
const BUILD_INPUTS = ['build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];
const BUILT = path.join(ROOT, 'dist', '.built');
const LOCK = path.join(ROOT, 'dist.lock');

function newestIn(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const file = path.join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestIn(file) : statSync(file).mtimeMs);
  }, 0);
}

function isFresh(): boolean {
  let builtAt: number;
  try {
    builtAt = statSync(BUILT).mtimeMs;
  } catch {
    return false;
  }
  const newestSource = Math.max(...SOURCES.map((dir) => newestIn(path.join(ROOT, dir))), ...BUILD_INPUTS.map((file) => statSync(path.join(ROOT, file)).mtimeMs));
  return builtAt >= newestSource;
}

function takeLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    return false;
  }
}

export default function setup(): void {
  const deadline = Date.now() + 120_000;
  while (!isFresh()) {
    if (takeLock()) {
      try {
        if (!isFresh()) {
          process.stderr.write('dist/ is older than its sources: building it first (node build.mjs)\n');
          execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
        }
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    // Another run is building: wait for it.
    if (Date.now() > deadline) throw new Error(`${LOCK} has been there for 2 minutes: remove it if no build is running`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
