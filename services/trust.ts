/**
 * Trust before running commands (like direnv's `allow`): the shell commands in a
 * project.json run only once the user has trusted that exact file. The record lives
 * outside the repository, so a repository cannot trust itself.
 *
 * No zod here: the PreToolUse gate (the per-call hook bundle) decides trust too.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import type { ResolvedConfig } from './config.js';
import type { ProjectPaths } from './paths.js';

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

export function trustStorePath(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'baton', 'trusted.json');
}

export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function readStore(): Promise<Record<string, TrustRecord>> {
  try {
    const parsed = JSON.parse(await fs.readFile(trustStorePath(), 'utf8')) as { projects?: Record<string, TrustRecord> };
    return parsed.projects ?? {};
  } catch {
    return {};
  }
}

async function writeStore(projects: Record<string, TrustRecord>): Promise<void> {
  await fs.mkdir(path.dirname(trustStorePath()), { recursive: true });
  await writeFileAtomic(trustStorePath(), `${JSON.stringify({ projects }, null, 2)}\n`);
}

export async function decideTrust(paths: ProjectPaths, config: ResolvedConfig): Promise<TrustDecision> {
  return decideTrustFor(paths.root, config.text, config.raw);
}

/** Trust for project.json's exact text (null: no file) and its parsed fields. */
export async function decideTrustFor(root: string, text: string | null, raw: Readonly<Record<string, unknown>>): Promise<TrustDecision> {
  const commands = commandFieldsIn(raw);
  if (commands.length === 0 || text === null) return { trusted: true, reason: 'no-commands', message: 'project.json has no commands to run' };
  if (process.env.BATON_TRUST === '1') return { trusted: true, reason: 'env', message: 'trusted for this run (BATON_TRUST=1)' };
  const record = (await readStore())[root];
  if (record?.hash === configHash(text)) return { trusted: true, reason: 'recorded', message: `trusted since ${record.trusted_at}` };
  const what = commands.join(', ');
  return record
    ? { trusted: false, reason: 'changed', message: `.claude/config/project.json changed since it was trusted; its commands (${what}) do not run until you review it and run \`baton trust\`` }
    : { trusted: false, reason: 'untrusted', message: `.claude/config/project.json is not trusted; its commands (${what}) do not run until you review it and run \`baton trust\`` };
}

export async function grantTrust(paths: ProjectPaths, config: ResolvedConfig, now = new Date()): Promise<TrustRecord | null> {
  if (config.text === null) return null;
  const projects = await readStore();
  const record = { hash: configHash(config.text), trusted_at: now.toISOString() };
  await writeStore({ ...projects, [paths.root]: record });
  return record;
}
