/**
 * The gate's reading of Bash, the way a shell would read it, as far as agents' commands
 * need: quotes and escapes, `$VAR` (set on the line, or in baton's environment), `~`, braces
 * and globs expanded against the file system, `cd`/`pushd`/`popd`, subshells, `$(...)`,
 * `sh -c`/`eval` strings, heredocs (data, unless a shell reads them), `for` loops,
 * `find -exec` and `xargs`, and the commands that write, delete or rewrite files and trees
 * (HANDLERS). It is a guard rail for an agent that means well, not a sandbox: writes through
 * an interpreter (`python -c`, `node -e`), a script file, or a value only known at run time
 * are not seen. It reads; it never throws on odd input, and its work is bounded (RUN_LIMITS).
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

// ---- Bash: reading a command line ------------------------------------------------------

/** A piece of a word: literal text (quoted or not), a variable, a command substitution, or a value we cannot know. */
type Part =
  | { kind: 'text'; text: string; quoted: boolean }
  | { kind: 'var'; name: string; quoted: boolean; fallback: string | null }
  | { kind: 'subst'; text: string; script: Item[]; quoted: boolean }
  | { kind: 'opaque' };

interface Word {
  parts: Part[];
  /** Some of it was quoted: not a file descriptor number, and a heredoc delimiter that stops expansion. */
  quoted: boolean;
}

interface Heredoc {
  body: string;
  /** The delimiter was unquoted: `$(...)` in the body runs. */
  expands: boolean;
  scripts: Item[][];
}

interface SimpleCommand {
  words: Word[];
  redirects: { op: string; target: Word }[];
  heredocs: Heredoc[];
  hereStrings: Word[];
  /** The command whose output this one reads (`a | b`: b's is a). */
  pipedFrom: SimpleCommand | null;
}

/** A command line: simple commands, and the opening and closing of subshells (`( ... )`). */
type Item = { kind: 'command'; command: SimpleCommand } | { kind: 'open' } | { kind: 'close' };

const MAX_NESTING = 24;
const WORD_END = new Set([' ', '\t', '\r', '\n', ';', '&', '|', '(', ')', '<', '>']);

const emptyCommand = (pipedFrom: SimpleCommand | null): SimpleCommand => ({ words: [], redirects: [], heredocs: [], hereStrings: [], pipedFrom });

function appendText(parts: Part[], text: string, quoted: boolean): void {
  const last = parts.at(-1);
  if (last?.kind === 'text' && last.quoted === quoted) last.text += text;
  else parts.push({ kind: 'text', text, quoted });
}

/** The word as plain text, quotes removed and expansions left out: heredoc delimiters. */
const literalOf = (word: Word) => word.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');

const ANSI_C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

class Lexer {
  private pos = 0;
  private readonly pending: { delimiter: string; strip: boolean; heredoc: Heredoc }[] = [];

  constructor(
    private readonly src: string,
    private nesting = 0,
  ) {}

  /** The commands up to `close` (the `)` of `$(`) or the end of input. */
  script(close: ')' | null): Item[] {
    const { src } = this;
    const items: Item[] = [];
    let command = emptyCommand(null);
    let word: Part[] | null = null;
    let wordQuoted = false;
    let redirect: string | null = null;
    let parens = 0;
    const current = () => (word ??= []);
    const endWord = () => {
      if (word === null) return;
      const finished: Word = { parts: word, quoted: wordQuoted };
      word = null;
      wordQuoted = false;
      const op = redirect;
      redirect = null;
      if (op === null) command.words.push(finished);
      else if (op === '<<' || op === '<<-') {
        const heredoc: Heredoc = { body: '', expands: !finished.quoted, scripts: [] };
        this.pending.push({ delimiter: literalOf(finished), strip: op === '<<-', heredoc });
        command.heredocs.push(heredoc);
      } else if (op === '<<<') command.hereStrings.push(finished);
      else if (op === '>&' || op === '<&') {
        // `2>&1`, `>&-`: a descriptor; `>&file` writes the file (as `&>`).
        if (op === '>&' && !/^(\d+-?|-)$/.test(literalOf(finished))) command.redirects.push({ op: '>', target: finished });
      } else command.redirects.push({ op, target: finished });
    };
    const descriptorNumber = () => {
      const first = word?.[0];
      return word?.length === 1 && !wordQuoted && first?.kind === 'text' && /^\d+$/.test(first.text);
    };
    const endCommand = (pipe: boolean) => {
      endWord();
      redirect = null;
      const filled = command.words.length + command.redirects.length + command.heredocs.length + command.hereStrings.length > 0;
      if (filled) items.push({ kind: 'command', command });
      command = emptyCommand(pipe && filled ? command : null);
    };
    while (this.pos < src.length) {
      const char = src[this.pos]!;
      const next = src[this.pos + 1];
      if (char === '\\') {
        if (next !== '\n' && next !== undefined) appendText(current(), next, true);
        wordQuoted ||= next !== '\n';
        this.pos += 2;
      } else if (char === "'") {
        const end = src.indexOf("'", this.pos + 1);
        const stop = end === -1 ? src.length : end;
        appendText(current(), src.slice(this.pos + 1, stop), true);
        wordQuoted = true;
        this.pos = stop + 1;
      } else if (char === '"') {
        this.pos += 1;
        this.doubleQuoted(current());
        wordQuoted = true;
      } else if (char === '$') {
        if (next === "'" || next === '"') wordQuoted = true;
        this.dollar(current(), false);
      } else if (char === '`') {
        current().push(this.backticks(false));
      } else if (char === ' ' || char === '\t' || char === '\r') {
        endWord();
        this.pos += 1;
      } else if (char === '\n') {
        endCommand(false);
        this.pos += 1;
        this.readHeredocBodies();
      } else if (char === '#' && word === null) {
        while (this.pos < src.length && src[this.pos] !== '\n') this.pos += 1;
      } else if ((char === '<' || char === '>') && next === '(') {
        this.pos += 2;
        current().push(this.substitution(false));
      } else if (char === '>' || char === '<' || (char === '&' && next === '>')) {
        // A descriptor number just before (`2>`) is not a word.
        if (descriptorNumber()) word = null;
        else endWord();
        redirect = this.redirectOperator();
      } else if (char === ';' || char === '&' || char === '|') {
        const double = next === char || (char === '|' && next === '&') || (char === ';' && next === '&');
        this.pos += double ? 2 : 1;
        endCommand(char === '|' && next !== '|');
      } else if (char === '(') {
        if (next === '(' && word === null && command.words.length === 0) {
          // `(( arithmetic ))`: no command, no redirection
          this.pos += 1;
          this.skipBalanced();
          continue;
        }
        endCommand(false);
        items.push({ kind: 'open' });
        parens += 1;
        this.pos += 1;
      } else if (char === ')') {
        this.pos += 1;
        endCommand(false);
        if (close === ')' && parens === 0) return items;
        items.push({ kind: 'close' });
        parens = Math.max(0, parens - 1);
      } else if (char === '~' && word === null && (next === undefined || next === '/' || WORD_END.has(next))) {
        current().push({ kind: 'var', name: 'HOME', quoted: true, fallback: null });
        this.pos += 1;
      } else {
        let end = this.pos + 1;
        while (end < src.length && !WORD_END.has(src[end]!) && !'\\\'"$`'.includes(src[end]!)) end += 1;
        appendText(current(), src.slice(this.pos, end), false);
        this.pos = end;
      }
    }
    endCommand(false);
    return items;
  }

  /** The command substitutions in an unquoted heredoc body: those run. */
  substitutionsOnly(): Item[][] {
    const scripts: Item[][] = [];
    while (this.pos < this.src.length) {
      const char = this.src[this.pos];
      if (char === '\\') this.pos += 2;
      else if (char === '$' && this.src[this.pos + 1] === '(' && this.src[this.pos + 2] !== '(') {
        this.pos += 2;
        const part = this.substitution(false);
        if (part.kind === 'subst') scripts.push(part.script);
      } else if (char === '`') {
        const part = this.backticks(false);
        if (part.kind === 'subst') scripts.push(part.script);
      } else this.pos += 1;
    }
    return scripts;
  }

