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
// The executable (CommonJS: it starts sooner than an ES module main) and the hooks that run on
// every tool call, one self-contained CommonJS file it requires before anything else loads.
await build({ ...shared, format: 'cjs', entryPoints: { baton: 'cli/main.ts' }, outExtension: { '.js': '.cjs' }, outdir: 'dist', external: ['./hook-fast.cjs', './cli.js'], supported: { 'dynamic-import': true } });
await build({ ...shared, format: 'cjs', entryPoints: { 'hook-fast': 'cli/hook-fast.ts' }, outExtension: { '.js': '.cjs' }, outdir: 'dist' });
// The full command line, split per command so each loads only what it uses.
await build({
  ...shared,
  entryPoints: { cli: 'cli/cli.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (simple-git) call require() for Node built-ins.
  banner: { js: "import { createRequire as __batonRequire } from 'node:module'; const require = __batonRequire(import.meta.url);" },
});
// The path hooks installed by an earlier baton run (`node dist/baton.js hook ...`): the same executable.
writeFileSync('dist/baton.js', "#!/usr/bin/env node\nimport { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./baton.cjs');\n");
chmodSync('dist/baton.cjs', 0o755);
chmodSync('dist/baton.js', 0o755);
// Written last: a dist/ without it was cut off mid-build (test/global-setup.ts rebuilds it).
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
