/** `.claude/config/project.json`: the spec's project configuration, validated. */
import * as z from 'zod/mini';
import { DEFAULTS } from './defaults.js';
import { BadFileError } from '../errors.js';
import { displayPath, type ProjectPaths } from './paths.js';
import { readOwnJson } from '../storage/read.js';
import { commandFieldsIn } from './trust.js';

const command = z.string().check(z.trim(), z.minLength(1, 'must be a non-empty shell command'));

// Every duration has a ceiling: past Node's timer limit (2^31-1 ms, 24.8 days) a timer fires at once.
const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;
const timeout = (fallback: number) => z._default(z.number().check(z.positive(), z.maximum(DAY_SECONDS, `must be at most ${DAY_SECONDS} seconds (a day)`)), fallback);

export const projectConfigSchema = z
  .looseObject({
    $schema: z.optional(z.string()),
    project_type: z.optional(z.string()).check(z.describe('Detected or specified project type, e.g. fastapi, nextjs, django')),
    init_script: z.optional(command).check(z.describe('Dev environment start-up (e.g. a dev server), run before the health check')),
    health_check: z.optional(command).check(z.describe('Quick validation that the app is not broken; exit 0 means healthy')),
    test_command: z.optional(command).check(z.describe('Full test suite')),
    smoke_test: z.optional(command).check(z.describe('Pre-feature validation, run before the full suite')),
    dev_server_port: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
    required_env: z.optional(z.array(z.string().check(z.minLength(1)))).check(z.describe('Environment variables that must be set (names only)')),
    timeout_seconds: z.optional(
      z.partial(
        z.object({
          health_check: timeout(DEFAULTS.timeout_seconds.health_check),
          smoke_test: timeout(DEFAULTS.timeout_seconds.smoke_test),
          full_test: timeout(DEFAULTS.timeout_seconds.full_test),
        }),
      ),
    ),
    max_retries: z.optional(z.int().check(z.minimum(1))).check(z.describe(`Test failures before a feature is marked blocked (default ${DEFAULTS.max_retries})`)),
    health_check_reuse_seconds: z
      .optional(z.int().check(z.minimum(0), z.maximum(DAY_SECONDS, `must be at most ${DAY_SECONDS} seconds (a day)`)))
      .check(z.describe(`After a compaction, /clear or resume, SessionStart keeps a health check younger than this instead of running it (and the dev environment check) again (default ${DEFAULTS.health_check_reuse_seconds}, 0 = always run); \`baton entry\` always runs it`)),
    checkpoint_interval_seconds: z.optional(z.int().check(z.minimum(0), z.maximum(WEEK_SECONDS, `must be at most ${WEEK_SECONDS} seconds (a week)`))).check(z.describe(`Auto-save interval for checkpoint.json (default ${DEFAULTS.checkpoint_interval_seconds})`)),
    commit_after_feature: z.optional(z.boolean()).check(z.describe(`Commit the work tree when a feature passes its tests (default ${DEFAULTS.commit_after_feature})`)),
    commit_on_end: z.optional(z.boolean()).check(z.describe(`Commit pending changes when the session hands off (baton end, Stop, SessionEnd; default ${DEFAULTS.commit_on_end})`)),
    commit_exclude: z
      .optional(z.array(z.string().check(z.trim(), z.minLength(1, 'must be a non-empty .gitignore pattern'))))
      .check(z.describe("New files baton's commits leave out, as .gitignore patterns from the project root, on top of the built-in list (node_modules/, dist/, .env, ...); a \"!pattern\" takes one back")),
    commit_max_files: z.optional(z.int().check(z.minimum(0))).check(z.describe(`The most new files one baton commit may add; past it the commit is refused (default ${DEFAULTS.commit_max_files}, 0 = no limit)`)),
    lease_seconds: z
      .optional(z.int().check(z.minimum(1), z.maximum(DAY_SECONDS, `must be at most ${DAY_SECONDS} seconds (a day)`)))
      .check(z.describe(`How long a feature this checkout starts stays claimed without a sign of life from its session (a hook or a baton command renews it); after that another worktree may take it (default ${DEFAULTS.lease_seconds})`)),
    protected_paths: z.optional(z.array(z.string().check(z.minLength(1)))).check(z.describe(`Globs (relative to the project root) that the PreToolUse gate protects while health is BROKEN (default ${JSON.stringify(DEFAULTS.protected_paths)})`)),
  })
  .check(z.describe('baton project configuration (.claude/config/project.json)'));

export type ProjectConfig = z.infer<typeof projectConfigSchema>;

export interface ResolvedConfig {
  raw: ProjectConfig;
  exists: boolean;
  /** The file's exact bytes (what trust is granted to), null without a file. */
  text: string | null;
  timeouts: { health_check: number; smoke_test: number; full_test: number };
  maxRetries: number;
  checkpointIntervalSeconds: number;
  healthCheckReuseSeconds: number;
  /** What baton's commits take (commit_exclude, commit_max_files). */
  commitScope: { exclude: string[]; maxNewFiles: number };
  leaseSeconds: number;
  /** Fields baton does not know (kept in the file, reported so typos show up). */
  unknownFields: string[];
  warnings: string[];
}

const KNOWN_FIELDS = new Set(Object.keys(projectConfigSchema.shape));

export function resolveConfig(raw: ProjectConfig, text: string | null, warnings: string[] = []): ResolvedConfig {
  return {
    raw,
    exists: text !== null,
    text,
    timeouts: {
      health_check: raw.timeout_seconds?.health_check ?? DEFAULTS.timeout_seconds.health_check,
      smoke_test: raw.timeout_seconds?.smoke_test ?? DEFAULTS.timeout_seconds.smoke_test,
      full_test: raw.timeout_seconds?.full_test ?? DEFAULTS.timeout_seconds.full_test,
    },
    maxRetries: raw.max_retries ?? DEFAULTS.max_retries,
    checkpointIntervalSeconds: raw.checkpoint_interval_seconds ?? DEFAULTS.checkpoint_interval_seconds,
    healthCheckReuseSeconds: raw.health_check_reuse_seconds ?? DEFAULTS.health_check_reuse_seconds,
    commitScope: { exclude: raw.commit_exclude ?? [], maxNewFiles: raw.commit_max_files ?? DEFAULTS.commit_max_files },
    leaseSeconds: raw.lease_seconds ?? DEFAULTS.lease_seconds,
    unknownFields: Object.keys(raw).filter((key) => !KNOWN_FIELDS.has(key)),
    warnings,
  };
}

/** Loads project.json. A bad config is an error: running commands from a misread config is worse than stopping. */
export async function loadConfig(paths: ProjectPaths): Promise<ResolvedConfig> {
  const label = displayPath(paths, paths.config);
  const read = readOwnJson(paths, paths.config, projectConfigSchema);
  if (read.kind === 'missing') return resolveConfig({}, null);
  if (read.kind === 'invalid') {
    throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, `fix ${label} (see \`baton schema\` for its fields); baton has not changed it`);
  }
  return resolveConfig(read.value, read.raw, read.warnings);
}

export function configSchemaJson(): object {
  return z.toJSONSchema(projectConfigSchema, { io: 'input' });
}


export function configuredCommands(config: ResolvedConfig): string[] {
  return commandFieldsIn(config.raw);
}
