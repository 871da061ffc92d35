/** The real world behind the machine's invoked actors, for one project. */
import { loadFeatureList, toProgress } from '../services/feature-list.js';
import type { ResolvedConfig } from '../services/config.js';
import type { ProjectPaths } from '../services/paths.js';
import type { WorldActors } from '../services/session.js';
import { readGitContext } from './git-context.js';
import { checkHealth } from './health.js';
import { loadSessionContext } from './session-context.js';

export function worldActors(paths: ProjectPaths, config: ResolvedConfig): WorldActors {
  return {
    checkHealth: (signal) =>
      checkHealth({ projectDir: paths.root, command: config.raw.health_check, timeoutSeconds: config.timeouts.health_check, signal }),
    readGitContext: () => readGitContext(paths.root),
    loadFeatures: async () => ({ features: toProgress(await loadFeatureList(paths)) }),
    loadContext: () => loadSessionContext(paths),
  };
}
