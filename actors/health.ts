/**
 * The health check. First git: an unfinished merge or rebase that left conflicts is BROKEN
 * whatever else passes. Then the configured command (once trusted), or the built-in
 * fallback: a syntax check of the project's own entry files (Node) or package (Python).
 * Every report carries the commit it checked, so a pass can be recorded as healthy.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HealthReport } from '../machines/observations.js';
import { nodeEntryFiles, pythonPackageFiles, type FileChoice } from './entry-files.js';
import { filesForNodeCheck } from './node-syntax.js';
import { readRepositoryHead, unfinishedOperation, type UnfinishedOperation } from './git.js';
import { commandText, runCommand, type Command, type CommandResult } from './run-command.js';
import { projectPaths, type ProjectPaths } from '../services/project/paths.js';
import { readProjectText } from '../services/storage/read.js';
import { sleep } from '../services/utils/sleep.js';

export interface HealthCheckOptions {
  projectDir: string;
  command?: string;
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** The project whose evidence folder keeps the check's output. */
  evidencePaths?: ProjectPaths;
  /** When set, the configured commands are not trusted: this says why and what to run. */
  untrusted?: string;
  /** Retry until this long has passed (a dev server that was just started needs time). */
  waitForStartup?: boolean;
  requiredEnv?: string[];
  now?: () => Date;
}

/** Reported by the check scripts below after a file's own error output, one line per failing file. */
const FAILED_PREFIX = 'baton: syntax error in ';

// Each file in a child of its own: `node --check` knows the file's module type (.mjs, "type": "module").
const NODE_CHECK_SCRIPT = `const{spawnSync}=require('node:child_process');let bad=0;for(const f of process.argv.slice(1)){const r=spawnSync(process.execPath,['--check',f],{stdio:['ignore','inherit','inherit']});if(r.status!==0){bad++;console.error(${JSON.stringify(FAILED_PREFIX)}+f)}}process.exit(bad?1:0)`;

// Parses without importing or compiling to disk (compileall would write __pycache__ into the project).
const PYTHON_CHECK_SCRIPT = [
  'import ast, sys',
  'bad = 0',
  'for name in sys.argv[1:]:',
  '    try:',
  "        with open(name, 'rb') as f:",
  '            ast.parse(f.read(), name)',
  '    except Exception as e:',
  '        bad += 1',
  "        where = ':%s:%s' % (e.lineno, e.offset) if isinstance(e, SyntaxError) else ''",
  "        sys.stderr.write('%s%s: %s: %s\\n' % (name, where, type(e).__name__, getattr(e, 'msg', e)))",
  `        sys.stderr.write(${JSON.stringify(FAILED_PREFIX)} + name + '\\n')`,
  'sys.exit(1 if bad else 0)',
].join('\n');

type Source = 'configured' | 'node' | 'python';
interface Check {
  source: Source;
  command: Command;
  /** How the report shows the command. */
  display: string;
  files?: string[];
  /** Said with a passing result: what was checked. */
  checked?: string;
  /** The project package.json's "type" (a Node check: which files are surely CommonJS). */
  packageType?: unknown;
}
type Plan = { check: Check } | { verdict: Pick<HealthReport, 'status' | 'source' | 'detail'> };

const SET_HEALTH_CHECK = 'set health_check in .claude/config/project.json';

function listed(items: readonly string[], limit = 10): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}