  private redirectOperator(): string {
    for (const op of ['&>>', '&>', '>>', '>|', '>&', '<<<', '<<-', '<<', '<>', '<&', '>', '<']) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op === '>|' ? '>' : op;
      }
    }
    this.pos += 1;
    return '>';
  }

  private doubleQuoted(parts: Part[]): void {
    const { src } = this;
    if (parts.length === 0) appendText(parts, '', true);
    while (this.pos < src.length) {
      const char = src[this.pos]!;
      if (char === '"') {
        this.pos += 1;
        return;
      }
      if (char === '\\' && this.pos + 1 < src.length && '"\\$`\n'.includes(src[this.pos + 1]!)) {
        if (src[this.pos + 1] !== '\n') appendText(parts, src[this.pos + 1]!, true);
        this.pos += 2;
      } else if (char === '$') this.dollar(parts, true);
      else if (char === '`') parts.push(this.backticks(true));
      else {
        let end = this.pos + 1;
        while (end < src.length && !'"\\$`'.includes(src[end]!)) end += 1;
        appendText(parts, src.slice(this.pos, end), true);
        this.pos = end;
      }
    }
  }

  /** `$name`, `${...}`, `$(...)`, `$((...))`, `$'...'`; the position is at the `$`. */
  private dollar(parts: Part[], quoted: boolean): void {
    const { src } = this;
    const next = src[this.pos + 1];
    if (next === '(' && src[this.pos + 2] === '(') {
      this.pos += 2;
      this.skipBalanced();
      parts.push({ kind: 'opaque' });
    } else if (next === '(') {
      this.pos += 2;
      parts.push(this.substitution(quoted));
    } else if (next === '{') {
      let depth = 1;
      let end = this.pos + 2;
      for (; end < src.length && depth > 0; end += 1) {
        if (src[end] === '{') depth += 1;
        else if (src[end] === '}') depth -= 1;
      }
      const inner = src.slice(this.pos + 2, depth === 0 ? end - 1 : end);
      this.pos = end;
      const withDefault = /^([A-Za-z_][A-Za-z0-9_]*):?[-=]([\s\S]*)$/.exec(inner);
      if (/^([A-Za-z_][A-Za-z0-9_]*|\d+|[@*])$/.test(inner)) parts.push({ kind: 'var', name: inner, quoted, fallback: null });
      else if (withDefault) parts.push({ kind: 'var', name: withDefault[1]!, quoted, fallback: withDefault[2]!.replace(/^(["'])(.*)\1$/s, '$2') });
      else parts.push({ kind: 'opaque' });
    } else if (next !== undefined && /[A-Za-z_]/.test(next)) {
      let end = this.pos + 2;
      while (end < src.length && /[A-Za-z0-9_]/.test(src[end]!)) end += 1;
      parts.push({ kind: 'var', name: src.slice(this.pos + 1, end), quoted, fallback: null });
      this.pos = end;
    } else if (next !== undefined && /[0-9@*]/.test(next)) {
      parts.push({ kind: 'var', name: next, quoted, fallback: null });
      this.pos += 2;
    } else if (next !== undefined && '#?$!-'.includes(next)) {
      parts.push({ kind: 'opaque' });
      this.pos += 2;
    } else if (next === "'" && !quoted) {
      this.pos += 2;
      let text = '';
      while (this.pos < src.length && src[this.pos] !== "'") {
        if (src[this.pos] === '\\' && this.pos + 1 < src.length) {
          const escape = src[this.pos + 1]!;
          text += ANSI_C_ESCAPES[escape] ?? `\\${escape}`;
          this.pos += 2;
        } else text += src[this.pos++];
      }
      this.pos += 1;
      appendText(parts, text, true);
    } else if (next === '"' && !quoted) {
      this.pos += 1; // `$"..."` is a double-quoted string
    } else {
      appendText(parts, '$', quoted);
      this.pos += 1;
    }
  }

  /** The inside of `$(`, `<(` or `>(`, up to its `)`; the position is just after the `(`. */
  private substitution(quoted: boolean): Part {
    const start = this.pos;
    if (this.nesting >= MAX_NESTING) {
      this.skipBalanced();
      return { kind: 'opaque' };
    }
    this.nesting += 1;
    const script = this.script(')');
    this.nesting -= 1;
    return { kind: 'subst', text: this.src.slice(start, Math.max(start, this.pos - 1)), script, quoted };
  }

  private backticks(quoted: boolean): Part {
    const { src } = this;
    let body = '';
    let end = this.pos + 1;
    for (; end < src.length && src[end] !== '`'; end += 1) {
      if (src[end] === '\\' && end + 1 < src.length && '\\`$'.includes(src[end + 1]!)) end += 1;
      body += src[end];
    }
    this.pos = end + 1;
    if (this.nesting >= MAX_NESTING) return { kind: 'opaque' };
    return { kind: 'subst', text: body, script: new Lexer(body, this.nesting + 1).script(null), quoted };
  }

  /** Skips to the `)` that closes the `(` just before the position, minding quotes; no recursion. */
  private skipBalanced(): void {
    const { src } = this;
    let depth = 1;
    while (this.pos < src.length && depth > 0) {
      const char = src[this.pos]!;
      if (char === '\\') this.pos += 1;
      else if (char === "'") {
        const end = src.indexOf("'", this.pos + 1);
        this.pos = end === -1 ? src.length : end;
      } else if (char === '(') depth += 1;
      else if (char === ')') depth -= 1;
      this.pos += 1;
    }
  }

  /** After the newline that ends a line with `<<WORD`: the bodies, each up to its delimiter line. */
  private readHeredocBodies(): void {
    const { src } = this;
    for (const { delimiter, strip, heredoc } of this.pending.splice(0)) {
      const lines: string[] = [];
      while (this.pos < src.length) {
        const newline = src.indexOf('\n', this.pos);
        const end = newline === -1 ? src.length : newline;
        let line = src.slice(this.pos, end);
        this.pos = end + 1;
        if (strip) line = line.replace(/^\t+/, '');
        if (line === delimiter || line.replace(/\r$/, '') === delimiter) break;
        lines.push(line);
      }
      heredoc.body = lines.length ? `${lines.join('\n')}\n` : '';
      if (heredoc.expands && this.nesting < MAX_NESTING) heredoc.scripts = new Lexer(heredoc.body, this.nesting + 1).substitutionsOnly();
    }
  }
}

// ---- Bash: what a command line writes ---------------------------------------------------

/** A word after expansion; null when its value is only known at run time. */
type Field = string | null;

interface Shell {
  dir: string;
  oldDir: string;
  stack: string[];
  /** Variables set on the line; null: set to something we cannot know. */
  vars: Map<string, string[] | null>;
}

export interface WriteTarget {
  target: string;
  cwd: string;
  /** Deletes or rewrites everything at and below the target. */
  tree: boolean;
}

/** Bounds on one reading, so that no input makes the gate miss its hook timeout. */
const RUN_LIMITS = { commands: 50_000, fields: 200_000, directoryEntries: 100_000, depth: 16 };
const MAX_WORD_FIELDS = 256;
const MAX_GLOB_MATCHES = 10_000;
const MAX_DIFF_BYTES = 1 << 20;
const NAME_MAX = 255;
const PATH_MAX = 4096;

interface Run {
  found: WriteTarget[];
  commands: number;
  fields: number;
  entries: number;
  /** Each command's name, arguments and directory, for an `xargs` reading the command before it. */
  expanded: Map<SimpleCommand, { name: string; args: Field[]; dir: string }>;
}

/** What a command reads as its standard input: a heredoc or here-string, or a `<` file. */
type Stdin = { text: string } | { file: string } | null;

interface Context {
  shell: Shell;
  dir: string;
  run: Run;
  depth: number;
  command: SimpleCommand | null;
  stdin: Stdin;
}

/** Stands for the file `find -exec` or `xargs` hands a command: a NUL cannot occur in a real path. */
const MATCH = '\u0000match';

const copyShell = (shell: Shell, dir = shell.dir): Shell => ({ dir, oldDir: shell.oldDir, stack: [...shell.stack], vars: new Map(shell.vars) });

function lookup(shell: Shell, name: string): string[] | null {
  if (shell.vars.has(name)) return shell.vars.get(name) ?? null;
  if (name === 'PWD') return [shell.dir];
  if (name === 'OLDPWD') return [shell.oldDir];
  if (/^[0-9@*]$/.test(name)) return null;
  // The agent's shell and baton's hook run under the same Claude Code, with the same environment.
  const value = process.env[name];
  return typeof value === 'string' ? [value] : null;
}

function gitTopLevel(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return dir;
  }
}

/** The output of a substitution we can know: `$(pwd)`, `$(git rev-parse --show-toplevel)`. */
function knownOutput(part: Extract<Part, { kind: 'subst' }>, shell: Shell): string[] | null {
  const text = part.text.trim();
  if (text === 'pwd') return [shell.dir];
  if (text === 'git rev-parse --show-toplevel') return [gitTopLevel(shell.dir)];
  return null;
}

const escapeGlob = (text: string) => text.replace(/[\\*?[\]{},]/g, '\\$&');
const unescapeGlob = (pattern: string) => pattern.replace(/\\([\s\S])/g, '$1');

function hasGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === '\\') i += 1;
    else if ('*?['.includes(pattern[i]!)) return true;
  }
  return false;
}

