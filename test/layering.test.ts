/**
 * The layers hold by construction: which folder may import which is checked on the sources'
 * import statements, so a shortcut across layers fails here with the file and the import,
 * instead of being found in review. The rules are the README's layout: the statechart is pure,
 * services never reach up into the command line or the world's actors (those are handed to
 * them), actors use only the lower services, and commands do not import each other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Every module a source imports (static, dynamic and type-only), as a repository path or a package name. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+|\brequire\(\s*)['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.c?js$/, '.ts') : specifier,
  );
}

const ALL = ['machines', 'services', 'actors', 'cli', 'visualize'].flatMap(sources);

function violations(from: (file: string) => boolean, allowed: (target: string, file: string) => boolean): string[] {
  return ALL.filter(from).flatMap((file) => importsOf(file).filter((target) => !allowed(target, file)).map((target) => `${file} imports ${target}`));
}

/** The services an actor may use: storage and small helpers, the project's paths and config, and the files an actor itself reads or writes. */
const SERVICES_FOR_ACTORS = [
  'services/storage/',
  'services/utils/',
  'services/project/',
  'services/errors.ts',
  'services/lifecycle/evidence.ts',
  'services/agent-session/file-history.ts',
  'services/agent-session/commit-scope.ts',
  'services/features/feature-list.ts',
];

describe('layering', () => {
  it('the statechart imports only itself, xstate and zod', () => {
    expect(violations((file) => file.startsWith('machines/'), (target) => target.startsWith('machines/') || target === 'xstate' || target === 'zod/mini')).toEqual([]);
  });

  it('services never import the command line, the actors or the visualisation', () => {
    expect(violations((file) => file.startsWith('services/'), (target) => !/^(cli|actors|visualize)\//.test(target))).toEqual([]);
  });

  it('actors import only the lower services, never the orchestration (lifecycle, handoff, gate)', () => {
    expect(
      violations(
        (file) => file.startsWith('actors/'),
        (target) => !target.startsWith('services/') || SERVICES_FOR_ACTORS.some((allowed) => target === allowed || (allowed.endsWith('/') && target.startsWith(allowed))),
      ),
    ).toEqual([]);
  });

  it('commands do not import each other', () => {
    expect(violations((file) => file.startsWith('cli/commands/'), (target, file) => !target.startsWith('cli/commands/') || target === file)).toEqual([]);
  });

  it('the rules see the imports they check (a file with known imports is read right)', () => {
    expect(importsOf('services/lifecycle/apply-event.ts')).toContain('machines/session.ts');
    expect(importsOf('cli/main.ts')).toContain('cli/hook-fast.ts');
  });
});
