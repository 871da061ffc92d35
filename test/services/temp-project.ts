/**
 * A fresh project folder with `.claude/progress/` for each test, removed after it: the unit
 * tests of code that reads and writes baton's files use real files, not mocks.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { projectPaths, type ProjectPaths } from '../../services/project/paths.js';
import { takeNotices } from '../../services/storage/notices.js';

/** Call at the top of a describe (or a file): `.paths` is the current test's project. */
export function useTempProject(prefix: string): { readonly paths: ProjectPaths } {
  let paths: ProjectPaths | undefined;
  beforeEach(() => {
    const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
    mkdirSync(path.join(root, '.claude', 'progress'), { recursive: true });
    paths = projectPaths(root);
    takeNotices();
  });
  afterEach(() => rmSync(paths!.root, { recursive: true, force: true }));
  return {
    get paths() {
      return paths!;
    },
  };
}
