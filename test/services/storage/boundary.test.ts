/**
 * The trust boundary holds by construction: every module that can touch the file system is
 * listed here with what it touches, and none of them touches `.claude/` except the storage
 * layer. A new module that imports node:fs fails this test until it is listed, with a reason,
 * which is the moment to route its `.claude/` access through services/storage/ instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers.js';

/** Modules outside services/storage/ that import node:fs, and why that is not baton's own files. */
const OUTSIDE_THE_BOUNDARY: Record<string, string> = {
  'actors/dev-env.ts': '/proc, to tell baton\'s own process group from another',
  'actors/entry-files.ts': "the project's entry files, realpath-checked to be inside it (the health fallback)",
  'actors/git-context.ts': 'the project markers (existence only) and the git index lock',
  'services/project/git-dir.ts': "the .git entry at or above the project: is it a git folder (stat only; a .git or commondir file is read through storage)",
  'actors/git-stamp.ts': "the repository's git folder: the index, reflog and refs (stat only; HEAD is read through storage)",
  'actors/git.ts': "the git folder's operation markers; a file a rollback's reset brought in, after a storage check",
  'actors/merge-driver.ts': "whether the project's .gitattributes is a regular file (lstat) before baton adds its merge line",
  'actors/health.ts': 'the project markers (existence only)',
  'actors/node-syntax.ts': 'whether a folder between an entry file and the project root has a package.json (existence only)',
  'actors/session-context.ts': "the spec's /tmp/summary folder (names only, never read)",
  'cli/commands/init.ts': 'the project markers (existence only)',
  'cli/commands/serve.ts': "the service's log in baton's config folder, outside every project",
  'cli/commands/visualize.ts': 'the --out file the user names',
  'cli/context.ts': 'whether the directory given with -C exists',
  'cli/commands/doctor.ts': 'whether the paths a hook command names exist (existence only)',
  'cli/hook-settings.ts': 'the `baton` on PATH (can it run, its real path)',
  'cli/own-install.ts': "the real path of baton's own executable",
  'cli/serve/project-of-request.ts': "who owns the project a request names (stat only: another user's is refused)",
  'cli/stdin.ts': "the hook's stdin (fd 0)",
  'services/gate/bash-reader.ts': 'the project tree, to expand globs and read patch files a Bash command names (regular files only)',
  'services/gate/protected-write.ts': 'real paths, to resolve where a tool call writes',
  'services/project/paths.ts': 'the real path of the project root',
  'services/project/project-root.ts': 'what makes a directory a project (existence only)',
  'services/project/installed-hooks.ts': "the user's Claude Code settings (~/.claude/settings.json), to see which hooks it runs",
  'services/project/skills.ts': "whether the project has its own skill (.claude/skills/NAME/SKILL.md, stat only) and baton's own skills/",
  'services/serve/service-record.ts': "the service's record (port and secret) in baton's config folder, outside every project",
  'services/project/trust.ts': "the trust store in the user's config folder, outside every project",
  'services/utils/pid.ts': '/proc, to tell a process from a later one with the same pid',
};

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative.split(path.sep).join('/')] : [];
  });
}

describe('the storage boundary', () => {
  const files = ['machines', 'services', 'actors', 'cli', 'visualize'].flatMap(sources);
  const usesFs = files.filter((file) => /from 'node:fs(\/promises)?'/.test(readFileSync(path.join(REPO_ROOT, file), 'utf8')));

  it('only the listed modules touch the file system outside services/storage/', () => {
    expect(usesFs.filter((file) => !file.startsWith('services/storage/')).sort()).toEqual(Object.keys(OUTSIDE_THE_BOUNDARY).sort());
  });

  it('the statechart and the visualisation never touch the file system themselves', () => {
    expect(usesFs.filter((file) => file.startsWith('machines/') || file.startsWith('visualize/'))).toEqual([]);
  });
});
