import type { TopState } from './session.js';

/** The skill folder an agent should load for each state (the spec's Phase 3.3). */
const SKILLS: Record<TopState, string> = {
  START: 'orchestrator/',
  INIT: 'initialization/',
  IMPLEMENT: 'implementation/',
  TEST: 'testing/',
  FIX_BROKEN: 'enforcement/',
  COMPLETE: 'context-graph/',
};

export function skillFor(state: TopState): string {
  return SKILLS[state];
}
