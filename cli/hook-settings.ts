/**
 * Claude Code's settings files and baton's hooks in them: `baton hooks` and `baton init` change
 * them through here. The shared `.claude/settings.json` is committed, so it only ever gets a
 * portable command (`baton hook ...`, baton found on PATH); a command naming this machine's
 * paths goes to `settings.local.json`, which is not.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { installHooks, uninstallHooks, type Settings } from '../services/project/claude-settings.js';
import { userSettingsFile } from '../services/project/installed-hooks.js';
import { writeFileAtomic } from '../services/storage/atomic.js';
import { ensureServiceRecord, SECRET_ENV } from '../services/serve/service-record.js';
import { BadFileError } from '../services/errors.js';
import { readOwnJson } from '../services/storage/read.js';
import { writeOwnFile } from '../services/storage/write.js';
import type { CommandContext } from './context.js';
import { ownScript } from './own-install.js';

export type ProjectSettingsScope = 'project' | 'local';

/** How the hooks name baton: `baton` when the one on PATH is this one, or this baton's absolute paths. */
export interface Invocation {
  portable: boolean;
  /** The `baton` found on PATH (its real path), if any. */
  onPath: string | null;
  command(args: string): string;
}

/** The first `baton` on PATH that can be run, as its real path. */
export function batonOnPath(searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, 'baton');
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return null;
}

export function invocation(): Invocation {
  const script = ownScript();
  const onPath = batonOnPath();
  if (onPath === script) return { portable: true, onPath, command: (args) => `baton ${args}` };
  return { portable: false, onPath, command: (args) => `"${process.execPath}" "${script}" ${args}` };
}

export function settingsFile(context: CommandContext, scope: ProjectSettingsScope): string {
  return path.join(context.paths.root, '.claude', scope === 'local' ? 'settings.local.json' : 'settings.json');
}

/** Claude Code's settings file: the user's, so a bad one (or a link, which could point anywhere) stops the change untouched. */
function readSettings(context: CommandContext, file: string): { settings: Settings; text: string | null } {
  const read = readOwnJson(context.paths, file);
  if (read.kind === 'missing') return { settings: {}, text: null };
  if (read.kind === 'invalid') throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, 'fix it first (a link: replace it with the file itself); baton has not changed it');
  if (!read.value || typeof read.value !== 'object' || Array.isArray(read.value)) throw new BadFileError(path.relative(context.paths.root, file), 'must be a JSON object', undefined, 'fix it first; baton has not changed it');
  return { settings: read.value as Settings, text: read.raw };
}

/** Writes a settings file when its text changes; the user's previous file stays beside it as `.bak`. */
async function writeSettings(context: CommandContext, file: string, settings: Settings, text: string | null): Promise<boolean> {
  const next = `${JSON.stringify(settings, null, 2)}\n`;
  if (next === text) return false;
  await writeOwnFile(context.paths, file, next, { backup: `${file}.bak` });
  return true;
}

export interface HooksChange {
  /** The file baton's hooks are in now (install), or were taken out of (uninstall). */
  file: string;
  changed: boolean;
  statusLineKept: boolean;
  removed: number;
  /** Install: the hooks name `baton` on PATH (false: this baton's absolute paths, in settings.local.json). */
  portable: boolean;
  /** The baton on PATH when it is not this one. */
  otherOnPath: string | null;
  /** Install: the other project settings file baton's entries were taken out of, so no hook runs twice. */
  movedFrom: string | null;
  /** `--http`: the service's port, and the user settings file that now holds its secret. */
  http: { port: number; secretIn: string } | null;
}

/**
 * Claude Code's HTTP hooks read the service's secret from its environment: `env` in the user's
 * own settings (outside every project, so no commit takes it), made readable by the user only.
 */