/** `{a,b}` and `{1..3}` alternatives of an (escaped) pattern; at most MAX_WORD_FIELDS. */
function braceExpand(pattern: string): string[] {
  const done: string[] = [];
  const queue = [pattern];
  while (queue.length > 0 && done.length + queue.length <= MAX_WORD_FIELDS) {
    const item = queue.shift()!;
    const brace = findBrace(item);
    if (!brace) done.push(item);
    else for (const alternative of brace.alternatives) queue.push(item.slice(0, brace.start) + alternative + item.slice(brace.end + 1));
  }
  return [...done, ...queue].slice(0, MAX_WORD_FIELDS);
}

/** The outermost `{a,b}` or `{1..3}` of a pattern, found in one pass (long patterns must not cost a square). */
function findBrace(pattern: string): { start: number; end: number; alternatives: string[] } | null {
  const open: { start: number; commas: number[] }[] = [];
  let found: { start: number; end: number; alternatives: string[] } | null = null;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === '\\') i += 1;
    else if (char === '{') open.push({ start: i, commas: [] });
    else if (char === ',' && open.length) open.at(-1)!.commas.push(i);
    else if (char === '}' && open.length) {
      const { start, commas } = open.pop()!;
      if (found && found.start < start) continue;
      const alternatives = commas.length ? braceAlternatives(pattern, start, commas, i) : braceRange(pattern.slice(start + 1, i));
      if (alternatives) found = { start, end: i, alternatives };
    }
  }
  return found;
}

function braceAlternatives(pattern: string, start: number, commas: number[], end: number): string[] {
  const bounds = [start, ...commas, end];
  return bounds.slice(1).map((bound, n) => pattern.slice(bounds[n]! + 1, bound));
}

function braceRange(inner: string): string[] | null {
  const range = /^(-?\d{1,6})\.\.(-?\d{1,6})$|^([a-zA-Z])\.\.([a-zA-Z])$/.exec(inner);
  if (!range) return null;
  const numeric = range[1] !== undefined;
  const [from, to] = numeric ? [Number(range[1]), Number(range[2])] : [range[3]!.charCodeAt(0), range[4]!.charCodeAt(0)];
  const step = from <= to ? 1 : -1;
  const alternatives: string[] = [];
  for (let n = from; alternatives.length < MAX_WORD_FIELDS; n += step) {
    alternatives.push(numeric ? String(n) : String.fromCharCode(n));
    if (n === to) break;
  }
  return alternatives;
}

/** A glob segment (`*.js`, `[ab]?`) as a regular expression over one name. */
function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i += 1) {
    const char = segment[i]!;
    if (char === '\\' && i + 1 < segment.length) source += segment[++i]!.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    else if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) source += '\\[';
      else {
        let inner = segment.slice(i + 1, close);
        const negated = inner.startsWith('!') || inner.startsWith('^');
        if (negated) inner = inner.slice(1);
        source += `[${negated ? '^' : ''}${inner.replace(/\\/g, '\\\\').replace(/\[/g, '\\[')}]`;
        i = close;
      }
    } else source += char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  try {
    return new RegExp(`^${source}$`, 's');
  } catch {
    return new RegExp(`^${unescapeGlob(segment).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}$`, 's'); // `[z-a]`: no valid class, the literal name
  }
}

/** The paths a glob pattern matches, as the shell writes them (sorted, relative stays relative); null when none. */
function globMatch(pattern: string, cwd: string, run: Run): string[] | null {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/');
  let bases = [absolute ? '/' : ''];
  const join = (base: string, name: string) => (base === '' ? name : base.endsWith('/') ? base + name : `${base}/${name}`);
  for (let i = absolute ? 1 : 0; i < segments.length; i += 1) {
    const segment = segments[i]!;
    if (segment === '') {
      bases = bases.map((base) => (base === '' || base.endsWith('/') ? base : `${base}/`));
      continue;
    }
    const next: string[] = [];
    if (!hasGlob(segment)) for (const base of bases) next.push(join(base, unescapeGlob(segment)));
    else if (segment.length > NAME_MAX * 2) return null; // no file name is that long
    else {
      const regExp = segmentRegExp(segment);
      const dotted = segment.startsWith('.') || segment.startsWith('\\.');
      for (const base of bases) {
        let names: string[];
        try {
          names = readdirSync(path.resolve(cwd, base || '.'));
        } catch {
          continue;
        }
        run.entries -= names.length;
        if (run.entries < 0) return null;
        for (const name of names.sort()) if ((dotted || !name.startsWith('.')) && regExp.test(name)) next.push(join(base, name));
        if (next.length > MAX_GLOB_MATCHES) break;
      }
    }
    bases = next.slice(0, MAX_GLOB_MATCHES);
    if (bases.length === 0) return null;
  }
  const existing = bases.filter((base) => {
    try {
      lstatSync(path.resolve(cwd, base));
      return true;
    } catch {
      return false;
    }
  });
  return existing.length ? existing : null;
}

