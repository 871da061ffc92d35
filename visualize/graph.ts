/**
 * The statechart as plain data, read from a machine's real definition: `machine.root` and
 * its state nodes (`.states`, `.transitions`, `.always`, `.invoke`, `.initial`). Every
 * renderer (Mermaid, HTML) works from this, never from a hand-written copy.
 *
 * `machine.definition` / `toDirectedGraph()` leave out `always` transitions, so the walk
 * reads the state nodes themselves.
 */
import { and, not, or, type AnyStateMachine, type AnyStateNode } from 'xstate';

export type NodeType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface ChartInvoke {
  /** The invoke's id: the events it reports are `xstate.done.actor.<id>` / `xstate.error.actor.<id>`. */
  id: string;
  /** The actor's `src` (its name in `setup({ actors })`). */
  src: string;
}

export interface ChartNode {
  /** The state node id without the machine id: `TEST.awaitingResults`; '' for the root. */
  path: string;
  key: string;
  type: NodeType;
  depth: number;
  /** The path of the child entered first (compound states). */
  initial: string | null;
  invokes: ChartInvoke[];
  tags: string[];
  description: string | null;
  children: ChartNode[];
}

export type EdgeKind = 'event' | 'always' | 'done.actor' | 'error.actor' | 'done.state';

export interface ChartEdge {
  /** Path of the state that has the transition ('' for the root: every state takes it). */
  source: string;
  /** Target paths; empty for a targetless transition (actions only, the state stays). */
  targets: string[];
  /** The raw event type (`xstate.done.actor.testRun`), '' for `always`. */
  event: string;
  /** The event for people: `done: testRun`, `error: testRun`, `done`, or the event itself. */
  eventLabel: string;
  kind: EdgeKind;
  /** The guard for people (`isFeatureUnderTest and retriesExhausted`), null when unguarded. */
  guard: string | null;
  /** Guarded candidates before this one for the same event: this one is the fallback ("else"). */
  fallback: boolean;
  /** Position among the candidates for the same event/always list (0 = tried first). */
  order: number;
  actions: string[];
  reenter: boolean;
}

export interface Chart {
  machineId: string;
  root: ChartNode;
  /** Every node, depth first, document order; the root excluded. */
  nodes: ChartNode[];
  edges: ChartEdge[];
}

const AND_CHECK = (and([]) as unknown as { check: unknown }).check;
const OR_CHECK = (or([]) as unknown as { check: unknown }).check;
const NOT_CHECK = (not('x') as unknown as { check: unknown }).check;

/** xstate's internal event names, as a person reads them. */
export function eventLabel(event: string): { label: string; kind: EdgeKind } {
  const doneActor = /^xstate\.done\.actor\.(.+)$/.exec(event);
  if (doneActor) return { label: `done: ${doneActor[1]}`, kind: 'done.actor' };
  const errorActor = /^xstate\.error\.actor\.(.+)$/.exec(event);
  if (errorActor) return { label: `error: ${errorActor[1]}`, kind: 'error.actor' };
  if (event.startsWith('xstate.done.state.')) return { label: 'done', kind: 'done.state' };
  return { label: event, kind: 'event' };
}

/** A guard as a person reads it: its name; `and`/`or`/`not` with their parts. */
export function guardLabel(guard: unknown, nested = false): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const composite = guard as { check?: unknown; guards?: unknown[]; name: string };
    const parts = Array.isArray(composite.guards) ? composite.guards.map((part) => guardLabel(part, true) ?? '?') : null;
    let text: string | null = null;
    if (parts && composite.check === AND_CHECK) text = parts.join(' and ');
    else if (parts && composite.check === OR_CHECK) text = parts.join(' or ');
    else if (parts && composite.check === NOT_CHECK) return `not ${parts[0]}`;
    if (text !== null) return nested && parts!.length > 1 ? `(${text})` : text;
    return composite.name && composite.name !== 'anonymous' ? composite.name : 'inline guard';
  }
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  return 'guard';
}

function actionLabel(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') {
    const type = (action as { type?: unknown }).type;
    return typeof type === 'string' ? type : (action as { name: string }).name || 'inline action';
  }
  if (action && typeof action === 'object' && typeof (action as { type?: unknown }).type === 'string') return (action as { type: string }).type;
  return 'action';
}

function srcName(src: unknown): string {
  if (typeof src === 'string') return src;
  if (src && typeof src === 'object' && 'id' in src && typeof (src as { id: unknown }).id === 'string') return (src as { id: string }).id;
  return 'inline actor';
}

export function buildChart(machine: AnyStateMachine): Chart {
  const rootId = machine.root.id;
  const pathOf = (node: AnyStateNode) => (node.id === rootId ? '' : node.id.startsWith(`${rootId}.`) ? node.id.slice(rootId.length + 1) : node.id);
  const nodes: ChartNode[] = [];
  const edges: ChartEdge[] = [];

  const transitionEdges = (node: AnyStateNode, event: string, list: readonly unknown[]) => {
    let guardedBefore = false;
    list.forEach((raw, order) => {
      const transition = raw as { target?: AnyStateNode[]; guard?: unknown; actions?: unknown[]; reenter?: boolean };
      const guard = guardLabel(transition.guard);
      const { label, kind } = event === '' ? { label: '', kind: 'always' as const } : eventLabel(event);
      edges.push({
        source: pathOf(node),
        targets: (transition.target ?? []).map(pathOf),
        event,
        eventLabel: label,
        kind,
        guard,
        fallback: guard === null && guardedBefore,
        order,
        actions: (transition.actions ?? []).map(actionLabel),
        reenter: Boolean(transition.reenter),
      });
      if (guard !== null) guardedBefore = true;
    });
  };

  const visit = (node: AnyStateNode, depth: number): ChartNode => {
    const chartNode: ChartNode = {
      path: pathOf(node),
      key: node.key,
      type: node.type as NodeType,
      depth,
      initial: node.type === 'compound' && node.initial?.target?.[0] ? pathOf(node.initial.target[0]) : null,
      invokes: node.invoke.map((invoke) => ({ id: invoke.id, src: srcName(invoke.src) })),
      tags: [...(node.tags ?? [])],
      description: node.description ?? null,
      children: [],
    };
    if (depth > 0) nodes.push(chartNode);
    for (const [event, list] of node.transitions) transitionEdges(node, event, list);
    if (node.always?.length) transitionEdges(node, '', node.always);
    for (const child of Object.values(node.states) as AnyStateNode[]) chartNode.children.push(visit(child, depth + 1));
    return chartNode;
  };

  const root = visit(machine.root, 0);
  return { machineId: rootId, root, nodes, edges };
}

/** The paths of the active state nodes for a state value: `{TEST: 'awaitingResults'}` -> TEST, TEST.awaitingResults. */
export function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  if (!value || typeof value !== 'object') return [];
  const paths: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    paths.push(path, ...activePaths(child, path));
  }
  return paths;
}

/** The label of a transition: `EVENT [guard]`, `always [guard]`, `else` for a fallback. */
export function edgeLabel(edge: ChartEdge): string {
  const head = edge.kind === 'always' ? 'always' : edge.eventLabel;
  if (edge.guard) return `${head} [${edge.guard}]`;
  if (edge.fallback) return `${head} (else)`;
  return head;
}