async function putSecretInUserSettings(secret: string): Promise<string> {
  // A linked settings file (a dotfiles manager's) is written where it points, so the link stays.
  const file = await fs.realpath(userSettingsFile()).catch(() => userSettingsFile());
  let settings: Settings = {};
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadFileError(file, 'must be a JSON object', undefined, 'fix it first; baton has not changed it');
    settings = parsed as Settings;
  } catch (error) {
    if (error instanceof SyntaxError) throw new BadFileError(file, `is not valid JSON (${error.message})`, undefined, 'fix it first; baton has not changed it');
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const env = settings.env && typeof settings.env === 'object' && !Array.isArray(settings.env) ? (settings.env as Record<string, unknown>) : {};
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify({ ...settings, env: { ...env, [SECRET_ENV]: secret } }, null, 2)}\n`, { mode: 0o600, backup: `${file}.bak` });
  await fs.chmod(file, 0o600);
  return file;
}

/**
 * Installs baton's hooks into one project settings file and takes them out of the other, so
 * each hook runs once; uninstall takes them out of both. Both files are read (and checked)
 * before either is written.
 */
export async function changeHooks(context: CommandContext, action: 'install' | 'uninstall', statusLine = true): Promise<HooksChange> {
  const how = invocation();
  const useHttp = action === 'install' && context.options.http === true;
  // HTTP hooks need this user's service: personal, so never in the shared file.
  const target: ProjectSettingsScope = context.options.local || !how.portable || useHttp ? 'local' : 'project';
  const other: ProjectSettingsScope = target === 'local' ? 'project' : 'local';
  const files = { [target]: settingsFile(context, target), [other]: settingsFile(context, other) } as Record<ProjectSettingsScope, string>;
  const read = { [target]: readSettings(context, files[target]), [other]: readSettings(context, files[other]) } as Record<ProjectSettingsScope, ReturnType<typeof readSettings>>;
  const label = (scope: ProjectSettingsScope) => path.relative(context.paths.root, files[scope]);
  const common = { portable: how.portable, otherOnPath: how.portable ? null : how.onPath };

  if (action === 'uninstall') {
    let removed = 0;
    const changedFiles: string[] = [];
    for (const scope of ['project', 'local'] as const) {
      if (read[scope].text === null) continue;
      const result = uninstallHooks(read[scope].settings);
      removed += result.removed;
      if (await writeSettings(context, files[scope], result.settings, read[scope].text)) changedFiles.push(label(scope));
    }
    return { file: changedFiles.join(', ') || label('project'), changed: changedFiles.length > 0, statusLineKept: false, removed, ...common, movedFrom: null, http: null };
  }

  const record = useHttp ? await ensureServiceRecord() : null;
  const installed = installHooks(read[target].settings, how.command, { statusLine, ...(record ? { http: { port: record.port, secretEnv: SECRET_ENV, project: context.paths.root } } : {}) });
  const changed = await writeSettings(context, files[target], installed.settings, read[target].text);
  let movedFrom: string | null = null;
  if (read[other].text !== null) {
    const cleaned = uninstallHooks(read[other].settings);
    if (cleaned.removed > 0 && (await writeSettings(context, files[other], cleaned.settings, read[other].text))) movedFrom = label(other);
  }
  const http = record ? { port: record.port, secretIn: await putSecretInUserSettings(record.secret) } : null;
  return { file: label(target), changed: changed || movedFrom !== null, statusLineKept: installed.statusLineKept, removed: 0, ...common, movedFrom, http };
}

/** What a user should know about an install beyond "installed": why the hooks went where they did. */
export function installNotes(change: HooksChange): string[] {
  const notes: string[] = [];
  if (!change.portable) {
    const why = change.otherOnPath ? `the baton on PATH (${change.otherOnPath}) is another install` : 'baton is not on PATH';
    notes.push(`${why}, so the hooks name this baton by its absolute path, in ${change.file}, which is personal (not committed); for hooks a team shares, install baton on PATH (npm install -g) and run \`baton hooks install\` again`);
  }
  if (change.movedFrom) notes.push(`took baton's hooks out of ${change.movedFrom}, so each hook runs once`);
  if (change.http) {
    notes.push(`PreToolUse, PostToolUse, PreCompact and Stop go to baton serve on 127.0.0.1:${change.http.port}; SessionStart starts it when it is not running; its secret is in ${change.http.secretIn} (env ${SECRET_ENV}, readable by you only)`);
    notes.push('while the service is down, the gate refuses every Write, Edit and Bash call (it never opens silently): `baton serve --detach` starts it again, `baton hooks install` goes back to command hooks');
  }
  return notes;
}