const bare = (file: string) => file.replace(/^\.\//, '');

// One file (the common case) needs no wrapper: one process fewer.
const nodeCheckCommand = (files: readonly string[]): Command => (files.length === 1 ? [process.execPath, '--check', files[0]!] : [process.execPath, '-e', NODE_CHECK_SCRIPT, ...files]);

function syntaxCheck(source: 'node' | 'python', choice: FileChoice, what: string, packageType?: unknown): Check {
  const command: Command = source === 'python' ? ['python3', '-I', '-B', '-c', PYTHON_CHECK_SCRIPT, ...choice.files] : nodeCheckCommand(choice.files);
  const display = source === 'node' ? nodeCheckDisplay(choice.files, []) : `python3 (ast.parse of ${listed(choice.files.map(bare), 3)})`;
  return { source, command, display, files: choice.files, checked: `${what}${choice.truncated ? ` (the first ${choice.files.length})` : ''}`, packageType };
}

/** The files of a Node check that compiled here as CommonJS (node-syntax.ts): they need no `node --check`. */
function compiledHere(projectDir: string, check: Check): string[] {
  if (check.source !== 'node' || !check.files) return [];
  const left = new Set(filesForNodeCheck(projectDir, check.files, check.packageType));
  return check.files.filter((file) => !left.has(file));
}

/** The check for the files left to `node --check`; its display names the compiled ones too. */
function leftToNodeCheck(check: Check, compiled: readonly string[]): Check {
  if (compiled.length === 0) return check;
  const left = check.files!.filter((file) => !compiled.includes(file));
  return { ...check, command: nodeCheckCommand(left), display: nodeCheckDisplay(check.files!, compiled), files: left };
}

const nodeCheckDisplay = (files: readonly string[], compiled: readonly string[]) =>
  files.map((file) => `${commandText(['node', '--check', file])}${compiled.includes(file) ? ' (compiled in process)' : ''}`).join(' && ');

/** The fallback for a project without a configured check. */
async function fallbackPlan(projectDir: string): Promise<Plan> {
  const has = (name: string) => existsSync(path.join(projectDir, name));
  const notes: string[] = [];
  if (has('pytest.ini') || has('pyproject.toml')) {
    const python = await pythonPackageFiles(projectDir);
    if (python.files.length) return { check: syntaxCheck('python', python, `${python.files.length} file(s) in ${listed(python.packages, 3)}`) };
    notes.push('no Python package found (pyproject.toml name, src/<package>/ or a top-level package with __init__.py)');
  }
  if (has('package.json')) {
    // Through the storage layer: a package.json linked from outside the project is not read.
    const read = readProjectText(projectPaths(projectDir), 'package.json');
    if (read.kind === 'bad') return { verdict: { status: 'UNKNOWN', source: 'node', detail: `package.json ${read.problem.problem}; set health_check in .claude/config/project.json` } };
    let pkg: unknown;
    try {
      pkg = JSON.parse((read.kind === 'ok' ? read.text : '').replace(/^\uFEFF/, ''));
    } catch (error) {
      return { verdict: { status: 'BROKEN', source: 'node', detail: `package.json is not valid JSON: ${(error as Error).message}` } };
    }
    const node = await nodeEntryFiles(projectDir, pkg);
    if (node.files.length) return { check: syntaxCheck('node', node, listed(node.files.map(bare)), (pkg as { type?: unknown } | null)?.type) };
    notes.push(node.skipped.length ? `no entry file to check (${node.skipped.join('; ')})` : 'no entry file to check (package.json names no main, bin or exports, and there is no index.js)');
  }
  const why = notes.length ? notes.join('; ') : 'no health check configured, and no package.json or pyproject.toml for a built-in syntax check';
  return { verdict: { status: 'UNKNOWN', source: 'none', detail: `${why}: ${SET_HEALTH_CHECK}` } };
}

function conflictDetail(found: UnfinishedOperation): string {
  const parts = [
    ...(found.unmerged.length ? [`unmerged: ${listed(found.unmerged)}`] : []),
    ...(found.markers.length ? [`conflict markers in ${listed(found.markers)}`] : []),
  ];
  return `an unfinished git ${found.operation} left conflicts (${parts.join('; ')}): resolve them and \`git ${found.operation} --continue\`, or \`git ${found.operation} --abort\``;
}

/** Names the failing files from the check scripts' own lines; only names baton passed count. */
function failingFiles(output: string, files: readonly string[]): string[] {
  if (files.length === 1) return files.map(bare);
  const reported = new Set(output.split('\n').filter((line) => line.startsWith(FAILED_PREFIX)).map((line) => line.slice(FAILED_PREFIX.length).trim()));
  return files.filter((file) => reported.has(file)).map(bare);
}

export async function checkHealth(options: HealthCheckOptions): Promise<HealthReport> {
  const now = options.now ?? (() => new Date());
  const missing = (options.requiredEnv ?? []).filter((name) => !process.env[name]);
  const repo = await readRepositoryHead(options.projectDir);
  const facts = { ...(repo?.head ? { head: repo.head } : {}), ...(missing.length ? { missingEnv: missing } : {}) };
  const stamp = () => ({ checkedAt: now().toISOString(), ...facts });
  const checkStarted = Date.now();

  const conflicts = repo ? await unfinishedOperation(options.projectDir, repo) : null;
  if (conflicts) return { status: 'BROKEN', source: 'git', detail: conflictDetail(conflicts), ...stamp() };
  if (options.untrusted) return { status: 'UNKNOWN', source: 'untrusted', detail: options.untrusted, ...stamp() };
  const plan: Plan = options.command ? { check: { source: 'configured', command: options.command, display: options.command } } : await fallbackPlan(options.projectDir);
  if ('verdict' in plan) return { ...plan.verdict, ...stamp() };
  const compiled = compiledHere(options.projectDir, plan.check);
  if (compiled.length > 0 && compiled.length === plan.check.files?.length) {
    const display = nodeCheckDisplay(compiled, compiled);
    return { status: 'HEALTHY', source: 'node', command: display, exitCode: 0, signal: null, timedOut: false, durationMs: Date.now() - checkStarted, detail: `Node syntax check passed: ${plan.check.checked}`, ...stamp() };
  }
  const check = leftToNodeCheck(plan.check, compiled);

  const budgetMs = options.timeoutSeconds * 1000;
  const started = Date.now();
  const evidence = options.evidencePaths ? { paths: options.evidencePaths, label: 'health_check' } : undefined;
  let result: CommandResult;
  for (;;) {
    const remaining = budgetMs - (Date.now() - started);
    result = await runCommand(check.command, { cwd: options.projectDir, timeoutMs: Math.max(remaining, 100), signal: options.signal, evidence });
    if (result.ok || result.timedOut || !options.waitForStartup || budgetMs - (Date.now() - started) < 500 || options.signal?.aborted) break;
    await sleep(500);
  }
  const what = check.source === 'configured' ? 'configured check' : check.source === 'node' ? 'Node syntax check' : 'Python syntax check';
  const failing = check.files && !result.ok ? failingFiles(result.outputTail, check.files) : [];
  const detail = result.ok
    ? check.source === 'configured'
      ? 'configured check passed'
      : `${what} passed: ${check.checked}`
    : result.timedOut
      ? `${what} timed out after ${options.timeoutSeconds}s (its process group was killed)`
      : result.signal
        ? `${what} killed by ${result.signal}`
        : failing.length
          ? `${what} failed: syntax error in ${listed(failing)}`
          : `${what} failed with exit code ${result.exitCode}`;
  return {
    status: result.ok ? 'HEALTHY' : 'BROKEN',
    source: check.source,
    command: check.display,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: Date.now() - started,
    detail,
    ...(result.evidence ? { evidence: result.evidence } : {}),
    ...(result.ok ? {} : { outputTail: result.outputTail.split('\n').slice(-10).join('\n') }),
    ...stamp(),
  };
}
