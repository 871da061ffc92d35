/**
 * The Claude Code hook inputs baton reads, checked by hand (no zod: these run on every tool
 * call). test/hook-contract.test.ts makes the compiler hold these shapes against the SDK's
 * own HookInput types, so a field we read cannot silently change type.
 */
import path from 'node:path';
import type { HookEventName } from '../services/project/claude-settings.js';
import { readStdinToEnd, type StdinRead } from './stdin.js';

export interface HookInputBase {
  hook_event_name: string;
  session_id?: string;
  transcript_path?: string;
  cwd?: string;
}

export interface PreToolUseInput extends HookInputBase {
  hook_event_name: 'PreToolUse';
  tool_name: string;
  tool_input: unknown;
}

export interface PostToolUseInput extends HookInputBase {
  hook_event_name: 'PostToolUse';
  tool_name: string;
  tool_input: unknown;
}

export interface SessionStartInput extends HookInputBase {
  hook_event_name: 'SessionStart';
  source: string;
}

export interface PreCompactInput extends HookInputBase {
  hook_event_name: 'PreCompact';
  trigger: 'manual' | 'auto';
}

export interface StopInput extends HookInputBase {
  hook_event_name: 'Stop' | 'SessionEnd';
}

export type HookInput = PreToolUseInput | PostToolUseInput | SessionStartInput | PreCompactInput | StopInput;


export class HookInputError extends Error {}

/** stdin parsed once: the hooks need its `cwd` to find the project before they check the rest. */
export type HookJson = { ok: true; value: unknown } | { ok: false; problem: string };

export function readHookJson(read: StdinRead = readStdinToEnd()): HookJson {
  if (!read.ok) return read;
  try {
    return { ok: true, value: JSON.parse(read.text) };
  } catch (error) {
    return { ok: false, problem: `hook input on stdin is not JSON (${(error as Error).message}); Claude Code sends one JSON object` };
  }
}

/** The payload's `cwd` when it is an absolute path: where the agent's shell is now. */
export function payloadCwd(json: HookJson): string | undefined {
  const cwd = json.ok && json.value && typeof json.value === 'object' ? (json.value as { cwd?: unknown }).cwd : undefined;
  return typeof cwd === 'string' && path.isAbsolute(cwd) ? cwd : undefined;
}

/** Parses stdin for `event`, tolerating unknown fields; explains what is missing or wrong. */
export function parseHookInput(event: HookEventName, text: string): HookInput {
  return checkHookInput(event, readHookJson({ ok: true, text }));
}

export function checkHookInput(event: HookEventName, json: HookJson): HookInput {
  if (!json.ok) throw new HookInputError(json.problem);
  const value = json.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HookInputError('hook input must be a JSON object');
  const input = value as Record<string, unknown>;
  const string = (key: string, required: boolean) => {
    if (input[key] === undefined && !required) return;
    if (typeof input[key] !== 'string') throw new HookInputError(`hook input field "${key}" must be a string${input[key] === undefined ? ' (it is missing)' : ''}`);
  };
  string('session_id', false);
  string('transcript_path', false);
  string('cwd', false);
  if (input.hook_event_name !== undefined && input.hook_event_name !== event) {
    throw new HookInputError(`hook input is for ${String(input.hook_event_name)}, but this is \`baton hook ${event}\``);
  }
  if (event === 'PreToolUse' || event === 'PostToolUse') {
    string('tool_name', true);
    if (input.tool_input === null || typeof input.tool_input !== 'object') throw new HookInputError('hook input field "tool_input" must be an object');
  }
  if (event === 'PreCompact' && input.trigger !== 'manual' && input.trigger !== 'auto') {
    throw new HookInputError('hook input field "trigger" must be "manual" or "auto"');
  }
  return { ...input, hook_event_name: event } as HookInput;
}