/** A word's fields after variable, brace and glob expansion, and word splitting. */
function expandWord(word: Word, shell: Shell, run: Run, glob = true): Field[] {
  let fields: { pattern: string; started: boolean }[] = [{ pattern: '', started: false }];
  for (const part of word.parts) {
    if (part.kind === 'text') {
      for (const field of fields) {
        field.pattern += part.quoted ? escapeGlob(part.text) : part.text;
        field.started = true;
      }
      continue;
    }
    const values = part.kind === 'var' ? (lookup(shell, part.name) ?? (part.fallback !== null ? [part.fallback] : null)) : part.kind === 'subst' ? knownOutput(part, shell) : null;
    if (values === null) return [null];
    const quoted = part.kind !== 'opaque' && part.quoted;
    const next: typeof fields = [];
    for (const field of fields) {
      for (const value of values) {
        if (quoted) {
          next.push({ pattern: field.pattern + escapeGlob(value), started: true });
          continue;
        }
        const words = value.split(/[ \t\n]+/).filter((item) => item !== '');
        if (words.length === 0) next.push({ ...field });
        else {
          // Unquoted values are globbed, not brace-expanded.
          next.push({ pattern: field.pattern + words[0]!.replace(/[\\{},]/g, '\\$&'), started: true });
          for (const more of words.slice(1)) next.push({ pattern: more.replace(/[\\{},]/g, '\\$&'), started: true });
        }
      }
    }
    fields = next.slice(0, MAX_WORD_FIELDS);
  }
  const out: Field[] = [];
  for (const { pattern, started } of fields) {
    if (!started && pattern === '') continue; // an unquoted empty expansion is no word at all
    const expands = glob && pattern.length <= PATH_MAX;
    for (const alternative of expands ? braceExpand(pattern) : [pattern]) {
      const matches = expands && hasGlob(alternative) ? globMatch(alternative, shell.dir, run) : null;
      out.push(...(matches ?? [unescapeGlob(alternative)]));
    }
  }
  run.fields -= out.length;
  return run.fields < 0 ? [null] : out;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'time', 'esac', 'coproc']);
const OUTPUT_REDIRECTS = new Set(['>', '>>', '&>', '&>>', '<>']);

function assignment(word: Word): { name: string; value: Word } | null {
  const first = word.parts[0];
  if (first?.kind !== 'text' || first.quoted) return null;
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(first.text);
  if (!match) return null;
  return { name: match[1]!, value: { parts: [{ kind: 'text', text: first.text.slice(match[0].length), quoted: false }, ...word.parts.slice(1)], quoted: word.quoted } };
}

function setVariable(shell: Shell, name: string, fields: Field[]): void {
  shell.vars.set(name, fields.includes(null) ? null : [fields.join(' ')]);
}

function analyseScript(items: Item[], start: Shell, run: Run, depth: number): void {
  let shell = start;
  const outer: Shell[] = [];
  for (const item of items) {
    if (item.kind === 'open') {
      outer.push(shell);
      shell = copyShell(shell);
    } else if (item.kind === 'close') shell = outer.pop() ?? shell;
    else analyseCommand(item.command, shell, run, depth);
  }
}

function analyseCommand(command: SimpleCommand, shell: Shell, run: Run, depth: number): void {
  if (--run.commands < 0 || depth > RUN_LIMITS.depth) return;
  // Command substitutions run first, each in a subshell of its own.
  for (const word of [...command.words, ...command.redirects.map((redirect) => redirect.target), ...command.hereStrings]) {
    for (const part of word.parts) if (part.kind === 'subst') analyseScript(part.script, copyShell(shell), run, depth + 1);
  }
  for (const heredoc of command.heredocs) for (const script of heredoc.scripts) analyseScript(script, copyShell(shell), run, depth + 1);

  for (const { op, target } of command.redirects) {
    if (!OUTPUT_REDIRECTS.has(op)) continue;
    for (const field of expandWord(target, shell, run)) if (field !== null && !field.startsWith('/dev/')) run.found.push({ target: field, cwd: shell.dir, tree: false });
  }

  let index = 0;
  while (index < command.words.length && assignment(command.words[index]!)) index += 1;
  if (index === command.words.length) {
    for (const word of command.words) {
      const { name, value } = assignment(word)!;
      setVariable(shell, name, expandWord(value, shell, run, false));
    }
    return;
  }
  const fields = command.words.slice(index).flatMap((word) => expandWord(word, shell, run));
  while (fields.length && typeof fields[0] === 'string' && KEYWORDS.has(fields[0])) fields.shift();
  if (fields[0] === 'for' || fields[0] === 'select') {
    // `for f in src/*.js`: the loop's commands see every value at once.
    const name = fields[1];
    if (typeof name === 'string' && fields[2] === 'in') shell.vars.set(name, fields.slice(3).includes(null) ? null : (fields.slice(3) as string[]));
    return;
  }
  if (fields[0] === 'case' || fields[0] === 'function') return;

  let stdin: Stdin = null;
  const inputFile = command.redirects.filter((redirect) => redirect.op === '<').at(-1);
  if (command.heredocs.length) stdin = { text: command.heredocs.at(-1)!.body };
  else if (command.hereStrings.length) stdin = { text: `${expandWord(command.hereStrings.at(-1)!, shell, run, false).join(' ')}\n` };
  else if (inputFile) {
    const file = expandWord(inputFile.target, shell, run)[0];
    if (typeof file === 'string') stdin = { file: path.resolve(shell.dir, file) };
  }
  runFields(fields, { shell, dir: shell.dir, run, depth, command, stdin });
}

/** Runs an expanded command: wrappers (`sudo`, `env`, `timeout`, `npx`...) stripped, then its handler. */
function runFields(fields: Field[], context: Context): void {
  const unwrapped = unwrap(fields, context.dir);
  if (!unwrapped) return;
  const [name, ...args] = unwrapped.fields;
  if (typeof name !== 'string') return;
  const base = path.basename(name);
  const inner = { ...context, dir: unwrapped.dir };
  if (context.command) context.run.expanded.set(context.command, { name: base, args, dir: inner.dir });
  if (Object.hasOwn(HANDLERS, base)) HANDLERS[base]!(args, inner);
}

const WRAPPER_OPTIONS: Record<string, string[]> = {
  sudo: ['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T'],
  doas: ['-u', '-C'],
  env: ['-u', '--unset'],
  nice: ['-n', '--adjustment'],
  ionice: ['-c', '-n', '--class', '--classdata'],
  timeout: ['-s', '-k', '--signal', '--kill-after'],
  exec: ['-a'],
  npx: ['-p', '--package'],
  bunx: ['-p', '--package'],
  stdbuf: ['-i', '-o', '-e'],
};
const PACKAGE_RUNNERS: Record<string, string[]> = { pnpm: ['exec', 'dlx'], yarn: ['exec', 'dlx'], bun: ['x'], uv: ['run'], poetry: ['run'], pipx: ['run'], pdm: ['run'], hatch: ['run'] };

/** The command inside its wrappers, and the directory it runs in (`env -C DIR`). Null: it does not run (`command -v`). */
function unwrap(fields: Field[], dir: string): { fields: Field[]; dir: string } | null {
  let rest = fields;
  for (let guard = 0; guard < 32 && rest.length; guard += 1) {
    const name = rest[0];
    if (typeof name !== 'string') return { fields: rest, dir };
    const base = path.basename(name);
    if (['sudo', 'doas', 'env', 'nohup', 'time', 'command', 'builtin', 'exec', 'nice', 'ionice', 'stdbuf', 'timeout', 'npx', 'bunx'].includes(base)) {
      const valued = WRAPPER_OPTIONS[base] ?? [];
      let i = 1;
      for (; i < rest.length; i += 1) {
        const arg = rest[i];
        if (arg === '--') {
          i += 1;
          break;
        }
        if (typeof arg !== 'string') break;
        if (base === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) continue;
        if (!arg.startsWith('-') || arg === '-') break;
        if (base === 'command' && (arg === '-v' || arg === '-V')) return null;
        if (base === 'env' && (arg === '-C' || arg === '--chdir')) {
          const target = rest[++i];
          if (typeof target === 'string') dir = path.resolve(dir, target);
        } else if (base === 'env' && arg.startsWith('--chdir=')) dir = path.resolve(dir, arg.slice(8));
        else if (base === 'env' && (arg === '-S' || arg === '--split-string')) {
          const line = rest[i + 1];
          rest = [...(typeof line === 'string' ? line.split(/\s+/).filter(Boolean) : [null]), ...rest.slice(i + 2)];
          i = 0;
          break;
        } else if (valued.includes(arg)) i += 1;
      }
      if (i === 0) continue;
      if (base === 'timeout') i += 1; // the duration
      rest = rest.slice(i);
    } else if (Object.hasOwn(PACKAGE_RUNNERS, base) && PACKAGE_RUNNERS[base]!.includes(rest[1] ?? '')) {
      let i = 2;
      while (typeof rest[i] === 'string' && rest[i]!.startsWith('-')) i += 1;
      rest = rest.slice(i);
    } else if (/^python[0-9.]*$/.test(base) && rest[1] === '-m' && typeof rest[2] === 'string') {
      rest = rest.slice(2); // `python -m black src`: the module, as a command
    } else return { fields: rest, dir };
  }
  return { fields: rest, dir };
}

