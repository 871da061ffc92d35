/**
 * Which of a project's own files the built-in health check reads for syntax: the entry
 * files package.json names, or the Python package's modules. Everything here comes from
 * files in the project, so it is untrusted: a name is used only when it resolves, through
 * any symlinks, to a regular file inside the project (a syntax error's output quotes the
 * file, and nothing outside the project may end up in the evidence).
 */
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../services/project/paths.js';
import { readProjectText } from '../services/storage/read.js';

export const MAX_NODE_FILES = 8;
export const MAX_PYTHON_FILES = 200;
const MAX_PYTHON_DIRS = 500;
const NODE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);

export interface NamedEntry {
  /** Where package.json names it: main, bin or exports. */
  field: 'main' | 'bin' | 'exports';
  name: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every string leaf of `exports` that is a file path (`./...`, no `*` pattern), nested conditions and fallback arrays included. */
function exportTargets(value: unknown, depth = 0): string[] {
  if (depth > 8) return [];
  if (typeof value === 'string') return value.startsWith('./') && !value.includes('*') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => exportTargets(item, depth + 1));
  if (isRecord(value)) return Object.values(value).flatMap((item) => exportTargets(item, depth + 1));
  return [];
}

/** The entry files a package.json names, in the order main, bin, exports, without duplicates. Pure. */
export function namedNodeEntries(pkg: unknown): NamedEntry[] {
  if (!isRecord(pkg)) return [];
  const named: NamedEntry[] = [];
  if (typeof pkg.main === 'string' && pkg.main.trim()) named.push({ field: 'main', name: pkg.main });
  const bin = pkg.bin;
  if (typeof bin === 'string') named.push({ field: 'bin', name: bin });
  else if (isRecord(bin)) for (const target of Object.values(bin)) if (typeof target === 'string') named.push({ field: 'bin', name: target });
  for (const target of exportTargets(pkg.exports)) named.push({ field: 'exports', name: target });
  const seen = new Set<string>();
  return named.filter((entry) => {
    const key = path.posix.normalize(entry.name.replace(/\\/g, '/'));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface FileChoice {
  /** Paths relative to the project root, each starting with `./` (never read as an option), at most the limit. */
  files: string[];
  /** Names that were not checked, and why (`main ../x.js: outside the project`). */
  skipped: string[];
  /** More files qualified than the limit allows. */
  truncated: boolean;
}

type Resolution = { ok: true; relative: string } | { ok: false; why: string };

/** Where `name` really is, when that is a regular file inside the project. */
async function resolveInside(rootReal: string, name: string): Promise<Resolution> {
  let real: string;
  try {
    real = await fs.realpath(path.resolve(rootReal, name));
  } catch {
    return { ok: false, why: 'does not exist' };
  }
  const relative = path.relative(rootReal, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return { ok: false, why: 'outside the project (not checked)' };
  const stat = await fs.stat(real).catch(() => null);
  if (!stat?.isFile()) return { ok: false, why: 'not a regular file' };
  return { ok: true, relative: `./${relative.split(path.sep).join('/')}` };
}

/** `main` resolves as Node resolves it: the name, then `.js`, then `/index.js`. */
async function resolveEntry(rootReal: string, entry: NamedEntry): Promise<Resolution> {
  const tries = entry.field === 'main' ? [entry.name, `${entry.name}.js`, path.join(entry.name, 'index.js')] : [entry.name];
  let first: Resolution | null = null;
  for (const name of tries) {
    const found = await resolveInside(rootReal, name);
    if (found.ok) {
      return NODE_EXTENSIONS.has(path.extname(found.relative)) ? found : { ok: false, why: 'not a .js, .mjs or .cjs file' };
    }
    // An outside target is the answer, whatever the other spellings find.
    if (found.why.startsWith('outside')) return found;
    first ??= found;
  }
  return first!;
}

/** The project's Node entry files to syntax-check, from a parsed package.json. */
export async function nodeEntryFiles(root: string, pkg: unknown): Promise<FileChoice> {
  const rootReal = await fs.realpath(root);
  const named = namedNodeEntries(pkg);
  const entries: NamedEntry[] = named.length ? named : [{ field: 'main', name: 'index.js' }];
  const files: string[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    const found = await resolveEntry(rootReal, entry);
    if (!found.ok) {
      // No named entry and no index.js is not worth a word: there is simply nothing to check.
      if (named.length) skipped.push(`${entry.field} ${entry.name}: ${found.why}`);
    } else if (!files.includes(found.relative)) files.push(found.relative);
  }
  return { files: files.slice(0, MAX_NODE_FILES), skipped, truncated: files.length > MAX_NODE_FILES };
}

/** The distribution name in pyproject.toml ([project] or [tool.poetry]), as an importable name. */
export function pyprojectPackageName(text: string): string | null {
  let section = '';
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (section !== 'project' && section !== 'tool.poetry') continue;
    const name = /^\s*name\s*=\s*["']([^"']+)["']/.exec(line);
    if (name) return name[1]!.trim().toLowerCase().replace(/[-.]+/g, '_');
  }
  return null;
}

const SKIPPED_DIRS = new Set(['__pycache__', 'node_modules', 'site-packages']);

/** Directories at `dir` that are packages (have __init__.py); not symlinks, not hidden. */
async function packagesIn(rootReal: string, dir: string, exclude: ReadonlySet<string> = new Set()): Promise<string[]> {
  const entries = await fs.readdir(path.join(rootReal, dir), { withFileTypes: true }).catch((): Dirent[] => []);
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name) || exclude.has(entry.name)) continue;
    const init = await fs.lstat(path.join(rootReal, dir, entry.name, '__init__.py')).catch(() => null);
    if (init?.isFile()) found.push(path.join(dir, entry.name));
  }
  return found;
}

