// The quick-start demo: copies demo/project into a fresh git repository in a temp dir
// and runs baton's entry protocol there, as an agent's session would start.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'baton.cjs');
const project = mkdtempSync(path.join(os.tmpdir(), 'baton-demo-'));
cpSync(path.join(here, 'project'), project, { recursive: true });

const git = (...args) => execFileSync('git', args, { cwd: project, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@example.com', GIT_COMMITTER_NAME: 'demo', GIT_COMMITTER_EMAIL: 'demo@example.com' } });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-q', '-m', 'notes: add and list');

// The demo's own project.json is ours, so it is trusted for this run; on your projects, `baton trust`.
execFileSync(process.execPath, [cli, 'entry', project], { stdio: 'inherit', env: { ...process.env, BATON_TRUST: '1' } });
console.log(`\nThe demo project is at ${project}. Try, from there:
  node ${cli} status
  node ${cli} features list
  node ${cli} trust      # allow its project.json commands (health check, tests)
  node ${cli} send FEATURE_IMPLEMENTED --data '{"featureId": "delete-note"}'   # runs the tests`);
