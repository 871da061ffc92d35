/**
 * A Mermaid `stateDiagram-v2` generated from the chart (visualize/graph.ts): every state
 * with its nested states and parallel regions, every transition with its event and guard,
 * `always` transitions, invoked actors in the state labels, and the current state marked.
 *
 * Mermaid state ids are global, so each state gets an id from its full path
 * (`TEST_awaitingResults`) and its key as the label. A transition is written in the
 * innermost composite state that contains both ends, as Mermaid creates a state in the
 * block where it is first named.
 */
import { edgeLabel, type Chart, type ChartEdge, type ChartNode } from './graph.js';

export interface MermaidOptions {
  /** Active state paths (visualize/graph.ts activePaths): marked with the `current` class. */
  current?: readonly string[];
  direction?: 'LR' | 'TB';
}

/** Mermaid text must not break out of a quoted label or a transition label. */
function clean(text: string): string {
  return text.replace(/["\n\r;#]/g, (char) => (char === '"' ? "'" : ' ')).trim();
}

function parentPath(path: string): string {
  const index = path.lastIndexOf('.');
  return index === -1 ? '' : path.slice(0, index);
}

function isAncestorOrSelf(ancestor: string, path: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`);
}

/** The innermost state containing every given path (each path's parent, so an edge never sits inside its own end). */
function commonScope(paths: readonly string[]): string {
  let scope = parentPath(paths[0]!);
  for (const path of paths.slice(1)) {
    const parent = parentPath(path);
    while (!isAncestorOrSelf(scope, parent)) scope = parentPath(scope);
  }
  return scope;
}

export function nodeLabel(node: ChartNode): string {
  const extras: string[] = [];
  if (node.type === 'parallel') extras.push('parallel');
  if (node.type === 'final') extras.push('final');
  for (const invoke of node.invokes) extras.push(invoke.id === invoke.src ? `invoke ${invoke.src}` : `invoke ${invoke.src} as ${invoke.id}`);
  return extras.length ? `${node.key} (${extras.join(', ')})` : node.key;
}

export function toMermaid(chart: Chart, options: MermaidOptions = {}): string {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const node of chart.nodes) {
    const base = node.path.replace(/[^A-Za-z0-9_]/g, '_');
    let id = base;
    for (let n = 2; taken.has(id); n += 1) id = `${base}_${n}`;
    taken.add(id);
    ids.set(node.path, id);
  }
  const idOf = (path: string) => ids.get(path) ?? '[*]';

  // Each edge goes into the block of its scope.
  const byScope = new Map<string, ChartEdge[]>();
  const global: ChartEdge[] = [];
  for (const edge of chart.edges) {
    if (edge.source === '' && edge.targets.length === 0) {
      global.push(edge);
      continue;
    }
    const ends = edge.targets.length ? [edge.source, ...edge.targets] : [edge.source];
    const scope = commonScope(ends);
    byScope.set(scope, [...(byScope.get(scope) ?? []), edge]);
  }

  const lines: string[] = ['stateDiagram-v2', `  direction ${options.direction ?? 'TB'}`];
  const edgeLines = (scope: string, indent: string) => {
    for (const edge of byScope.get(scope) ?? []) {
      const label = clean(edgeLabel(edge));
      const targets = edge.targets.length ? edge.targets : [edge.source];
      for (const target of targets) lines.push(`${indent}${idOf(edge.source)} --> ${idOf(target)}${label ? `: ${label}` : ''}`);
    }
  };

  const block = (node: ChartNode, indent: string) => {
    const id = idOf(node.path);
    const label = clean(nodeLabel(node));
    if (node.children.length === 0) {
      lines.push(`${indent}state "${label}" as ${id}`);
      if (node.type === 'final') lines.push(`${indent}${id} --> [*]`);
      return;
    }
    lines.push(`${indent}state "${label}" as ${id} {`);
    const inner = `${indent}  `;
    if (node.type === 'parallel') {
      node.children.forEach((region, index) => {
        if (index > 0) lines.push(`${inner}--`);
        block(region, inner);
      });
    } else {
      if (node.initial) lines.push(`${inner}[*] --> ${idOf(node.initial)}`);
      for (const child of node.children) block(child, inner);
    }
    edgeLines(node.path, inner);
    lines.push(`${indent}}`);
  };

  if (chart.root.initial) lines.push(`  [*] --> ${idOf(chart.root.initial)}`);
  for (const child of chart.root.children) block(child, '  ');
  edgeLines('', '  ');
  if (global.length && chart.root.initial) {
    const text = global.map((edge) => clean(`${edgeLabel(edge)}${edge.actions.length ? ` (${edge.actions.join(', ')})` : ''}`)).join(', ');
    lines.push(`  note right of ${idOf(chart.root.initial)}`, `    In every state: ${text}, the state stays`, '  end note');
  }

  // The deepest active states are `current`; the states around them `currentParent`.
  lines.push('  classDef current fill:#ffd54f,stroke:#e65100,stroke-width:3px,color:#000,font-weight:bold');
  lines.push('  classDef currentParent fill:#fff8e1,stroke:#e65100,stroke-width:2px');
  const active = (options.current ?? []).filter((path) => ids.has(path));
  const leaves = active.filter((path) => !active.some((other) => other.startsWith(`${path}.`)));
  const parents = active.filter((path) => !leaves.includes(path));
  if (parents.length) lines.push(`  class ${parents.map(idOf).join(',')} currentParent`);
  if (leaves.length) lines.push(`  class ${leaves.map(idOf).join(',')} current`);
  return `${lines.join('\n')}\n`;
}
