/**
 * The loss-free rule for every file baton rewrites: a damaged file is never silently replaced.
 * Its bytes are moved aside first (`<name>.bad-<time>`), and a notice names the file, what
 * is wrong, where the bytes are, and what could be recovered from them.
 */
import { describeProblem, type FileProblem } from './json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { notice } from './notices.js';

import { moveOwnAside } from './write.js';

/** Moves the damaged `file` aside and says so; `recovered` tells what came back of it ("recovered 2 of its 3 rows"). */
export async function keepDamagedAside(paths: ProjectPaths, file: string, problem: FileProblem, recovered: string): Promise<string> {
  const aside = await moveOwnAside(paths, file, 'bad');
  notice(`${describeProblem(problem)}; kept as ${displayPath(paths, aside)}; ${recovered}`);
  return aside;
}
