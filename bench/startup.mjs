// Start-up benchmark: wall time of baton commands next to `node -e 0` on the same machine.
// Shared machines are noisy, so it reports medians and the ratio, not absolute verdicts.
// Usage: npm run bench [-- --runs 15]. With BATON_SPEC_SCRIPT naming the spec's bash entry
// script, it runs beside `baton entry` on the same 50-feature project.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > -1 ? Number(process.argv[runsArg + 1]) : 15;
const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'baton.cjs');

function makeProject(featureCount) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
  writeFileSync(path.join(dir, 'package.json'), '{"name":"bench"}\n');
  // The entry file the built-in health check syntax-checks: entry runs a health check process.
  writeFileSync(path.join(dir, 'index.js'), 'module.exports = {};\n');
  mkdirSync(path.join(dir, '.claude', 'progress'), { recursive: true });
  const features = Array.from({ length: featureCount }, (_, i) => ({ id: `feature-${i + 1}`, description: `Feature number ${i + 1}`, status: i < featureCount / 2 ? 'tested' : 'pending' }));
  writeFileSync(path.join(dir, '.claude', 'progress', 'feature-list.json'), JSON.stringify({ features }, null, 2));
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', '-A'], { cwd: dir });
  execFileSync('git', ['commit', '-qm', 'bench'], { cwd: dir, env });
  return dir;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(command, args, cwd, input) {
  const samples = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, input: typeof input === 'function' ? input(i) : (input ?? ''), stdio: ['pipe', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

/** A Claude Code transcript of about `megabytes` MB: assistant messages with usage, tool results between. */
function writeTranscript(file, megabytes) {
  const filler = 'x'.repeat(2000);
  const lines = [];
  for (let i = 0; lines.length * 2100 < megabytes * 1024 * 1024; i += 1) {
    lines.push(JSON.stringify({ type: 'assistant', message: { id: `msg_${i}`, content: [{ type: 'text', text: filler }], usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 300 } } }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const project = makeProject(50);
const transcript = path.join(project, 'transcript.jsonl');
writeTranscript(transcript, 33);
const hookInput = (event, extra = {}) => JSON.stringify({ session_id: 'bench', transcript_path: transcript, cwd: project, hook_event_name: event, ...extra });
execFileSync(process.execPath, [cli, 'hook', 'SessionStart'], { cwd: project, input: hookInput('SessionStart', { source: 'startup' }), stdio: ['pipe', 'ignore', 'inherit'] });
// The first Stop reads the whole 33 MB transcript once; every later one only what was appended.
execFileSync(process.execPath, [cli, 'hook', 'Stop'], { cwd: project, input: hookInput('Stop', { stop_hook_active: false }), stdio: ['pipe', 'ignore', 'inherit'] });
// Claude Code's hook input for an edit, as it arrives on every tool call.
// PostToolUse alternates between two files, so every call takes the write path.
const toolCall = (event) => (i) =>
  JSON.stringify({ session_id: 'bench', transcript_path: '/dev/null', cwd: project, hook_event_name: event, tool_name: 'Edit', tool_input: { file_path: path.join(project, 'src', `app${i % 2}.ts`), old_string: 'a', new_string: 'b' }, tool_use_id: 't1' });
const entered = (featureCount) => {
  const dir = makeProject(featureCount);
  execFileSync(process.execPath, [cli, 'entry', '--json'], { cwd: dir, stdio: 'ignore' });
  return dir;
};
const project1k = entered(1000);
const project10k = entered(10000);
const specScript = process.env.BATON_SPEC_SCRIPT;
const node = process.execPath;
// [name, command, args, input, cwd]
const cases = [
  ['node -e 0', node, ['-e', '0']],
  ...(specScript ? [['the spec script (bash, 50 features)', 'bash', [specScript, '.']]] : []),
  ['baton entry --json (50 features)', node, [cli, 'entry', '--json']],
  ['baton entry --json (1,000 features)', node, [cli, 'entry', '--json'], undefined, project1k],
  ['baton entry --json (10,000 features)', node, [cli, 'entry', '--json'], undefined, project10k],
  ['baton status --json', node, [cli, 'status', '--json']],
  ['baton send FEATURE_STARTED', node, [cli, 'send', 'FEATURE_STARTED', '--data', '{"featureId":"feature-30"}']],
  ['baton hook PreToolUse (healthy)', node, [cli, 'hook', 'PreToolUse'], toolCall('PreToolUse')],
  ['baton hook PostToolUse', node, [cli, 'hook', 'PostToolUse'], toolCall('PostToolUse')],
  ['baton hook PreCompact', node, [cli, 'hook', 'PreCompact'], hookInput('PreCompact', { trigger: 'auto', custom_instructions: null })],
  ['baton hook Stop (nothing new, 33 MB transcript)', node, [cli, 'hook', 'Stop'], hookInput('Stop', { stop_hook_active: false })],
  ['baton --help', node, [cli, '--help']],
];
// Interleave rounds so machine noise hits every case alike.
const results = new Map(cases.map(([name]) => [name, []]));
for (let round = 0; round < 3; round += 1) for (const [name, command, args, input, cwd] of cases) results.get(name).push(time(command, args, cwd ?? project, input));
const baseline = median(results.get('node -e 0'));
console.log(`runs per case: ${RUNS} x 3 rounds, median wall time, node ${process.version}, ${os.cpus().length} cpus`);
for (const [name] of cases) {
  const ms = median(results.get(name));
  console.log(`${name.padEnd(48)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / baseline).toFixed(2)}x node -e 0`);
}
const ratio = (a, b) => (median(results.get(a)) / median(results.get(b))).toFixed(2);
console.log(`entry on 10,000 features / entry on 50: ${ratio('baton entry --json (10,000 features)', 'baton entry --json (50 features)')}x; on 1,000: ${ratio('baton entry --json (1,000 features)', 'baton entry --json (50 features)')}x`);
if (specScript) console.log(`entry / the spec script (50 features): ${ratio('baton entry --json (50 features)', 'the spec script (bash, 50 features)')}x`);
