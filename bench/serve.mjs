// `npm run bench:serve`: PreToolUse answered by `baton serve` (p50 and p99 over 1,000 requests
// from one client, one connection kept alive, as Claude Code keeps one) next to `baton hook
// PreToolUse` as a process, and `node -e 0`, on the same machine and project.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'baton.cjs');
const REQUESTS = 1000;
const PROCESS_RUNS = 40;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
};

function project(broken) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-serve-'));
  writeFileSync(path.join(dir, 'package.json'), '{"name":"bench"}\n');
  writeFileSync(path.join(dir, 'index.js'), broken ? 'module.exports = {\n' : 'module.exports = {};\n');
  mkdirSync(path.join(dir, 'src'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync(process.execPath, [cli, 'entry'], { cwd: dir, env: { ...process.env, CLAUDE_PROJECT_DIR: '' }, stdio: 'ignore' });
  return dir;
}

const payload = (dir) => JSON.stringify({ session_id: 'bench', cwd: dir, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: path.join(dir, 'README.md'), content: 'x' } });

const freePort = () => new Promise((resolve) => { const server = net.createServer().listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); }); });

async function viaService(record, dir) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = payload(dir);
  const once = () => new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port: record.port, method: 'POST', path: '/v1/hooks/PreToolUse', agent, headers: { authorization: `Bearer ${record.secret}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    });
    req.on('error', reject);
    req.end(body);
  });
  for (let i = 0; i < 50; i += 1) await once();
  const times = [];
  for (let i = 0; i < REQUESTS; i += 1) times.push(await once());
  agent.destroy();
  return summary(times);
}

function timed(command, args, options) {
  const times = [];
  for (let i = 0; i < PROCESS_RUNS; i += 1) {
    const started = process.hrtime.bigint();
    spawnSync(command, args, options);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return summary(times);
}

const config = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-config-'));
const port = await freePort();
const env = { ...process.env, XDG_CONFIG_HOME: config, CLAUDE_PROJECT_DIR: '' };
const service = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--idle-exit', '600'], { env, stdio: 'ignore' });
let record = null;
for (let waited = 0; waited < 10_000 && !record; waited += 50) {
  try { record = JSON.parse(readFileSync(path.join(config, 'baton', 'serve.json'), 'utf8')); } catch { await new Promise((resolve) => setTimeout(resolve, 50)); }
}
await new Promise((resolve) => setTimeout(resolve, 500));

const rows = [['node -e 0', timed(process.execPath, ['-e', '0'], {})]];
for (const [label, broken] of [['healthy', false], ['BROKEN', true]]) {
  const dir = project(broken);
  rows.push([`baton hook PreToolUse, a process (${label})`, timed(process.execPath, [cli, 'hook', 'PreToolUse'], { input: payload(dir), env: { ...env, CLAUDE_PROJECT_DIR: dir } })]);
  rows.push([`PreToolUse via baton serve (${label})`, await viaService(record, dir)]);
  rmSync(dir, { recursive: true, force: true });
}
service.kill('SIGTERM');
rmSync(config, { recursive: true, force: true });

console.log(`node ${process.version}, ${os.availableParallelism()} cpus; ${REQUESTS} requests on one kept-alive connection, ${PROCESS_RUNS} process runs`);
for (const [label, { p50, p99 }] of rows) console.log(`${label.padEnd(48)} p50 ${p50.toFixed(2).padStart(7)} ms   p99 ${p99.toFixed(2).padStart(7)} ms`);
