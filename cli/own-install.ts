/** Where this baton runs from: the executable Claude Code's hooks must name, and the package around it. */
import { realpathSync } from 'node:fs';
import path from 'node:path';

/** The real path of the running executable (dist/baton.cjs, through npm's link or the plugin's bin/). */
export function ownScript(): string {
  return realpathSync(process.argv[1]!);
}

/** The package or checkout holding dist/ (and skills/ beside it); null when baton does not run from a dist/. */
export function ownRoot(): string | null {
  const dist = path.dirname(ownScript());
  return path.basename(dist) === 'dist' ? path.dirname(dist) : null;
}
