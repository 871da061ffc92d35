/**
 * Our hook input shapes against the types Anthropic ships: every input Claude Code may send
 * must be acceptable where baton reads it, and our outputs must be valid hook outputs. The
 * compiler checks this (npm test runs tsc); the runtime part checks the parser accepts
 * inputs built exactly as the SDK types describe, unknown fields included.
 */
import type {
  PostToolUseHookInput,
  PreCompactHookInput,
  PreToolUseHookInput,
  SessionEndHookInput,
  SessionStartHookInput,
  StopHookInput,
  SyncHookJSONOutput,
} from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import { parseHookInput, type PostToolUseInput, type PreCompactInput, type PreToolUseInput, type SessionStartInput, type StopInput } from '../../cli/hook-contract.js';
import { sessionStartOutput } from '../../cli/commands/hook.js';

// Compile-time: each SDK input is assignable to what baton reads.
const accepts = {
  preToolUse: (input: PreToolUseHookInput): PreToolUseInput => input,
  postToolUse: (input: PostToolUseHookInput): PostToolUseInput => input,
  sessionStart: (input: SessionStartHookInput): SessionStartInput => input,
  preCompact: (input: PreCompactHookInput): PreCompactInput => input,
  stop: (input: StopHookInput): StopInput => input,
  sessionEnd: (input: SessionEndHookInput): StopInput => input,
};
// And what baton prints for SessionStart is a valid hook output.
const output: SyncHookJSONOutput = sessionStartOutput('context');

describe('hook contract', () => {
  const base = { session_id: 's1', transcript_path: '/tmp/t.jsonl', cwd: '/p', permission_mode: 'default', prompt_id: 'p1', a_field_from_next_month: { x: 1 } };

  it('accepts SDK-shaped inputs with unknown fields', () => {
    const pre: PreToolUseHookInput = { ...base, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: '/p/src/a.ts', content: 'x' }, tool_use_id: 't1' };
    expect(parseHookInput('PreToolUse', JSON.stringify(pre))).toMatchObject({ tool_name: 'Write' });
    const start: SessionStartHookInput = { ...base, hook_event_name: 'SessionStart', source: 'compact' };
    expect(parseHookInput('SessionStart', JSON.stringify(start))).toMatchObject({ source: 'compact' });
    expect(typeof accepts.preToolUse).toBe('function');
    expect(output.hookSpecificOutput).toEqual({ hookEventName: 'SessionStart', additionalContext: 'context' });
  });

  it('explains malformed input', () => {
    expect(() => parseHookInput('PreToolUse', 'not json')).toThrow(/not JSON/);
    expect(() => parseHookInput('PreToolUse', '{"tool_name": 3, "tool_input": {}}')).toThrow(/"tool_name" must be a string/);
    expect(() => parseHookInput('PreCompact', '{"trigger": "sometimes"}')).toThrow(/"manual" or "auto"/);
    expect(() => parseHookInput('Stop', '{"hook_event_name": "PreToolUse"}')).toThrow(/is for PreToolUse, but this is `baton hook Stop`/);
  });
});
