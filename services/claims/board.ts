/**
 * Where a project's claims are kept: in the repository's common git dir, which every worktree
 * of the repository shares (`<common>/baton/claims/`, or `.../baton/projects/<path>/claims/` for a
 * project in a subfolder of the repository); in the project's own progress folder when there is
 * no git dir baton can trust (no repository, a `.git` link, a submodule).
 */
import path from 'node:path';
import { sharedGitDirOf } from '../project/git-dir.js';
import type { ProjectPaths } from '../project/paths.js';
import { folderBelow, folderInProject, folderLockPlace, type OwnFolder } from '../storage/own-folder.js';
import type { LockPlace } from '../storage/lock.js';

export interface ClaimBoard {
  folder: OwnFolder;
  lock: LockPlace;
  /** git: shared by every worktree of the repository; project: this checkout only. */
  scope: 'git' | 'project';
  /** This checkout, as claims name their holder. */
  holder: string;
}

export function claimBoard(paths: ProjectPaths): ClaimBoard {
  const shared = sharedGitDirOf(paths.root);
  const relative = shared ? path.relative(shared.top, paths.root) : '';
  const folder = shared
    ? folderBelow(shared.commonDir, relative ? ['baton', 'projects', encodeURIComponent(relative.split(path.sep).join('/')), 'claims'] : ['baton', 'claims'])
    : folderInProject(paths, path.join(paths.progressDir, 'claims'));
  return { folder, lock: folderLockPlace(folder, 'the claim board'), scope: shared ? 'git' : 'project', holder: paths.root };
}
