/**
 * baton's command line: parses arguments and loads only the command that runs. Loaded by
 * ./main.ts after the per-tool-call hooks had their chance to skip all of this.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BatonError, EXIT, UsageError, asIoError, describeError } from '../services/errors.js';
import { takeNotices } from '../services/storage/notices.js';
import { refuseOutsideProject, resolveProjectDir, withPaths, type CommandContext } from './context.js';
import { printJson, println, warn } from './output.js';
import type { StdinRead } from './stdin.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Set by the build (build.mjs) from package.json. */
declare const BATON_VERSION: string;

interface CommandSpec {
  usage: string;
  summary: string;
  options?: Options;
  /** Takes the project directory as its first positional argument (like the spec's script). */
  dirArgument?: boolean;
  /** Writes under `.claude/`, so it runs only in a project (see refuseOutsideProject). */
  writesProject?: boolean;
  load: () => Promise<{ run(context: CommandContext): Promise<number> }>;
}

const COMMANDS: Record<string, CommandSpec> = {
  entry: {
    usage: 'baton entry [DIR] [--force] [--inspect | --inspect-url URL] [--json]',
    summary: 'run the session entry protocol: safety checks, state, context; says what to do next (--force: skip the health check once)',
    options: { force: { type: 'boolean' }, inspect: { type: 'boolean' }, 'inspect-url': { type: 'string' } },
    dirArgument: true,
    writesProject: true,
    load: () => import('./commands/entry.js'),
  },
  status: { usage: 'baton status [--json]', summary: 'the current state, health and features, without running anything', load: () => import('./commands/status.js') },
  send: {
    usage: 'baton send EVENT [--data JSON] [--inspect | --inspect-url URL] [--json]',
    summary: 'send an event to the session (see the events table in the README)',
    options: { data: { type: 'string' }, inspect: { type: 'boolean' }, 'inspect-url': { type: 'string' } },
    writesProject: true,
    load: () => import('./commands/send.js'),
  },
  features: {
    usage: 'baton features list [--ready]|next|add|start|implemented|release|import ...',
    summary: 'list, add, start (claims it for this checkout), finish, release or import features; next: the one to work on, its dependencies (depends_on) done and nobody else holding it',
    options: { id: { type: 'string' }, replace: { type: 'boolean' }, ready: { type: 'boolean' } },
    writesProject: true,
    load: () => import('./commands/features.js'),
  },
  test: { usage: 'baton test [--json]', summary: 'run smoke_test then test_command for the feature under test (in TEST)', writesProject: true, load: () => import('./commands/test.js') },
  trust: {
    usage: 'baton trust [--json]',
    summary: "allow project.json's commands to run (recorded outside the repository; a changed file needs trusting again)",
    load: () => import('./commands/trust.js'),
  },
  rollback: {
    usage: 'baton rollback [--yes] [--stash]',
    summary: 'in FIX_BROKEN: reset to the last commit where health passed (--stash keeps uncommitted work in git stash)',
    options: { yes: { type: 'boolean' }, stash: { type: 'boolean' } },
    load: () => import('./commands/rollback.js'),
  },
  env: { usage: 'baton env status|stop [--json]', summary: 'the dev environment started from init_script', load: () => import('./commands/env.js') },
  init: {
    usage: 'baton init [--import FILE] [--local]',
    summary: 'set up a project: config with a detected test command, feature list, hooks, trust',
    options: { import: { type: 'string' }, local: { type: 'boolean' } },
    load: () => import('./commands/init.js'),
  },
  end: { usage: 'baton end [--json]', summary: 'hand the session off: summary, metrics, optional commit (safe to repeat)', load: () => import('./commands/end.js') },
  note: {
    usage: 'baton note --decision TEXT | --blocker TEXT',
    summary: "record a decision or a blocker for this session's summary",
    options: { decision: { type: 'string' }, blocker: { type: 'string' } },
    writesProject: true,
    load: () => import('./commands/note.js'),
  },
  metrics: { usage: 'baton metrics [--json]', summary: 'one row per session, and the totals', load: () => import('./commands/metrics.js') },
  hook: {
    usage: 'baton hook EVENT [--plugin] [--serve]',
    summary: "Claude Code's hooks (SessionStart, PreToolUse, PostToolUse, PreCompact, Stop, SessionEnd); reads JSON on stdin (--plugin: run by the plugin)",
    options: { plugin: { type: 'boolean' }, serve: { type: 'boolean' } },
    load: () => import('./commands/hook.js'),
  },
  hooks: {
    usage: 'baton hooks install|uninstall|plugin [--local] [--http]',
    summary: "merge baton's hooks into .claude/settings.json (baton on PATH) or settings.local.json, or take them out; plugin: print the plugin's hooks.json",
    options: { local: { type: 'boolean' }, http: { type: 'boolean' } },
    writesProject: true,
    load: () => import('./commands/hooks.js'),
  },
  serve: {
    usage: 'baton serve [--port N] [--idle-exit SECONDS] [--detach] [--inspect | --inspect-url URL]',
    summary: "the service for Claude Code's HTTP hooks and baton's events on 127.0.0.1 (one per user; exits when idle, default 3600 s)",
    options: { port: { type: 'string' }, 'idle-exit': { type: 'string' }, detach: { type: 'boolean' }, inspect: { type: 'boolean' }, 'inspect-url': { type: 'string' } },
    load: () => import('./commands/serve.js'),
  },
  doctor: {
    usage: 'baton doctor [--json]',
    summary: 'where baton runs from, which hooks are installed where, whether they point at something that exists, what is stale',
    load: () => import('./commands/doctor.js'),
  },
  statusline: { usage: 'baton statusline [--json]', summary: "one line for Claude Code's status bar: state, health, features done", load: () => import('./commands/statusline.js') },
  history: {
    usage: 'baton history [--limit N] [--json]',
    summary: 'the event log: every accepted change, oldest first',
    options: { limit: { type: 'string' } },
    load: () => import('./commands/history.js'),
  },
  replay: {
    usage: 'baton replay --to REV [--json]',
    summary: 'rebuild the session at a revision from the event log (time travel)',
    options: { to: { type: 'string' } },
    load: () => import('./commands/replay.js'),
  },
  recover: { usage: 'baton recover [--json]', summary: 'repair an interrupted or unreadable state now', writesProject: true, load: () => import('./commands/recover.js') },
  checkpoint: { usage: 'baton checkpoint [--json]', summary: 'write checkpoint.json from the current state now', writesProject: true, load: () => import('./commands/checkpoint.js') },
  'merge-features': {
    usage: 'baton merge-features BASE OURS THEIRS [PATH]',
    summary: "git's merge driver for feature-list.json, by feature id (baton init installs it)",
    load: () => import('./commands/merge-features.js'),
  },
  schema: { usage: 'baton schema', summary: 'print the JSON Schema of .claude/config/project.json', load: () => import('./commands/schema.js') },
  visualize: {
    usage: 'baton visualize [--format mermaid|json|html] [--out FILE] [--live]',
    summary: 'the statechart with the current state: Mermaid text, JSON for the Stately editor, or an offline HTML page with path and features',
    options: { format: { type: 'string' }, out: { type: 'string' }, live: { type: 'boolean' } },
    load: () => import('./commands/visualize.js'),
  },
  inspect: {
    usage: 'baton inspect [--port N] [--open]',
    summary: 'run the local relay for the Stately inspector (entry/send --inspect connect to it); Ctrl-C stops it',
    options: { port: { type: 'string' }, open: { type: 'boolean' } },
    load: () => import('./commands/inspect.js'),
  },
};

