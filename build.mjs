// Bundles the CLI into dist/ with esbuild. One file per lazily loaded command (code
// splitting), so a hook that runs on every tool call loads only what it uses: module
// resolution of many small files was the largest part of start-up time.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync('dist', { recursive: true, force: true });
const shared = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  define: { BATON_VERSION: JSON.stringify(version) },
};
// The hooks that run on every tool call: one self-contained file, loaded before anything else,
// and one chunk it loads only when the gate reads a Bash command (services/gate-bash.ts).
await build({ ...shared, entryPoints: { 'hook-fast': 'cli/hook-fast.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/fast-[name]-[hash]' });
await build({
  ...shared,
  entryPoints: { baton: 'cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // main.ts imports it by this path; it is the file built above.
  external: ['./hook-fast.js'],
  // CommonJS dependencies (simple-git) call require() for Node built-ins.
  banner: { js: "import { createRequire as __batonRequire } from 'node:module'; const require = __batonRequire(import.meta.url);" },
});
chmodSync('dist/baton.js', 0o755);
// Written last: a dist/ without it was cut off mid-build (test/global-setup.ts rebuilds it).
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
