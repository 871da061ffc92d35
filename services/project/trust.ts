/**
 * Trust before running commands (like direnv's `allow`): the shell commands in a
 * project.json run only once the user has trusted that exact file. The record lives
 * outside the repository, so a repository cannot trust itself.
 *
 * No zod here: the PreToolUse gate (the per-call hook bundle) decides trust too.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from './config.js';
import { describeError } from '../errors.js';
import { describeProblem, parseJsonText, type FileProblem } from '../storage/json-file.js';
import type { ProjectPaths } from './paths.js';
import { asideName, writeFileAtomic } from '../storage/atomic.js';
import { notice } from '../storage/notices.js';
import { sha256 } from '../utils/hash.js';

export interface TrustDecision {
  trusted: boolean;
  /** Why: nothing to trust, trusted by env for this run, recorded, never trusted, or changed since. */
  reason: 'no-commands' | 'env' | 'recorded' | 'untrusted' | 'changed';
  message: string;
}

interface TrustRecord {
  hash: string;
  trusted_at: string;
}

/** The fields whose values baton runs as shell commands: these need the user's trust. */
export const COMMAND_FIELDS = ['health_check', 'init_script', 'test_command', 'smoke_test'] as const;

export function commandFieldsIn(raw: Readonly<Record<string, unknown>>): string[] {
  return COMMAND_FIELDS.filter((field) => raw[field] !== undefined);
}

/** baton's own folder in the user's config (`$XDG_CONFIG_HOME/baton`, else `~/.config/baton`): outside every project. */
export function batonConfigDir(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'baton');
}

export function trustStorePath(): string {
  return path.join(batonConfigDir(), 'trusted.json');
}

const isRecord = (value: unknown): value is TrustRecord =>
  typeof (value as TrustRecord)?.hash === 'string' && /^[0-9a-f]{64}$/.test((value as TrustRecord).hash) && typeof (value as TrustRecord).trusted_at === 'string';

interface StoreRead {
  projects: Record<string, TrustRecord>;
  /** What is wrong with the file, when something is; the records that are whole are still used. */
  damage: FileProblem | null;
}

/** The trust store: the user's own file, outside every project. A damaged one keeps its whole records. */
async function readStore(): Promise<StoreRead> {
  const file = trustStorePath();
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { projects: {}, damage: null };
    return { projects: {}, damage: { file, problem: `cannot be read: ${describeError(error)}` } };
  }
  const parsed = parseJsonText(file, text);
  if (!parsed.ok) return { projects: {}, damage: parsed.problem };
  const projects = (parsed.value as { projects?: unknown } | null)?.projects;
  if (!projects || typeof projects !== 'object' || Array.isArray(projects)) return { projects: {}, damage: { file, location: 'projects', problem: 'must be an object of trust records' } };
  const whole = Object.entries(projects).filter(([, record]) => isRecord(record));
  const broken = Object.keys(projects).filter((key) => !isRecord((projects as Record<string, unknown>)[key]));
  return { projects: Object.fromEntries(whole), damage: broken.length ? { file, location: broken.map((key) => `projects[${JSON.stringify(key)}]`).join(', '), problem: 'not a trust record ({hash, trusted_at})' } : null };
}

/** Writes the store; a damaged one is moved aside first, so no record it held is lost. */
async function writeStore(store: StoreRead, projects: Record<string, TrustRecord>): Promise<void> {
  const file = trustStorePath();
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (store.damage) {
    const aside = await asideName(file, 'bad', new Date());
    await fs.rename(file, aside).catch(() => undefined);
    notice(`${describeProblem(store.damage)}; kept as ${aside}; the ${Object.keys(store.projects).length} whole record(s) were carried over`);
  }
  await writeFileAtomic(file, `${JSON.stringify({ projects }, null, 2)}\n`);
}

export async function decideTrust(paths: ProjectPaths, config: ResolvedConfig): Promise<TrustDecision> {
  return decideTrustFor(paths.root, config.text, config.raw);
}

/** Trust for project.json's exact text (null: no file) and its parsed fields. */
export async function decideTrustFor(root: string, text: string | null, raw: Readonly<Record<string, unknown>>): Promise<TrustDecision> {
  const commands = commandFieldsIn(raw);
  if (commands.length === 0 || text === null) return { trusted: true, reason: 'no-commands', message: 'project.json has no commands to run' };
  if (process.env.BATON_TRUST === '1') return { trusted: true, reason: 'env', message: 'trusted for this run (BATON_TRUST=1)' };
  const store = await readStore();
  const record = store.projects[root];
  if (record?.hash === sha256(text)) return { trusted: true, reason: 'recorded', message: `trusted since ${record.trusted_at}` };
  const what = commands.join(', ');
  if (store.damage) {
    return { trusted: false, reason: 'untrusted', message: `the trust store is damaged (${describeProblem(store.damage)}), so .claude/config/project.json's commands (${what}) do not run until you run \`baton trust\` (which keeps the damaged file beside it)` };
  }
  return record
    ? { trusted: false, reason: 'changed', message: `.claude/config/project.json changed since it was trusted; its commands (${what}) do not run until you review it and run \`baton trust\`` }
    : { trusted: false, reason: 'untrusted', message: `.claude/config/project.json is not trusted; its commands (${what}) do not run until you review it and run \`baton trust\`` };
}

export async function grantTrust(paths: ProjectPaths, config: ResolvedConfig, now = new Date()): Promise<TrustRecord | null> {
  if (config.text === null) return null;
  const store = await readStore();
  const record = { hash: sha256(config.text), trusted_at: now.toISOString() };
  await writeStore(store, { ...store.projects, [paths.root]: record });
  return record;
}
