// Bundles the CLI into dist/ with esbuild. One file per lazily loaded command (code
// splitting), so a hook that runs on every tool call loads only what it uses: module
// resolution of many small files was the largest part of start-up time.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { baton: 'cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (simple-git) call require() for Node built-ins.
  banner: { js: "import { createRequire as __batonRequire } from 'node:module'; const require = __batonRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync('dist/baton.js', 0o755);
