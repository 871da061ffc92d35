/**
 * The project a request is about: named (an absolute path), or found around the hook
 * payload's `cwd` as a command hook finds it. Canonical (links resolved), a project, and
 * owned by the user the service runs as: a request cannot make it write anywhere else.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { findProjectRoot, projectRootAt } from '../../services/project/project-root.js';
import { HttpError } from './http-io.js';

export function projectOfRequest(named: unknown, payloadCwd: unknown): string | null {
  let root: string | null;
  if (typeof named === 'string' && named !== '') {
    if (!path.isAbsolute(named)) throw new HttpError(400, `the project must be an absolute path (got ${JSON.stringify(named)})`);
    root = projectRootAt(named);
    if (root === null) throw new HttpError(404, `${named} is not a project (no .claude/progress, .git or project marker there)`);
  } else if (typeof payloadCwd === 'string' && path.isAbsolute(payloadCwd)) root = findProjectRoot(payloadCwd);
  else return null;
  if (root === null) return null;
  const owner = statSync(root).uid;
  if (typeof process.getuid === 'function' && owner !== process.getuid()) throw new HttpError(403, `${root} belongs to another user (uid ${owner}); baton serve works only on its own user's projects`);
  return root;
}
