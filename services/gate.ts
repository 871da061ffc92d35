/**
 * The spec's "block feature work when broken": which paths a tool call would write, and
 * whether those are protected. Paths are resolved against the project root (absolute,
 * relative, `..`, symlinks), so `node_modules/x/src` is not the project's `src`.
 *
 * Bash is read with a small shell lexer: redirections, tee, sed -i, cp, mv, rm, touch,
 * truncate, ln, install, dd of=, git checkout/restore/rm/mv. A command that writes through
 * an interpreter (`python -c`, `node -e`), a variable or `eval` is not seen: the gate is a
 * guard rail for an agent that means well, not a sandbox.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_PROTECTED = ['src/**'];

export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  const normalized = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  for (let i = 0; i < normalized.length; i += 1) {
    const char = normalized[i]!;
    if (char === '*' && normalized[i + 1] === '*') {
      const slashAfter = normalized[i + 2] === '/';
      const slashBefore = i > 0 && normalized[i - 1] === '/';
      if (slashAfter) {
        pattern += '(?:.*/)?';
        i += 2;
      } else if (slashBefore && i + 2 === normalized.length) {
        // `dir/**` protects the directory itself too (`rm -rf src`).
        pattern = `${pattern.slice(0, -1)}(?:/.*)?`;
        i += 1;
      } else {
        pattern += '.*';
        i += 1;
      }
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** The real path of `target`, resolving symlinks of every part that exists. */
function realPathOf(target: string): string {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return target;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** The path relative to the project root, or null when it lies outside the project. */
export function projectRelative(root: string, cwd: string, target: string): string | null {
  const resolved = realPathOf(path.resolve(cwd, target));
  const relative = path.relative(realPathOf(root), resolved);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return relative === '' ? '.' : null;
  return relative.split(path.sep).join('/');
}

export function matchesProtected(relative: string, globs: readonly string[]): string | null {
  for (const glob of globs) if (globToRegExp(glob).test(relative)) return glob;
  return null;
}

// ---- Bash ------------------------------------------------------------------------------

interface SimpleCommand {
  words: string[];
  redirects: string[];
}

const SEPARATORS = new Set([';', '&&', '||', '|', '&', '\n', '(', ')', '{', '}']);

/** Splits a command line into simple commands with their output redirections. */
export function lexShell(line: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { words: [], redirects: [] };
  let word = '';
  let inWord = false;
  let redirectNext = false;
  const endWord = () => {
    if (!inWord) return;
    if (redirectNext) current.redirects.push(word);
    else current.words.push(word);
    redirectNext = false;
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (current.words.length || current.redirects.length) commands.push(current);
    current = { words: [], redirects: [] };
  };
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end === -1 ? undefined : end);
      inWord = true;
      i = end === -1 ? line.length : end;
    } else if (char === '"') {
      inWord = true;
      for (i += 1; i < line.length && line[i] !== '"'; i += 1) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i += 1;
        word += line[i];
      }
    } else if (char === '\\' && i + 1 < line.length) {
      word += line[i + 1];
      inWord = true;
      i += 1;
    } else if (char === '#' && !inWord) {
      while (i < line.length && line[i] !== '\n') i += 1;
      endCommand();
    } else if (char === '>' || (char === '&' && line[i + 1] === '>')) {
      // `2>`, `>>`, `>|`, `&>`: a digit-only word just before is the file descriptor, not a word.
      if (inWord && /^\d+$/.test(word)) {
        word = '';
        inWord = false;
      } else endWord();
      if (char === '&') i += 1;
      while (line[i + 1] === '>' || line[i + 1] === '|') i += 1;
      if (line[i + 1] === '&') {
        // `>&2`: a descriptor, not a file
        i += 1;
        while (/\d/.test(line[i + 1] ?? '')) i += 1;
        continue;
      }
      redirectNext = true;
    } else if (char === '<') {
      endWord();
      while (line[i + 1] === '<') i += 1;
      // an input: read the next word and drop it
      redirectNext = false;
      let j = i + 1;
      while (line[j] === ' ') j += 1;
      while (j < line.length && !/[\s;&|()<>]/.test(line[j]!)) j += 1;
      i = j - 1;
    } else if (SEPARATORS.has(char) || (char === '|' && line[i + 1] === '|') || (char === '&' && line[i + 1] === '&')) {
      endCommand();
      if ((char === '&' || char === '|') && line[i + 1] === char) i += 1;
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      word += char;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'time', 'command', 'exec', 'nice', 'stdbuf']);

