/** The safety phase's view of the project: where we are, and what git says happened lately. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Commit, GitContext } from '../machines/observations.js';

// Not state.json (the spec counts it): baton writes it before this check runs, so it would always be found.
const PROJECT_MARKERS = ['package.json', 'pyproject.toml', 'Cargo.toml', 'go.mod', '.git'];
const RECORD = '\x1e';
const FIELD = '\x1f';

export function findMarkers(projectDir: string): string[] {
  return PROJECT_MARKERS.filter((marker) => existsSync(path.join(projectDir, marker)));
}

/** Parses `git log --name-only --format=<RS>%h<US>%s`: commits, and the files they touched, newest first. */
export function parseLogWithFiles(output: string, maxFiles = 5): { commits: Commit[]; recentFiles: string[] } {
  const commits: Commit[] = [];
  const files: string[] = [];
  for (const record of output.split(RECORD).slice(1)) {
    const [header = '', ...rest] = record.split('\n');
    const [hash = '', subject = ''] = header.split(FIELD);
    commits.push({ hash, subject });
    for (const file of rest) if (file.trim() && !files.includes(file.trim())) files.push(file.trim());
  }
  return { commits, recentFiles: files.slice(0, maxFiles) };
}

export async function readGitContext(projectDir: string): Promise<GitContext> {
  const markers = findMarkers(projectDir);
  const warnings: string[] = [];
  if (markers.length === 0) warnings.push(`no project markers (package.json, pyproject.toml, Cargo.toml, go.mod, .git) in ${projectDir}: run from the project root or pass its path`);
  const base: GitContext = { directory: projectDir, markers, isRepo: false, branch: null, commits: [], recentFiles: [], warnings };

  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: projectDir });
  if (!(await git.checkIsRepo().catch(() => false))) return base;

  const branch = (await git.raw(['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => '')).trim() || null;
  if (branch === null) warnings.push('HEAD is detached (no branch checked out)');
  try {
    const output = await git.raw(['log', '-5', '--name-only', `--format=${RECORD}%h${FIELD}%s`]);
    return { ...base, isRepo: true, branch, ...parseLogWithFiles(output) };
  } catch {
    warnings.push('the repository has no commits yet');
    return { ...base, isRepo: true, branch };
  }
}
