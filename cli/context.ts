/** What every command gets: the project, the output mode, and a way to open the session. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BatonError, EXIT, UsageError } from '../services/errors.js';
import { projectPaths, type ProjectPaths } from '../services/project/paths.js';
import { findProjectRoot, projectKind, WHAT_MAKES_A_PROJECT } from '../services/project/project-root.js';
import type { ProjectRuntime, Runtime } from '../services/lifecycle/apply-event.js';
import type { TrustDecision } from '../services/project/trust.js';
import type { StdinRead } from './stdin.js';

export interface CommandContext {
  args: string[];
  options: Record<string, unknown>;
  json: boolean;
  projectDir: string;
  paths: ProjectPaths;
  /** The hook input, already read by dist/hook-fast.js before it handed the hook over. */
  stdin?: StdinRead;
}

export function resolveProjectDir(dir: string): string {
  const absolute = path.resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new UsageError(`project directory ${absolute} does not exist or is not a directory`, 'pass the project root with -C DIR');
  }
  return absolute;
}

/** For the commands that create `.claude/`: only in a project; `baton init` is how a directory becomes one. */
export function refuseOutsideProject(projectDir: string): void {
  if (projectKind(projectDir) !== null) return;
  const above = findProjectRoot(projectDir);
  throw new BatonError(
    `${projectDir} is not a project (a project has ${WHAT_MAKES_A_PROJECT}); baton creates no .claude/ here`,
    EXIT.REFUSED,
    above ? `the project is ${above}: run baton there, or pass -C ${above}` : 'run it from the project root, pass -C DIR, or run `baton init` to make this directory a project',
  );
}

/** The project's paths, config and clock: enough for commands that run no actor (status, checkpoint, recover). */
export async function openProject(context: CommandContext): Promise<ProjectRuntime> {
  const { loadConfig } = await import('../services/project/config.js');
  return { paths: context.paths, config: await loadConfig(context.paths), now: () => new Date() };
}

/** The session for this project with its real actors; loads config (validated) and the heavy modules only when needed. */
export async function openRuntime(context: CommandContext): Promise<Runtime & { trust: TrustDecision }> {
  const [{ loadConfig }, { decideTrust }, { configuredGlobs }, { loadedOnFirstUse, WORLD_ACTOR_NAMES }] = await Promise.all([
    import('../services/project/config.js'),
    import('../services/project/trust.js'),
    import('../services/gate/protected-paths.js'),
    import('../machines/actors.js'),
  ]);
  const config = await loadConfig(context.paths);
  const trust = await decideTrust(context.paths, config);
  const protectedGlobs = await configuredGlobs(context.paths);
  // --inspect, --inspect-url URL or BATON_INSPECT: the live Stately inspector, loaded only when asked for.
  const wantsInspector = Boolean(context.options.inspect || context.options['inspect-url'] || process.env.BATON_INSPECT);
  const inspect = wantsInspector ? await (await import('../visualize/inspector.js')).inspectorFor(context.options) : undefined;
  // Most events run no actor: the world's modules load when the machine first invokes one.
  const world = async () => (await import('../actors/index.js')).worldActors(context.paths, config, trust);
  return { paths: context.paths, config, trust, protectedGlobs, actors: loadedOnFirstUse(WORLD_ACTOR_NAMES, world), now: () => new Date(), inspect };
}

export function withPaths(context: Omit<CommandContext, 'paths'>): CommandContext {
  return { ...context, paths: projectPaths(context.projectDir) };
}
