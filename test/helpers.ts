/** Real projects in temp dirs and the built CLI as a child process: what the tests drive. */
import { execa } from 'execa';
import fse from 'fs-extra';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../services/project/config.js';
import { projectPaths } from '../services/project/paths.js';
import { grantTrust } from '../services/project/trust.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'baton.cjs');

export interface Project {
  dir: string;
  file(relative: string): string;
  write(relative: string, content: unknown): Promise<void>;
  read(relative: string): Promise<string>;
  readJson<T = any>(relative: string): Promise<T>;
  git(...args: string[]): Promise<string>;
  commit(message: string, files?: Record<string, string>): Promise<void>;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export async function makeProject(options: { git?: boolean; packageJson?: boolean } = {}): Promise<Project> {
  const dir = await fse.realpath(await fse.mkdtemp(path.join(os.tmpdir(), 'baton-test-')));
  const project: Project = {
    dir,
    file: (relative) => path.join(dir, relative),
    async write(relative, content) {
      await fse.outputFile(path.join(dir, relative), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
    },
    read: (relative) => fse.readFile(path.join(dir, relative), 'utf8'),
    readJson: async (relative) => JSON.parse(await readFile(path.join(dir, relative), 'utf8')),
    async git(...args) {
      return (await execa('git', args, { cwd: dir, env: GIT_ENV })).stdout;
    },
    async commit(message, files = {}) {
      for (const [name, content] of Object.entries(files)) await project.write(name, content);
      await project.git('add', '-A');
      await project.git('commit', '-q', '--allow-empty', '-m', message);
    },
  };
  if (options.packageJson !== false) {
    await project.write('package.json', { name: 'demo-app', version: '1.0.0' });
    // The entry file the built-in health check syntax-checks: without one, health is UNKNOWN.
    await project.write('index.js', 'module.exports = {};\n');
  }
  if (options.git !== false) {
    await project.git('init', '-q', '-b', 'main');
    await project.commit('initial commit');
  }
  return project;
}

/** Every path under the project except .git, with its bytes: a refusal must leave it as it was. */
export async function tree(project: Project): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(project.dir, { recursive: true, withFileTypes: true })) {
    const file = path.relative(project.dir, path.join(entry.parentPath, entry.name));
    if (file === '.git' || file.startsWith(`.git${path.sep}`)) continue;
    files[file] = entry.isDirectory() ? '(folder)' : (await readFile(path.join(project.dir, file))).toString('base64');
  }
  return files;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

/** The tests' own trust store, so they never read or write the user's ~/.config/baton. */
export const TEST_CONFIG_HOME = await fse.mkdtemp(path.join(os.tmpdir(), 'baton-config-'));
// What runs in this process (configure's trust) uses it too, never the user's own.
process.env.XDG_CONFIG_HOME = TEST_CONFIG_HOME;

/** An empty Claude Code user folder (CLAUDE_CONFIG_DIR), so the hooks of the machine's own ~/.claude/settings.json never count. */
export const TEST_CLAUDE_HOME = await fse.mkdtemp(path.join(os.tmpdir(), 'baton-claude-home-'));

/** A PATH on which `baton` is the built CLI, as after `npm install -g`: hooks install then writes portable commands. */
const BATON_BIN = await fse.mkdtemp(path.join(os.tmpdir(), 'baton-bin-'));
await fse.symlink(CLI, path.join(BATON_BIN, 'baton'));
export const PATH_WITH_BATON = `${BATON_BIN}${path.delimiter}${process.env.PATH ?? ''}`;

export async function baton(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number }): Promise<CliResult> {
  const result = await execa(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    // No CLAUDE_PROJECT_DIR from a Claude Code session running the tests: a test names its project itself.
    env: { NO_COLOR: '1', XDG_CONFIG_HOME: TEST_CONFIG_HOME, CLAUDE_CONFIG_DIR: TEST_CLAUDE_HOME, BATON_TRUST: '', CLAUDE_PROJECT_DIR: '', ...options.env },
    input: options.input,
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json: () => JSON.parse(result.stdout),
  };
}

/**
 * Writes project.json and trusts it, as a user would after reading it: with what `baton trust`
 * runs (loadConfig, grantTrust), in this process, into the tests' own trust store. The command
 * itself has its own tests (actors, loss-free, output); here it would be one more process per test.
 */
export async function configure(project: Project, config: object): Promise<void> {
  await project.write('.claude/config/project.json', config);
  const paths = projectPaths(project.dir);
  await grantTrust(paths, await loadConfig(paths));
}

export function features(...entries: [id: string, status: string][]) {
  return { features: entries.map(([id, status]) => ({ id, description: `feature ${id}`, status })) };
}

/** Running, that is: a zombie (dead, waiting for a parent that does not reap it) does not count. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return fse.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A project whose session is in FIX_BROKEN (HEALTH_BROKEN sent) with one pending feature and a protected `src/app.js`. */
export async function brokenProject(reason = 'the dev server does not start'): Promise<Project> {
  const project = await makeProject();
  await project.write('src/app.js', 'export {}\n');
  await project.write('.claude/progress/feature-list.json', features(['a', 'pending']));
  await baton(['entry'], { cwd: project.dir });
  await baton(['send', 'HEALTH_BROKEN', '--data', JSON.stringify({ reason })], { cwd: project.dir });
  return project;
}

/** A TCP port nothing listens on now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
