/** The real world behind the machine's invoked actors, for one project. */
import { loadFeatureList, serializeFeatureList, withProgress } from '../services/features/feature-list.js';
import type { ResolvedConfig } from '../services/project/config.js';
import { displayPath, type ProjectPaths } from '../services/project/paths.js';
import type { WorldActors } from '../machines/actors.js';
import type { TrustDecision } from '../services/project/trust.js';
import { ensureDevEnv } from './dev-env.js';
import { commitFeature } from './git.js';
import { readGitContext } from './git-context.js';
import { checkHealth } from './health.js';
import { loadSessionContext } from './session-context.js';
import { runTests } from './test-runner.js';
import { DEFAULTS } from '../services/project/defaults.js';

/** Every invoked actor but the feature list's, which the session service reads itself (machines/actors.ts). */
export function worldActors(paths: ProjectPaths, config: ResolvedConfig, trust: TrustDecision): WorldActors {
  const untrusted = trust.trusted ? undefined : trust.message;
  const commands = trust.trusted ? config.raw : {};
  return {
    async checkHealth(_input, signal) {
      const env = commands.init_script ? await ensureDevEnv(paths, commands.init_script, config.raw.dev_server_port) : null;
      return checkHealth({
        projectDir: paths.root,
        command: commands.health_check,
        timeoutSeconds: config.timeouts.health_check,
        signal,
        evidencePaths: paths,
        untrusted,
        waitForStartup: env?.startedNow ?? false,
        requiredEnv: config.raw.required_env,
      });
    },
    readGitContext: ({ since }) => readGitContext(paths.root, since),
    loadContext: () => loadSessionContext(paths),
    runTests: ({ featureId }, signal) =>
      runTests({
        projectDir: paths.root,
        featureId,
        smokeTest: commands.smoke_test,
        testCommand: commands.test_command,
        timeouts: config.timeouts,
        evidencePaths: paths,
        untrusted,
        signal,
      }),
    async commitFeature({ featureId }) {
      if (!featureId) return { status: 'skipped', featureId, detail: 'no feature under test' };
      // The machine commits only after the tests passed; the file on disk says so right after the commit.
      const list = await loadFeatureList(paths);
      const feature = list?.features.find((item) => item.id === featureId);
      const featureList = list && feature ? { path: displayPath(paths, paths.features), text: serializeFeatureList(withProgress(list, [{ ...feature, status: 'tested' }])) } : null;
      return commitFeature(paths.root, {
        featureId,
        description: feature?.description ?? '',
        enabled: config.raw.commit_after_feature ?? DEFAULTS.commit_after_feature,
        scope: config.commitScope,
        featureList,
      });
    },
  };
}
