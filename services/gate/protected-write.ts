/**
 * The spec's "block feature work when broken": which paths a tool call would write, and
 * whether those are protected. Paths are resolved against the project root (absolute,
 * relative, `..`, symlinks), so `node_modules/x/src` is not the project's `src`. A write to
 * a whole tree (`rm -rf .`, `git reset --hard`) reaches every protected path below it.
 *
 * Bash commands are read by bash-reader.ts, loaded only when a Bash call arrives while the
 * gate is on: the healthy hook never parses it.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { WriteTarget } from './bash-reader.js';

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

const isOutside = (relative: string) => relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);

/** The path relative to the project root, or null when it lies outside the project. */
export function projectRelative(root: string, cwd: string, target: string): string | null {
  const relative = path.relative(realPathOf(root), realPathOf(path.resolve(cwd, target)));
  if (relative === '') return '.';
  return isOutside(relative) ? null : relative.split(path.sep).join('/');
}

/**
 * Whether deleting or rewriting the tree at `relative` ('.' is the root) reaches a path
 * `glob` protects: some path at or below it could match. `src/**` is reached from `.`,
 * `src` and `src/x`, not from `node_modules/x/src`; `**\/*.py` from any directory.
 */
function treeReachesProtected(relative: string, glob: string): boolean {
  const segments = relative === '.' ? [] : relative.split('/');
  const pattern = glob.replace(/^\.\//, '').split('/').filter((part) => part !== '');
  // States are positions in the glob's segments; a `**` segment matches any number of them.
  const skipStars = (states: Set<number>) => {
    for (const state of [...states]) for (let i = state; i < pattern.length && pattern[i]!.includes('**'); i += 1) states.add(i + 1);
    return states;
  };
  let states = skipStars(new Set([0]));
  for (const segment of segments) {
    const next = new Set<number>();
    for (const state of states) {
      const part = pattern[state];
      if (part === undefined) continue;
      if (part.includes('**')) next.add(state);
      else if (globToRegExp(part).test(segment)) next.add(state + 1);
    }
    states = skipStars(next);
    if (states.size === 0) return false;
  }
  return true;
}

/** What a tree hit reports: the protected directory it reaches (`src` for `rm -rf .`), or the target when deeper. */
function treeHitPath(relative: string, glob: string): string {
  const prefix: string[] = [];
  for (const part of glob.replace(/^\.\//, '').split('/')) {
    if (part === '' || /[*?[]/.test(part)) break;
    prefix.push(part);
  }
  const staticPrefix = prefix.join('/');
  if (staticPrefix === '') return relative;
  return relative === '.' || staticPrefix.startsWith(`${relative}/`) ? staticPrefix : relative;
}

export interface ToolCall {
  tool_name: string;
  tool_input: Record<string, unknown>;
}

/** The paths a tool call would write: file_path (Write, Edit, MultiEdit), notebook_path, or what Bash writes. */
async function toolWriteTargets(call: ToolCall, cwd: string): Promise<WriteTarget[]> {
  const input = call.tool_input;
  const file = (target: unknown) => (typeof target === 'string' ? [{ target, cwd, tree: false }] : []);
  switch (call.tool_name) {
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
      return file(input.file_path);
    case 'NotebookEdit':
      return file(input.notebook_path);
    case 'Bash':
      return typeof input.command === 'string' ? (await import('./bash-reader.js')).bashWriteTargets(input.command, cwd) : [];
    default:
      return [];
  }
}

/** The first protected path the call would write, with the glob that protects it. */
export async function protectedWrite(call: ToolCall, root: string, cwd: string, globs: readonly string[]): Promise<{ path: string; glob: string } | null> {
  const realRoot = realPathOf(root);
  for (const { target, cwd: base, tree } of await toolWriteTargets(call, cwd)) {
    let relative = path.relative(realRoot, realPathOf(path.resolve(base, target)));
    if (relative === '') relative = '.';
    else if (isOutside(relative)) {
      // Deleting a directory that holds the project deletes all of it.
      if (!tree || path.isAbsolute(relative) || !relative.split(path.sep).every((part) => part === '..')) continue;
      relative = '.';
    } else relative = relative.split(path.sep).join('/');
    for (const glob of globs) {
      if (tree ? treeReachesProtected(relative, glob) : globToRegExp(glob).test(relative)) return { path: tree ? treeHitPath(relative, glob) : relative, glob };
    }
  }
  return null;
}