interface ParsedArgs {
  operands: Field[];
  has(...names: string[]): boolean;
  /** The last value given to one of these options. */
  value(...names: string[]): Field | undefined;
}

/**
 * Options and operands, given which short letters and long options take a value
 * (`-t DIR`, `-tDIR`, `--target-directory DIR`, `--target-directory=DIR`). After `--`, all are operands.
 */
function parseArgs(args: Field[], valued = '', valuedLong: readonly string[] = []): ParsedArgs {
  const operands: Field[] = [];
  const options: [string, Field][] = [];
  let onlyOperands = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (onlyOperands || arg === null || arg === '-' || !arg.startsWith('-')) operands.push(arg);
    else if (arg === '--') onlyOperands = true;
    else if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      if (equals !== -1) options.push([arg.slice(0, equals), arg.slice(equals + 1)]);
      else options.push([arg, valuedLong.includes(arg) ? (args[++i] ?? null) : null]);
    } else {
      for (let j = 1; j < arg.length; j += 1) {
        if (valued.includes(arg[j]!)) {
          options.push([`-${arg[j]}`, j + 1 < arg.length ? arg.slice(j + 1) : (args[++i] ?? null)]);
          break;
        }
        options.push([`-${arg[j]}`, null]);
      }
    }
  }
  return {
    operands,
    has: (...names) => options.some(([name]) => names.includes(name)),
    value: (...names) => options.filter(([name]) => names.includes(name)).at(-1)?.[1],
  };
}

function write(context: Context, target: Field | undefined, tree = false, cwd = context.dir): void {
  if (typeof target === 'string' && target !== '') context.run.found.push({ target, cwd, tree });
}

function isDirectory(target: string, cwd: string): boolean {
  try {
    return statSync(path.resolve(cwd, target)).isDirectory();
  } catch {
    return false;
  }
}

/** Where `cp`/`mv`/`rsync` put a source inside a destination directory: `a/.` (and rsync's `a/`) is its contents. */
function intoDirectory(destination: string, source: string, trailingSlashIsContents: boolean): string {
  if (source === '.' || source.endsWith('/.') || (trailingSlashIsContents && source.endsWith('/'))) return destination;
  return `${destination.replace(/\/+$/, '')}/${path.basename(source)}`;
}

/** `cp`, `mv`, `ln`, `install` (and `git mv`): the destination, or each source's place in a destination directory. */
function copyLike(args: Field[], context: Context, options: { tree: boolean; movesSources: boolean; oneOperandIntoCwd: boolean; dir?: string }): void {
  const dir = options.dir ?? context.dir;
  const parsed = parseArgs(args, 'tSmog', ['--target-directory', '--suffix', '--mode', '--owner', '--group']);
  const tree = options.tree || parsed.has('-r', '-R', '-a', '--recursive', '--archive');
  let sources = parsed.operands;
  let destination = parsed.value('-t', '--target-directory');
  const intoDir = destination !== undefined;
  if (destination === undefined) {
    if (sources.length === 1 && options.oneOperandIntoCwd) destination = '.';
    else if (sources.length < 2) return;
    else {
      destination = sources.at(-1)!;
      sources = sources.slice(0, -1);
    }
  }
  if (options.movesSources) for (const source of sources) write(context, source, true, dir);
  if (destination === null) return;
  const isDir = intoDir || (!parsed.has('-T', '--no-target-directory') && (sources.length > 1 || destination.endsWith('/') || isDirectory(destination, dir)));
  if (!isDir) return write(context, destination, tree, dir);
  for (const source of sources) write(context, source === null ? destination : intoDirectory(destination, source, false), source === null || tree, dir);
}

/** Reads a patch or script the command names, if it is a regular file of a sane size (never blocks on a FIFO). */
function readTextFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_DIFF_BYTES) return null;
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A diff's text: from a named file, else the command's standard input. */
function diffText(file: Field | undefined, context: Context): string | null {
  if (file === null) return null;
  if (file !== undefined) return readTextFile(path.resolve(context.dir, file));
  if (context.stdin === null) return null;
  return 'text' in context.stdin ? context.stdin.text : readTextFile(context.stdin.file);
}

/** The files a unified or git diff changes, as written in it (`a/src/x.js`). */
function diffFiles(text: string): string[] {
  const files = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(?:\+\+\+|---) (.+?)(?:\t.*)?$/.exec(line) ?? /^(?:rename|copy) (?:from|to) (.+)$/.exec(line);
    const file = match?.[1]?.replace(/^"(.*)"$/, '$1');
    if (file && file !== '/dev/null') files.add(file);
  }
  return [...files];
}

const stripComponents = (file: string, count: number) => file.split('/').slice(count).join('/');