function operands(words: string[]): string[] {
  const out: string[] = [];
  let options = true;
  for (const word of words) {
    if (options && word === '--') options = false;
    else if (options && word.startsWith('-') && word !== '-') continue;
    else out.push(word);
  }
  return out;
}

/** The files one simple command would write (or delete), as written in the command. */
function commandTargets(command: SimpleCommand): string[] {
  let words = command.words;
  while (words.length && (WRAPPERS.has(words[0]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!))) words = words.slice(1);
  const [name = '', ...args] = words;
  const targets = command.redirects.filter((target) => target !== '/dev/null' && !target.startsWith('/dev/fd/'));
  const base = path.basename(name);
  switch (base) {
    case 'tee':
    case 'rm':
    case 'rmdir':
    case 'touch':
    case 'truncate':
    case 'mkdir':
    case 'unlink':
    case 'shred':
    case 'mv':
      targets.push(...operands(args));
      break;
    case 'cp':
    case 'ln':
    case 'install': {
      const targetDir = args.findIndex((arg) => arg === '-t' || arg === '--target-directory');
      if (targetDir !== -1 && args[targetDir + 1]) targets.push(args[targetDir + 1]!);
      else {
        const last = operands(args).at(-1);
        if (last) targets.push(last);
      }
      break;
    }
    case 'sed':
      if (args.some((arg) => arg === '-i' || arg.startsWith('-i') || arg.startsWith('--in-place') || /^-[a-zA-Z]*i/.test(arg))) {
        const hasScriptOption = args.some((arg) => arg === '-e' || arg === '-f' || arg.startsWith('--expression') || arg.startsWith('--file'));
        const files = operands(args.filter((arg, index) => !(index > 0 && ['-e', '-f'].includes(args[index - 1]!))));
        targets.push(...(hasScriptOption ? files : files.slice(1)));
      }
      break;
    case 'dd':
      for (const arg of args) if (arg.startsWith('of=')) targets.push(arg.slice(3));
      break;
    case 'git': {
      const sub = args.findIndex((arg) => !arg.startsWith('-'));
      const verb = args[sub];
      const rest = args.slice(sub + 1);
      const dashDash = rest.indexOf('--');
      if (verb === 'checkout') {
        if (dashDash !== -1) targets.push(...rest.slice(dashDash + 1));
        else {
          const plain = operands(rest);
          targets.push(...(plain.length > 1 ? plain.slice(1) : plain));
        }
      } else if (verb === 'restore' || verb === 'rm' || verb === 'mv') {
        targets.push(...operands(rest.filter((arg, index) => !(index > 0 && ['-s', '--source'].includes(rest[index - 1]!)))));
      }
      break;
    }
  }
  return targets;
}

/** Every path a Bash command line would write, each with the directory it is relative to. */
export function bashWriteTargets(line: string, cwd: string): { target: string; cwd: string }[] {
  const found: { target: string; cwd: string }[] = [];
  let dir = cwd;
  for (const command of lexShell(line)) {
    if (command.words[0] === 'cd' && command.words[1]) {
      dir = path.resolve(dir, command.words[1]);
      continue;
    }
    for (const target of commandTargets(command)) found.push({ target, cwd: dir });
  }
  return found;
}

export interface ToolCall {
  tool_name: string;
  tool_input: Record<string, unknown>;
}

/** The paths a tool call would write: file_path (Write, Edit, MultiEdit), notebook_path, or what Bash writes. */
export function toolWriteTargets(call: ToolCall, cwd: string): { target: string; cwd: string }[] {
  const input = call.tool_input;
  switch (call.tool_name) {
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
      return typeof input.file_path === 'string' ? [{ target: input.file_path, cwd }] : [];
    case 'NotebookEdit':
      return typeof input.notebook_path === 'string' ? [{ target: input.notebook_path, cwd }] : [];
    case 'Bash':
      return typeof input.command === 'string' ? bashWriteTargets(input.command, cwd) : [];
    default:
      return [];
  }
}

/** The first protected path the call would write, with the glob that protects it. */
export function protectedWrite(call: ToolCall, root: string, cwd: string, globs: readonly string[]): { path: string; glob: string } | null {
  for (const { target, cwd: base } of toolWriteTargets(call, cwd)) {
    const relative = projectRelative(root, base, target);
    if (relative === null) continue;
    const glob = matchesProtected(relative, globs);
    if (glob) return { path: relative, glob };
  }
  return null;
}
