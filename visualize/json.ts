/**
 * The machine as JSON for the Stately editor and other tools: `machine` is the config as
 * written in `createMachine(...)` (what the Stately inspector sends as the definition),
 * `definition` is XState's normalized `machine.toJSON()`; plus the project's current state.
 * Functions cannot be JSON: guards built with and/or/not become `{type: "xstate.and", guards}`
 * (the other inline functions, which compute params or input at run time, are left out).
 */
import { createActor, type AnyStateMachine } from 'xstate';
import { guardLabel } from './graph.js';
import type { CurrentState } from './project-data.js';

function compositeGuard(value: (...args: never[]) => unknown): unknown {
  const guards = (value as { guards?: unknown[] }).guards;
  if (!Array.isArray(guards)) return undefined;
  const label = guardLabel(value) ?? '';
  const type = label.startsWith('not ') ? 'xstate.not' : label.includes(' or ') ? 'xstate.or' : 'xstate.and';
  return { type, guards: guards.map((guard) => (typeof guard === 'function' ? compositeGuard(guard as (...args: never[]) => unknown) : guard)) };
}

function toPlain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'function') return compositeGuard(item as (...args: never[]) => unknown);
      if (item instanceof Set) return [...item];
      return item;
    }),
  );
}

function initialContextOf(machine: AnyStateMachine): unknown {
  try {
    // Not started: computes the initial snapshot (and its context) without running anything.
    return toPlain(createActor(machine, { input: {} }).getSnapshot().context);
  } catch {
    return undefined;
  }
}

export function toStatelyJson(machine: AnyStateMachine, current: CurrentState | null, generatedAt: string): Record<string, unknown> {
  const implementations = machine.implementations as { actors?: object; guards?: object; actions?: object; delays?: object };
  const config = { ...(toPlain(machine.config) as Record<string, unknown>) };
  const context = initialContextOf(machine);
  if (context !== undefined) config.context = context;
  return {
    $comment: 'baton visualize --format json: "machine" is the createMachine(...) config (paste it into the Stately editor or createMachine); "definition" is XState\'s normalized machine.toJSON()',
    generated_at: generatedAt,
    machine: config,
    implementations: {
      actors: Object.keys(implementations.actors ?? {}),
      guards: Object.keys(implementations.guards ?? {}),
      actions: Object.keys(implementations.actions ?? {}),
      delays: Object.keys(implementations.delays ?? {}),
    },
    definition: toPlain(machine.toJSON()),
    current: current
      ? {
          state: current.state,
          value: current.value,
          active: current.active,
          revision: current.revision,
          entered_at: current.enteredAt,
          updated_at: current.updatedAt,
          health_status: current.health,
          current_feature: current.currentFeatureId,
        }
      : null,
  };
}