const GLOBAL_OPTIONS: Options = {
  dir: { type: 'string', short: 'C' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

/** What each exit code means; a line break where the help text breaks the line. */
const EXIT_MEANINGS: [code: number, meaning: string][] = [
  [EXIT.OK, 'done (entry: the protocol ran, whatever state it chose)'],
  [EXIT.INTERNAL, 'internal error (a bug: please report it)'],
  [EXIT.USAGE, 'usage error (unknown command, option or event; bad --data; a value that breaks its rule, such as a feature id)'],
  [EXIT.REFUSED, 'refused: the event is not accepted in the current state, there is no session yet (note: none still open),\nor the directory is not a project'],
  [EXIT.BAD_FILE, 'a file baton needs is invalid (the message names file and field): it could not be recovered,\nor a reader could show only part of it'],
  [EXIT.BUSY, 'busy: another baton process holds the lock or changed the session meanwhile; run again'],
  [EXIT.IO, 'the disk refused a write (full, I/O error, permissions); the previous files are intact'],
  [
    EXIT.CHECK_FAILED,
    'the event ran, but the check it needed did not pass: HEALTH_FIXED whose health check fails (the state stays in FIX_BROKEN),\nFEATURE_IMPLEMENTED / features implemented / baton test whose tests fail or time out (back to IMPLEMENT);\ndoctor found a problem',
  ],
];

const EXIT_CODES_HELP = `Exit codes:\n${EXIT_MEANINGS.map(([code, meaning]) => `  ${code}  ${meaning.replaceAll('\n', '\n     ')}`).join('\n')}`;
const exitCodesJson = () => Object.fromEntries(EXIT_MEANINGS.map(([code, meaning]) => [code, meaning.replaceAll('\n', ' ')]));

const USAGE = 'baton [-C DIR] COMMAND [options]';
const GLOBAL_HELP: [flags: string, meaning: string][] = [
  ['-C, --dir DIR', 'the project directory (default: the current directory)'],
  ['--json', 'machine-readable output: one JSON object on stdout'],
  ['-h, --help', 'this help'],
  ['--version', "baton's version"],
];

function help(): string {
  const width = Math.max(...Object.values(COMMANDS).map((command) => command.usage.length));
  const lines = Object.values(COMMANDS).map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`);
  const flagWidth = Math.max(...GLOBAL_HELP.map(([flags]) => flags.length));
  return `baton: carries a coding agent's work across sessions.

Usage: ${USAGE}

Commands:
${lines.join('\n')}

Global options:
${GLOBAL_HELP.map(([flags, meaning]) => `  ${flags.padEnd(flagWidth)}  ${meaning}`).join('\n')}

${EXIT_CODES_HELP}
`;
}

function helpJson() {
  return {
    usage: USAGE,
    commands: Object.entries(COMMANDS).map(([name, command]) => ({ name, usage: command.usage, summary: command.summary })),
    global_options: Object.fromEntries(GLOBAL_HELP),
    exit_codes: exitCodesJson(),
  };
}

/** The command name: the first argument that is neither an option nor the value of -C/--dir. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '-C' || arg === '--dir') i += 1;
    else if (!arg.startsWith('-')) return i;
  }
  return -1;
}

async function main(argv: string[], json: boolean, stdin: StdinRead | undefined): Promise<number> {
  const index = commandIndex(argv);
  const name = index === -1 ? undefined : argv[index];
  const spec = name ? COMMANDS[name] : undefined;
  if (!name || !spec) {
    const { values } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
    if (values.version) {
      if (json) printJson({ version: BATON_VERSION });
      else println(BATON_VERSION);
      return EXIT.OK;
    }
    if (values.help) {
      if (json) printJson(helpJson());
      else process.stdout.write(help());
      return EXIT.OK;
    }
    if (name) throw new UsageError(`unknown command "${name}"`, `commands: ${Object.keys(COMMANDS).join(', ')}`);
    if (json) throw new UsageError('no command given', `commands: ${Object.keys(COMMANDS).join(', ')} (baton --help says what each does)`);
    process.stdout.write(help());
    return EXIT.USAGE;
  }
  const rest = [...argv];
  rest.splice(index, 1);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...spec.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeError(error), `usage: ${spec.usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    if (json) printJson({ command: name, usage: spec.usage, summary: spec.summary, exit_codes: exitCodesJson() });
    else process.stdout.write(`usage: ${spec.usage}\n  ${spec.summary}\n\n${EXIT_CODES_HELP}\n`);
    return EXIT.OK;
  }
  const args = [...positionals];
  const dirArg = spec.dirArgument && args.length > 0 ? args.shift() : undefined;
  const projectDir = resolveProjectDir((values.dir as string | undefined) ?? dirArg ?? process.cwd());
  if (spec.writesProject) refuseOutsideProject(projectDir);
  const command = await spec.load();
  return command.run(withPaths({ args, options: values, json, projectDir, ...(stdin ? { stdin } : {}) }));
}

function report(thrown: unknown, json: boolean): number {
  const error = asIoError(thrown) ?? thrown;
  const known = error instanceof BatonError;
  const code = known ? error.exitCode : EXIT.INTERNAL;
  const message = known ? error.message : `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  const hint = known ? error.hint : undefined;
  if (json) process.stdout.write(`${JSON.stringify({ error: { message, hint, exit_code: code, ...(known ? { kind: error.name } : {}) } }, null, 2)}\n`);
  process.stderr.write(`baton: ${message}\n${hint ? `  ${hint}\n` : ''}`);
  return code;
}

// `baton status | head -1`: the reader went away; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

/** `stdin`: the hook input, when dist/hook-fast.js read it and handed the hook over. */
export async function runCli(argv: string[], stdin?: StdinRead): Promise<void> {
  // Also when --json is where a value should be (`baton -C --json`): its answer is JSON all the same.
  const json = argv.includes('--json');
  try {
    process.exitCode = await main(argv, json, stdin);
  } catch (error) {
    process.exitCode = report(error, json);
  } finally {
    // What the storage layer did on its own (a bad file kept aside) is always told.
    for (const message of takeNotices()) warn(message);
  }
}