/** A git pathspec as a target: globs and magic (`*.js`, `:/`) reach their static directory. */
function pathspecTarget(spec: string, root: string): string {
  if (spec.startsWith(':')) return root;
  if (!/[*?[]/.test(spec)) return spec;
  const prefix: string[] = [];
  for (const part of spec.split('/')) {
    if (/[*?[]/.test(part)) break;
    prefix.push(part);
  }
  return prefix.length ? prefix.join('/') : '.';
}

function gitCommand(args: Field[], context: Context): void {
  let dir = context.dir;
  let workTree: string | null = null;
  let i = 0;
  for (; i < args.length; i += 1) {
    const arg = args[i];
    if (typeof arg !== 'string' || !arg.startsWith('-')) break;
    if (arg === '-C') {
      const next = args[++i];
      if (typeof next !== 'string') return;
      dir = path.resolve(dir, next);
    } else if (arg === '--work-tree' || arg.startsWith('--work-tree=')) {
      const value = arg === '--work-tree' ? args[++i] : arg.slice(12);
      if (typeof value === 'string') workTree = path.resolve(dir, value);
    } else if (['-c', '--git-dir', '--namespace', '--exec-path', '--config-env'].includes(arg)) i += 1;
  }
  const verb = args[i];
  const rest = args.slice(i + 1);
  if (typeof verb !== 'string') return;
  const root = workTree ?? gitTopLevel(dir);
  const everything = () => write(context, root, true, dir);
  const specs = (list: Field[]) => {
    for (const spec of list) write(context, spec === null ? null : pathspecTarget(spec, root), true, dir);
  };
  const afterDashDash = rest.indexOf('--') === -1 ? null : rest.slice(rest.indexOf('--') + 1);
  switch (verb) {
    case 'checkout': {
      const parsed = parseArgs(rest, 'bB', ['--orphan', '--conflict']);
      if (parsed.has('-b', '-B', '--orphan')) {
        if (parsed.operands.length) everything(); // a new branch at a start point: its files
        return;
      }
      if (parsed.has('--pathspec-from-file')) return everything();
      if (afterDashDash) return specs(afterDashDash);
      const [first, ...paths] = parsed.operands;
      if (first === undefined) return;
      const isPath = typeof first === 'string' && existsSync(path.resolve(dir, first));
      if (isPath) specs(parsed.operands);
      else if (paths.length) specs(paths);
      else everything(); // a branch or commit: every tracked file may change
      return;
    }
    case 'switch': {
      const parsed = parseArgs(rest, 'cC', ['--create', '--force-create']);
      if (parsed.has('-c', '-C', '--create', '--force-create') && parsed.operands.length === 0) return;
      return everything();
    }
    case 'restore': {
      const parsed = parseArgs(rest, 's', ['--source']);
      if (parsed.has('-S', '--staged') && !parsed.has('-W', '--worktree')) return;
      if (parsed.has('--pathspec-from-file')) return everything();
      return specs(parsed.operands);
    }
    case 'reset':
      if (rest.some((arg) => arg === '--hard' || arg === '--merge' || arg === '--keep')) everything();
      return;
    case 'stash': {
      const sub = typeof rest[0] === 'string' && !rest[0].startsWith('-') ? rest[0] : 'push';
      if (['list', 'show', 'drop', 'clear', 'create', 'store'].includes(sub)) return;
      if (sub !== 'push' && sub !== 'save') return everything();
      const paths = afterDashDash ?? (rest[0] === 'push' ? parseArgs(rest.slice(1), 'm', ['--message', '--pathspec-from-file']).operands : []);
      return paths.length ? specs(paths) : everything();
    }
    case 'clean': {
      const parsed = parseArgs(rest, 'e', ['--exclude']);
      if (parsed.has('-n', '--dry-run')) return;
      return specs(parsed.operands.length ? parsed.operands : ['.']);
    }
    case 'rm': {
      const parsed = parseArgs(rest, '', ['--pathspec-from-file']);
      if (parsed.has('--cached', '-n', '--dry-run')) return;
      for (const spec of parsed.operands) write(context, spec === null ? null : pathspecTarget(spec, root), parsed.has('-r') || /[*?[]/.test(spec ?? ''), dir);
      return;
    }
    case 'mv':
      return copyLike(rest, context, { tree: true, movesSources: true, oneOperandIntoCwd: false, dir });
    case 'merge':
    case 'pull':
    case 'rebase':
    case 'cherry-pick':
    case 'revert':
    case 'am':
      return everything();
    case 'apply': {
      const parsed = parseArgs(rest, 'p', ['--directory', '--exclude', '--include']);
      if (parsed.has('--check', '--stat', '--numstat', '--summary') && !parsed.has('--apply')) return;
      if (parsed.has('--cached') && !parsed.has('--index')) return;
      const strip = Number(parsed.value('-p') ?? 1);
      const prefix = parsed.value('--directory');
      for (const file of parsed.operands.length ? parsed.operands : [undefined]) {
        const text = diffText(file, context);
        if (text === null) return everything();
        for (const changed of diffFiles(text)) write(context, path.posix.join(prefix ?? '.', stripComponents(changed, strip)), false, root);
      }
      return;
    }
  }
}

/** `sh -c STRING [$0 args...]`, `eval`, or a shell reading a heredoc: the string is a command line. */
function runLine(line: string, context: Context, positional: Field[] | null, subshell: boolean): void {
  if (context.depth >= RUN_LIMITS.depth) return;
  const shell = subshell ? copyShell(context.shell, context.dir) : context.shell;
  if (positional) {
    for (let n = 0; n <= 9; n += 1) shell.vars.set(String(n), typeof positional[n] === 'string' ? [positional[n] as string] : positional[n] === null ? null : ['']);
    const all = positional.slice(1);
    shell.vars.set('@', all.includes(null) ? null : (all as string[]));
    shell.vars.set('*', all.includes(null) ? null : [all.join(' ')]);
  }
  analyseScript(new Lexer(line).script(null), shell, context.run, context.depth + 1);
}

function shellCommand(args: Field[], context: Context): void {
  let command = false;
  let i = 0;
  for (; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--') {
      i += 1;
      break;
    }
    if (typeof arg !== 'string' || arg === '-' || !(arg.startsWith('-') || arg.startsWith('+'))) break;
    if (['-o', '+o', '-O', '+O', '--rcfile', '--init-file'].includes(arg)) i += 1;
    else if (!arg.startsWith('--') && arg.slice(1).includes('c')) command = true;
  }
  if (command) {
    const script = args[i];
    if (typeof script === 'string') runLine(script, context, args.slice(i + 1), true);
  } else if ((i >= args.length || args[i] === '-') && context.stdin && 'text' in context.stdin) {
    runLine(context.stdin.text, context, null, true); // `bash <<'EOF'`: the heredoc is the script
  }
}

/**
 * Runs a command that `find -exec` or `xargs` starts with MATCH for the files it hands
 * over. Its writes of fixed paths count as they are; whether it writes a handed-over file is the answer.
 */
function writesHandedFiles(fields: Field[], context: Context, anyWrite: boolean): boolean {
  const outer = context.run.found;
  const inner: WriteTarget[] = [];
  context.run.found = inner;
  try {
    runFields(fields, { ...context, shell: copyShell(context.shell, context.dir), depth: context.depth + 1, command: null, stdin: null });
  } finally {
    context.run.found = outer;
  }
  let handed = false;
  for (const target of inner) {
    if (anyWrite || target.target.includes(MATCH) || target.cwd.includes(MATCH)) handed = true;
    else outer.push(target);
  }
  return handed;
}

function findStartingPoints(args: Field[]): { paths: Field[]; expression: Field[] } {
  let i = 0;
  while (typeof args[i] === 'string' && /^-([HLP]|O\d)$/.test(args[i]!)) i += 1;
  const paths: Field[] = [];
  for (; i < args.length; i += 1) {
    const arg = args[i];
    if (typeof arg === 'string' && arg !== '-' && /^[-(!,]/.test(arg)) break;
    paths.push(arg!);
  }
  return { paths: paths.length ? paths : ['.'], expression: args.slice(i) };
}

function findCommand(args: Field[], context: Context): void {
  const { paths, expression } = findStartingPoints(args);
  let deletes = false;
  for (let i = 0; i < expression.length; i += 1) {
    const primary = expression[i];
    if (primary === '-delete') deletes = true;
    else if (primary === '-exec' || primary === '-execdir' || primary === '-ok' || primary === '-okdir') {
      let end = i + 1;
      while (end < expression.length && expression[end] !== ';' && expression[end] !== '+') end += 1;
      const command = expression.slice(i + 1, end).map((word) => (typeof word === 'string' ? word.split('{}').join(MATCH) : word));
      // `-execdir` runs in each match's directory: any write it makes lands below the starting points.
      if (writesHandedFiles(command, context, primary.endsWith('dir'))) deletes = true;
      i = end;
    } else if (typeof primary === 'string' && /^-f(print0?|printf|ls)$/.test(primary)) write(context, expression[++i]);
  }
  if (deletes) for (const start of paths) write(context, start, true);
}

/** The paths a command lists on its output, for an `xargs` after it; null when unknown (a file's contents). */
function listedPaths(command: SimpleCommand | null, run: Run, hops = 0): { target: Field; tree: boolean; cwd: string }[] | null {
  const expanded = command && hops < 8 ? run.expanded.get(command) : undefined;
  if (!expanded) return null;
  const { name, args, dir } = expanded;
  const trees = (list: Field[]) => list.map((target) => ({ target, tree: true, cwd: dir }));
  switch (name) {
    case 'find':
      return trees(findStartingPoints(args).paths);
    case 'fd':
    case 'fdfind':
      return trees(parseArgs(args, 'etdE', ['--extension', '--type', '--max-depth', '--exclude']).operands.slice(1).concat(['.']));
    case 'ls': {
      const listed = parseArgs(args).operands;
      return trees(listed.length ? listed : ['.']);
    }
    case 'git':
      return trees([gitTopLevel(dir)]);
    case 'echo':
      return parseArgs(args).operands.map((target) => ({ target, tree: false, cwd: dir }));
    case 'grep':
    case 'egrep':
    case 'rg':
    case 'ag':
    case 'ack': {
      const parsed = parseArgs(args, 'efmABCgt', ['--regexp', '--file', '--max-count', '--glob', '--type', '--include', '--exclude']);
      const files = parsed.has('-e', '-f', '--regexp', '--file') ? parsed.operands : parsed.operands.slice(1);
      if (files.length) return trees(files);
      if (name !== 'grep' && name !== 'egrep') return trees(['.']);
      return parsed.has('-r', '-R', '--recursive') ? trees(['.']) : listedPaths(command!.pipedFrom, run, hops + 1);
    }
    case 'sort':
    case 'uniq':
    case 'head':
    case 'tail':
    case 'cut':
    case 'tr':
    case 'tac':
    case 'cat':
    case 'sed':
      return parseArgs(args).operands.length > (name === 'sed' ? 1 : 0) ? null : listedPaths(command!.pipedFrom, run, hops + 1);
    default:
      return null;
  }
}

function xargsCommand(args: Field[], context: Context): void {
  let replace: string | null = null;
  let fromFile = false;
  let i = 0;
  for (; i < args.length; i += 1) {
    const arg = args[i];
    if (typeof arg !== 'string' || !arg.startsWith('-') || arg === '-') break;
    if (arg === '--') {
      i += 1;
      break;
    }
    if (arg === '-I') replace = typeof args[++i] === 'string' ? (args[i] as string) : '{}';
    else if (arg.startsWith('-I')) replace = arg.slice(2);
    else if (arg === '-i' || arg === '--replace') replace = '{}';
    else if (arg.startsWith('--replace=')) replace = arg.slice(10);
    else if (arg.startsWith('-i')) replace = arg.slice(2);
    else if (arg === '-a' || arg === '--arg-file') {
      fromFile = true;
      i += 1;
    } else if (arg.startsWith('-a') || arg.startsWith('--arg-file=')) fromFile = true;
    else if (['-n', '-L', '-P', '-d', '-E', '-s', '--max-args', '--max-lines', '--max-procs', '--delimiter', '--eof', '--max-chars'].includes(arg)) i += 1;
  }
  const command = args.slice(i);
  if (command.length === 0) return; // echo
  const fields = replace ? command.map((word) => (typeof word === 'string' ? word.split(replace!).join(MATCH) : word)) : [...command, MATCH];
  if (!writesHandedFiles(fields, context, false)) return;
  const sources = fromFile ? null : listedPaths(context.command?.pipedFrom ?? null, context.run);
  for (const source of sources ?? []) write(context, source.target, source.tree, source.cwd);
}

type Handler = (args: Field[], context: Context) => void;

const operandsOf = (valued = '', valuedLong: readonly string[] = [], tree = false): Handler => (args, context) => {
  for (const target of parseArgs(args, valued, valuedLong).operands) write(context, target, tree);
};

function changeDirectory(shell: Shell, target: Field | undefined): void {
  if (target === null) return; // known only at run time: the best guess is that it stays
  const next = target === undefined ? lookup(shell, 'HOME')?.[0] : target === '-' ? shell.oldDir : target;
  if (next === undefined) return;
  shell.oldDir = shell.dir;
  shell.dir = path.resolve(shell.dir, next);
}

/** Formatters and fixers that rewrite the files and directories they are given. */
function formatter(when: (parsed: ParsedArgs) => boolean, options: { sub?: string[]; defaultCwd?: boolean; valued?: string; valuedLong?: string[] } = {}): Handler {
  return (args, context) => {
    let rest = args;
    if (options.sub) {
      if (typeof rest[0] !== 'string' || !options.sub.includes(rest[0])) return;
      rest = rest.slice(1);
    }
    const parsed = parseArgs(rest, options.valued, options.valuedLong);
    if (!when(parsed)) return;
    write(context, parsed.value('-o', '--output-file'));
    for (const target of parsed.operands.length ? parsed.operands : options.defaultCwd ? ['.'] : []) write(context, target, true);
  };
}

const HANDLERS: Record<string, Handler> = {
  cd: (args, context) => changeDirectory(context.shell, parseArgs(args).operands[0]),
  pushd: (args, context) => {
    const target = parseArgs(args).operands[0];
    const { shell } = context;
    if (target === undefined) {
      const top = shell.stack.pop();
      if (top !== undefined) {
        shell.stack.push(shell.dir);
        changeDirectory(shell, top);
      }
    } else if (!(typeof target === 'string' && /^[+-]\d+$/.test(target))) {
      shell.stack.push(shell.dir);
      changeDirectory(shell, target);
    }
  },
  popd: (args, context) => {
    if (parseArgs(args).operands.length) return; // `popd +1` drops an entry, the directory stays
    const top = context.shell.stack.pop();
    if (top !== undefined) changeDirectory(context.shell, top);
  },
  export: (args, context) => {
    for (const arg of args) {
      const match = typeof arg === 'string' ? /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(arg) : null;
      if (match) context.shell.vars.set(match[1]!, [match[2]!]);
    }
  },
  unset: (args, context) => {
    for (const name of parseArgs(args).operands) if (typeof name === 'string') context.shell.vars.set(name, ['']);
  },
  eval: (args, context) => runLine(args.filter((arg) => typeof arg === 'string').join(' '), context, null, false),
  rm: (args, context) => {
    const parsed = parseArgs(args);
    for (const target of parsed.operands) write(context, target, parsed.has('-r', '-R', '--recursive'));
  },
  rmdir: operandsOf('', [], true),
  unlink: operandsOf(),
  shred: operandsOf('ns', ['--iterations', '--size', '--random-source']),
  touch: operandsOf('dtr', ['--date', '--reference', '--time']),
  mkdir: operandsOf('m', ['--mode', '--context']),
  mkfifo: operandsOf('m', ['--mode']),
  tee: operandsOf(),
  truncate: operandsOf('sr', ['--size', '--reference']),
  rename: (args, context) => {
    for (const target of parseArgs(args).operands.slice(1)) write(context, target, true);
  },
  cp: (args, context) => copyLike(args, context, { tree: false, movesSources: false, oneOperandIntoCwd: false }),
  ln: (args, context) => copyLike(args, context, { tree: false, movesSources: false, oneOperandIntoCwd: true }),
  install: (args, context) => {
    const parsed = parseArgs(args, 'mogtS', ['--mode', '--owner', '--group', '--target-directory', '--suffix']);
    if (parsed.has('-d', '--directory')) for (const target of parsed.operands) write(context, target);
    else copyLike(args, context, { tree: false, movesSources: false, oneOperandIntoCwd: false });
  },
  mv: (args, context) => copyLike(args, context, { tree: true, movesSources: true, oneOperandIntoCwd: false }),
  rsync: (args, context) => {
    const parsed = parseArgs(args, 'efTMB', [
      '--rsh', '--exclude', '--include', '--filter', '--exclude-from', '--include-from', '--files-from', '--backup-dir', '--link-dest', '--compare-dest',
      '--copy-dest', '--temp-dir', '--partial-dir', '--log-file', '--chmod', '--chown', '--timeout', '--port', '--password-file', '--rsync-path', '--suffix',
    ]);
    if (parsed.has('-n', '--dry-run') || parsed.operands.length < 2) return;
    const destination = parsed.operands.at(-1)!;
    if (destination === null || /^[^/]*:/.test(destination)) return; // another host
    for (const source of parsed.operands.slice(0, -1)) write(context, source === null ? destination : intoDirectory(destination, source, true), true);
  },
  dd: (args, context) => {
    for (const arg of args) if (arg?.startsWith('of=')) write(context, arg.slice(3));
  },
  sed: (args, context) => {
    if (!args.some((arg) => typeof arg === 'string' && (/^-[a-zA-Z]*i/.test(arg) || arg.startsWith('--in-place')))) return;
    const parsed = parseArgs(args, 'efl', ['--expression', '--file', '--line-length']);
    const files = parsed.has('-e', '-f', '--expression', '--file') ? parsed.operands : parsed.operands.slice(1);
    for (const file of files) write(context, file);
  },
  perl: (args, context) => {
    let inPlace = false;
    let code = false;
    let i = 0;
    for (; i < args.length; i += 1) {
      const arg = args[i];
      if (arg === '--') {
        i += 1;
        break;
      }
      if (typeof arg !== 'string' || !arg.startsWith('-') || arg === '-') break;
      for (let j = 1; j < arg.length; j += 1) {
        const letter = arg[j]!;
        if (letter === 'i') inPlace = true; // the rest is the backup suffix
        if (letter === 'e' || letter === 'E') {
          code = true;
          if (j === arg.length - 1) i += 1;
        }
        if ('ieEMmIlx0dDC'.includes(letter)) break;
      }
    }
    if (inPlace) for (const file of args.slice(code ? i : i + 1)) write(context, file);
  },
  awk: (args, context) => {
    const parsed = parseArgs(args, 'fvFiE', ['--file', '--assign', '--field-separator', '--include', '--exec', '--source']);
    if (parsed.value('-i', '--include') !== 'inplace') return;
    const files = parsed.has('-f', '--file', '-E', '--exec', '--source') ? parsed.operands : parsed.operands.slice(1);
    for (const file of files) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(file ?? '')) write(context, file);
  },
  sort: (args, context) => write(context, parseArgs(args, 'oktST', ['--output', '--key', '--field-separator', '--buffer-size', '--temporary-directory']).value('-o', '--output')),
  curl: (args, context) => {
    let remoteName = false;
    for (let i = 0; i < args.length; i += 1) {
      const arg = args[i];
      if (typeof arg !== 'string') continue;
      if (arg === '--output' || /^-[a-zA-Z]*o$/.test(arg)) write(context, args[++i]);
      else if (arg.startsWith('--output=')) write(context, arg.slice(9));
      else if (arg === '--remote-name' || /^-[a-zA-Z]*O[a-zA-Z]*$/.test(arg)) remoteName = true;
    }
    if (remoteName) for (const url of args) if (typeof url === 'string' && /^[a-z]+:\/\//.test(url)) write(context, url.replace(/[?#].*$/, '').split('/').pop());
  },
  wget: (args, context) => {
    const parsed = parseArgs(args, 'OPoa', ['--output-document', '--directory-prefix', '--output-file', '--append-output']);
    const document = parsed.value('-O', '--output-document');
    if (document !== undefined) return document === '-' ? undefined : write(context, document);
    const prefix = parsed.value('-P', '--directory-prefix') ?? '.';
    for (const url of parsed.operands) {
      if (typeof url === 'string' && prefix !== null) write(context, path.posix.join(prefix, url.replace(/[?#].*$/, '').split('/').pop() || 'index.html'));
    }
  },
  tar: (args, context) => {
    const normalized = typeof args[0] === 'string' && /^[A-Za-z]+$/.test(args[0]) ? [`-${args[0]}`, ...args.slice(1)] : args;
    const parsed = parseArgs(normalized, 'fCbTXKNgIH', ['--file', '--directory', '--exclude', '--files-from', '--exclude-from', '--transform', '--use-compress-program', '--owner', '--group', '--mode', '--format', '--strip-components']);
    if (parsed.has('-x', '--extract', '--get')) write(context, parsed.value('-C', '--directory') ?? '.', true);
    else if (parsed.has('-c', '--create', '-r', '--append', '-u', '--update', '-A', '--catenate', '--concatenate', '--delete')) {
      const archive = parsed.value('-f', '--file');
      if (archive !== '-') write(context, archive);
    }
  },
  unzip: (args, context) => {
    const parsed = parseArgs(args, 'dP');
    if (parsed.has('-l', '-t', '-v', '-Z', '-p', '-c', '-z')) return;
    write(context, parsed.value('-d') ?? '.', true);
  },
  patch: (args, context) => {
    const parsed = parseArgs(args, 'pdioBrDFgVYz', ['--strip', '--directory', '--input', '--output', '--prefix', '--reject-file', '--ifdef', '--fuzz', '--suffix', '--basename-prefix']);
    if (parsed.has('--dry-run', '-C', '--check')) return;
    const dir = path.resolve(context.dir, parsed.value('-d', '--directory') ?? '.');
    const output = parsed.value('-o', '--output');
    if (output !== undefined) return write(context, output, false, dir);
    const [original, patchFile] = parsed.operands;
    if (original !== undefined) return write(context, original, false, dir);
    const text = diffText(parsed.value('-i', '--input') ?? patchFile, context);
    if (text === null) return write(context, dir, true);
    const strip = parsed.value('-p', '--strip');
    for (const file of diffFiles(text)) {
      // Without -p, patch may use the path as written or its base name.
      const candidates = typeof strip === 'string' ? [stripComponents(file, Number(strip) || 0)] : [file, stripComponents(file, 1), path.posix.basename(file)];
      for (const candidate of candidates) write(context, candidate, false, dir);
    }
  },
  git: gitCommand,
  find: findCommand,
  xargs: xargsCommand,
  prettier: formatter((p) => p.has('--write', '-w')),
  eslint: formatter((p) => p.has('--fix'), { defaultCwd: true, valued: 'cfo', valuedLong: ['--config', '--format', '--output-file', '--ext', '--rule', '--parser'] }),
  black: formatter((p) => !p.has('--check', '--diff'), { valued: 'lct', valuedLong: ['--line-length', '--config', '--target-version', '--include', '--exclude', '--extend-exclude'] }),
  isort: formatter((p) => !p.has('--check-only', '--check', '-c', '--diff')),
  autopep8: formatter((p) => p.has('-i', '--in-place')),
  gofmt: formatter((p) => p.has('-w')),
  goimports: formatter((p) => p.has('-w')),
  rustfmt: formatter((p) => !p.has('--check')),
  'clang-format': formatter((p) => p.has('-i')),
  shfmt: formatter((p) => p.has('-w', '--write')),
  stylelint: formatter((p) => p.has('--fix')),
  ruff: (args, context) => {
    if (args[0] === 'format') formatter((p) => !p.has('--check', '--diff'), { sub: ['format'], defaultCwd: true })(args, context);
    else formatter((p) => p.has('--fix'), { sub: ['check'], defaultCwd: true })(args, context);
  },
  go: (args, context) => {
    if (args[0] !== 'fmt') return;
    const packages = parseArgs(args.slice(1)).operands;
    // `./...` is every package below the directory
    for (const target of packages.length ? packages : ['.']) write(context, target === null ? null : target.replace(/\/?\.\.\.$/, '') || '.', true);
  },
  cargo: formatter((p) => !p.has('--check'), { sub: ['fmt', 'fix'], defaultCwd: true }),
  biome: formatter((p) => p.has('--write', '--apply', '--apply-unsafe', '--fix'), { sub: ['format', 'check', 'lint'], defaultCwd: true }),
  dprint: formatter(() => true, { sub: ['fmt'], defaultCwd: true }),
};
for (const shell of ['sh', 'bash', 'dash', 'zsh', 'ksh']) HANDLERS[shell] = shellCommand;
for (const alias of ['declare', 'local', 'readonly', 'typeset']) HANDLERS[alias] = HANDLERS.export!;
for (const alias of ['gawk', 'mawk']) HANDLERS[alias] = HANDLERS.awk!;
HANDLERS.prename = HANDLERS.rename!;
HANDLERS.ginstall = HANDLERS.install!;

/** Every path a Bash command line would write, each with the directory it is relative to. */
export function bashWriteTargets(line: string, cwd: string): WriteTarget[] {
  const run: Run = { found: [], commands: RUN_LIMITS.commands, fields: RUN_LIMITS.fields, entries: RUN_LIMITS.directoryEntries, expanded: new Map() };
  const shell: Shell = { dir: cwd, oldDir: cwd, stack: [], vars: new Map() };
  analyseScript(new Lexer(line).script(null), shell, run, 0);
  return run.found;
}