/** The .py files under the given directories (relative to the root), walked without following symlinks, bounded. */
async function pythonFilesUnder(rootReal: string, dirs: string[]): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  const queue = [...dirs];
  let visited = 0;
  while (queue.length && files.length <= MAX_PYTHON_FILES && visited < MAX_PYTHON_DIRS) {
    const dir = queue.shift()!;
    visited += 1;
    const entries = await fs.readdir(path.join(rootReal, dir), { withFileTypes: true }).catch((): Dirent[] => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) queue.push(relative);
      else if (entry.isFile() && entry.name.endsWith('.py')) files.push(`./${relative.split(path.sep).join('/')}`);
    }
  }
  return { files: files.slice(0, MAX_PYTHON_FILES), truncated: files.length > MAX_PYTHON_FILES || queue.length > 0 };
}

/** Whether `relative` really lies inside the project, through any symlinked parent (`src -> /elsewhere` does not). */
async function realInside(rootReal: string, relative: string): Promise<boolean> {
  const real = await fs.realpath(path.join(rootReal, relative)).catch(() => null);
  if (real === null) return false;
  const inside = path.relative(rootReal, real);
  return inside !== '' && !inside.startsWith('..') && !path.isAbsolute(inside);
}

/**
 * The Python package's modules: the package pyproject.toml names (`<name>/` or
 * `src/<name>/`, or a single `<name>.py`), else the packages under `src/`, else the
 * top-level packages (tests left out).
 */
export async function pythonPackageFiles(root: string): Promise<FileChoice & { packages: string[] }> {
  const rootReal = await fs.realpath(root);
  const kind = async (relative: string) => fs.lstat(path.join(rootReal, relative)).catch(() => null);
  const pyproject = readProjectText(projectPaths(rootReal), 'pyproject.toml');
  const name = pyprojectPackageName(pyproject.kind === 'ok' ? pyproject.text : '');
  let packages: string[] = [];
  const modules: string[] = [];
  if (name) {
    for (const candidate of [path.join('src', name), name]) if ((await kind(candidate))?.isDirectory()) packages.push(candidate);
    for (const candidate of [path.join('src', `${name}.py`), `${name}.py`]) {
      const found = await resolveInside(rootReal, candidate);
      if (found.ok) modules.push(found.relative);
    }
  }
  if (packages.length === 0 && modules.length === 0) packages = await packagesIn(rootReal, 'src');
  if (packages.length === 0 && modules.length === 0) packages = await packagesIn(rootReal, '.', new Set(['test', 'tests', 'src', 'build', 'dist']));
  const insidePackages: string[] = [];
  for (const dir of packages) if (await realInside(rootReal, dir)) insidePackages.push(dir);
  const walked = await pythonFilesUnder(rootReal, insidePackages);
  const files = [...modules, ...walked.files].slice(0, MAX_PYTHON_FILES);
  return { files, skipped: [], truncated: walked.truncated, packages: [...modules, ...insidePackages.map((dir) => `${dir.split(path.sep).join('/')}/`)] };
}
