/**
 * One self-contained HTML page about a project's session: the statechart with the current
 * state highlighted, the path the project took through it, the features and, when there
 * are any, session metrics. Everything is inline (no script, no font, no image, no
 * request of any kind), so it opens from file:// offline and prints cleanly.
 *
 * The statechart is drawn with plain HTML boxes generated from the machine (visualize/graph.ts)
 * rather than with Mermaid: Mermaid's browser bundle is about 3.5 MB, which would make every
 * page that size and need script to draw. The Mermaid text is included for copying.
 *
 * Every piece of text from the project (descriptions, reasons, ids, metrics) goes through esc().
 */
import { countFeatures } from '../machines/features.js';
import { edgeLabel, type Chart, type ChartEdge, type ChartNode } from './graph.js';
import type { PathStep, ProjectView } from './project-data.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return esc(iso);
  return `<time datetime="${esc(date.toISOString())}">${esc(date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>`;
}

const STYLE = `
:root { --fg:#1f2328; --muted:#57606a; --line:#d0d7de; --bg:#fff; --panel:#f6f8fa; --accent:#e65100; --here:#fff3c4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 0 24px 48px; }
header.page { padding: 20px 24px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
header.page .inner { max-width: 1280px; margin: 0 auto; display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.facts { display: flex; flex-wrap: wrap; gap: 6px 18px; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.facts b { color: var(--fg); }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; border: 1px solid var(--line); background: #fff; font-size: 12px; white-space: nowrap; }
.pill.state-now { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; font-size: 14px; }
.health-HEALTHY { color: #1a7f37; } .health-BROKEN { color: #cf222e; } .health-UNKNOWN { color: #9a6700; }
nav.toc { margin: 12px 0 0; font-size: 14px; } nav.toc a { margin-right: 14px; color: #0969da; text-decoration: none; }
.notice { border-left: 4px solid #d4a72c; background: #fff8c5; padding: 6px 10px; margin: 8px 0; }
.muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.chart { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); grid-auto-flow: row dense; gap: 14px; align-items: start; }
.chart > .state.wide { grid-column: 1 / -1; }
.children { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 0 10px; align-items: start; }
.children > .state.type-parallel { grid-column: 1 / -1; }
.state { border: 1px solid var(--line); border-radius: 8px; background: #fff; padding: 8px 10px; }
.state.top { background: var(--panel); }
.state .state { margin-top: 8px; }
.state-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.state-name { font-weight: 600; }
.state.top > .state-head .state-name { font-size: 16px; }
.state.current { border: 2px solid var(--accent); background: var(--here); }
.state.current > .state-head .state-name { color: #8a2c00; }
.state[aria-current="true"] { box-shadow: 0 0 0 3px rgba(230,81,0,.25); }
.here { background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; }
.badge-invoke { background: #ddf4ff; border-color: #54aeff; }
.badge-kind { background: #fbefff; border-color: #d8b9ff; }
.regions { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 10px; }
.regions > .state { border-style: dashed; }
ul.transitions { list-style: none; margin: 6px 0 0; padding: 0; font-size: 13px; }
ul.transitions li { padding: 1px 0 1px 14px; text-indent: -14px; }
ul.transitions .ev { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; }
ul.transitions .guard { color: #8250df; }
ul.transitions .to { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
ul.transitions .do { color: var(--muted); }
.global { margin: 4px 0 12px; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-weight: 600; }
tr.latest td { background: var(--here); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ol.route { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; padding: 0; margin: 8px 0; }
ol.route li { display: flex; align-items: center; gap: 4px; }
ol.route li + li::before { content: "\\2192"; color: var(--muted); }
ol.route .pill.now { background: var(--accent); color: #fff; border-color: var(--accent); }
.status { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid transparent; }
.status-pending { background: #eaeef2; color: #424a53; }
.status-in_progress { background: #ddf4ff; color: #0550ae; }
.status-implemented { background: #fbefff; color: #6639ba; }
.status-tested { background: #dafbe1; color: #116329; }
.status-completed { background: #1a7f37; color: #fff; }
.status-blocked { background: #ffebe9; color: #a40e26; }
tr.current-feature td { background: var(--here); }
.progress { height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; max-width: 420px; margin: 6px 0 10px; }
.progress > span { display: block; height: 100%; background: #2da44e; }
.time-chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
details.source pre { background: var(--panel); padding: 10px; overflow: auto; font-size: 12px; border: 1px solid var(--line); border-radius: 6px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  @page { margin: 12mm; }
  body { font-size: 10pt; }
  header.page { background: none; padding: 0 0 8px; }
  main { padding: 0; max-width: none; }
  nav.toc, details.source { display: none; }
  .chart { grid-template-columns: repeat(2, 1fr); }
  .state, tr, .notice { break-inside: avoid; }
  h2 { break-after: avoid; }
  .state.current, .here, .pill.state-now, tr.latest td, tr.current-feature td, .status, .progress > span, ol.route .pill.now { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
`;

interface RenderInput {
  view: ProjectView;
  chart: Chart;
  mermaid: string;
  /** baton's version, for the footer. */
  version?: string;
  /** Served live by `baton serve`: the page reloads when the session changes (the stream's URL, and the nonce its one script carries). */
  live?: { streamUrl: string; nonce: string };
}

/** The only script a page ever runs: on a live page, a reload whenever the stream says the session changed. */
function liveScript(live: NonNullable<RenderInput['live']>): string {
  return `<script nonce="${esc(live.nonce)}">
(() => {
  const stream = new EventSource(${JSON.stringify(live.streamUrl).replaceAll('<', '\\u003c')});
  let seen = null;
  stream.addEventListener('revision', (event) => {
    if (seen !== null && event.data !== seen) location.reload();
    seen = event.data;
  });
})();
</script>`;
}

function transitionItem(edge: ChartEdge): string {
  const head = edge.kind === 'always' ? 'always' : edge.eventLabel;
  const guard = edge.guard ? ` <span class="guard">[${esc(edge.guard)}]</span>` : edge.fallback ? ' <span class="guard">(else)</span>' : '';
  // A sibling is named by its key, anything else by its full path.
  const parent = edge.source.includes('.') ? edge.source.slice(0, edge.source.lastIndexOf('.') + 1) : '';
  const name = (target: string) => (parent && target.startsWith(parent) && !target.slice(parent.length).includes('.') ? target.slice(parent.length) : target);
  const target = edge.targets.length ? edge.targets.map((target) => `<span class="to" title="${esc(target)}">${esc(name(target))}</span>`).join(', ') : '<span class="muted">stays</span>';
  const actions = edge.actions.length ? ` <span class="do">do: ${esc(edge.actions.join(', '))}</span>` : '';
  return `<li title="${esc(edgeLabel(edge))}"><span class="ev">${esc(head)}</span>${guard} &rarr; ${target}${actions}</li>`;
}

function stateBox(node: ChartNode, edgesBySource: Map<string, ChartEdge[]>, active: Set<string>, leaf: Set<string>): string {
  const isActive = active.has(node.path);
  const isLeaf = leaf.has(node.path);
  const wide = node.depth === 1 && node.children.length > 0;
  const classes = ['state', node.depth === 1 ? 'top' : 'sub', wide ? 'wide' : '', `type-${node.type}`, isActive ? 'current' : ''].filter(Boolean).join(' ');
  const badges: string[] = [];
  if (node.type === 'parallel') badges.push('<span class="pill badge-kind">parallel regions</span>');
  if (node.type === 'final') badges.push('<span class="pill badge-kind">final</span>');
  if (node.initial === null && node.children.length === 0 && node.tags.includes('settled')) badges.push('<span class="pill" title="the session rests here, waiting for an event">waits for the agent</span>');
  for (const invoke of node.invokes) {
    badges.push(`<span class="pill badge-invoke" title="invoked actor: its results arrive as done: ${esc(invoke.id)} / error: ${esc(invoke.id)}">runs ${esc(invoke.src)}${invoke.id !== invoke.src ? ` as ${esc(invoke.id)}` : ''}</span>`);
  }
  if (isLeaf) badges.push('<span class="pill here">current</span>');
  const edges = edgesBySource.get(node.path) ?? [];
  const transitions = edges.length ? `<ul class="transitions">${edges.map(transitionItem).join('')}</ul>` : '';
  const children = node.children.length
    ? `<div class="${node.type === 'parallel' ? 'regions' : 'children'}">${node.children.map((child) => stateBox(child, edgesBySource, active, leaf)).join('')}</div>`
    : '';
  const initial = node.initial ? `<div class="muted" style="font-size:12px">starts in ${esc(node.initial.slice(node.path.length + 1))}</div>` : '';
  return `<div class="${classes}" data-state="${esc(node.path)}" data-active="${isActive}"${isLeaf ? ' aria-current="true"' : ''}>
<div class="state-head"><span class="state-name">${esc(node.key)}</span>${badges.join('')}</div>${initial}${transitions}${children}</div>`;
}

function chartSection(chart: Chart, view: ProjectView): string {
  const edgesBySource = new Map<string, ChartEdge[]>();
  for (const edge of chart.edges) edgesBySource.set(edge.source, [...(edgesBySource.get(edge.source) ?? []), edge]);
  const active = new Set(view.current?.active ?? []);
  // The deepest active states: those with no active child.
  const leaf = new Set([...active].filter((path) => ![...active].some((other) => other.startsWith(`${path}.`))));
  const global = (edgesBySource.get('') ?? [])
    .map((edge) => `<span class="ev mono">${esc(edge.eventLabel)}</span>${edge.actions.length ? ` <span class="muted">(${esc(edge.actions.join(', '))})</span>` : ''}`)
    .join(', ');
  return `<section id="statechart">
<h2>Statechart</h2>
<p class="muted">Generated from the machine <code>${esc(chart.machineId)}</code>: every state with its substates, invoked actors and transitions (<span class="mono">EVENT [guard] &rarr; target</span>; <em>always</em> = taken as soon as its guard holds; <em>else</em> = when no guard before it held). The current state is highlighted.</p>
${global ? `<p class="global">In every state: ${global}; the state stays.</p>` : ''}
<div class="chart">${chart.root.children.map((node) => stateBox(node, edgesBySource, active, leaf)).join('\n')}</div>
</section>`;
}

function routeOf(steps: PathStep[]): string[] {
  const route: string[] = [];
  for (const step of steps) {
    if (route.length === 0) route.push(step.from);
    if (route.at(-1) !== step.to) route.push(step.to);
  }
  return route;
}

function pathSection(view: ProjectView): string {
  const problems = view.logProblems.map((problem) => `<p class="notice">${esc(problem)}</p>`).join('');
  if (view.path.length === 0) {
    return `<section id="path"><h2>Path through the states</h2>${problems}<p class="muted">No events yet: run <code>baton entry</code> to start a session.</p></section>`;
  }
  const route = routeOf(view.path);
  const routeHtml = `<ol class="route" aria-label="states visited in order">${route
    .map((state, index) => `<li><span class="pill${index === route.length - 1 ? ' now' : ''}" data-route-state="${esc(state)}">${esc(state)}</span></li>`)
    .join('')}</ol>`;
  const chips = view.timeInState
    .map((total) => `<span class="pill" data-time-state="${esc(total.state)}">${esc(total.state)}: ${esc(formatDuration(total.ms))}${total.visits > 1 ? ` in ${total.visits} visits` : ''}</span>`)
    .join('');
  const rows = view.path
    .map(
      (step) => `<tr class="step${step.last ? ' latest' : ''}" data-revision="${step.revision}" data-from="${esc(step.from)}" data-to="${esc(step.to)}">
<td class="num">${step.revision}</td><td>${formatTime(step.at)}</td><td><code>${esc(step.event)}</code>${step.detail ? `<div class="muted">${esc(step.detail)}</div>` : ''}${step.note ? `<div class="muted">${esc(step.note)}</div>` : ''}</td>
<td>${step.from === step.to ? esc(step.to) : `${esc(step.from)} &rarr; <b>${esc(step.to)}</b>`}</td><td class="num">${esc(formatDuration(step.durationMs))}${step.last ? ' <span class="muted">so far</span>' : ''}</td></tr>`,
    )
    .join('\n');
  return `<section id="path">
<h2>Path through the states</h2>
${problems}
<p class="muted">${view.path.length} change(s) from <code>.claude/progress/events.jsonl</code>, oldest first.</p>
${routeHtml}
<div class="time-chips"><span class="muted">Time in each state:</span> ${chips}</div>
<table class="path"><thead><tr><th class="num">Rev</th><th>When</th><th>Event</th><th>From &rarr; to</th><th class="num">Then stayed</th></tr></thead>
<tbody>${rows}</tbody></table>
</section>`;
}

function featuresSection(view: ProjectView): string {
  if (view.featuresProblem) return `<section id="features"><h2>Features</h2><p class="notice">feature-list.json cannot be read: ${esc(view.featuresProblem)}</p></section>`;
  const features = view.features;
  if (!features || features.length === 0) {
    return `<section id="features"><h2>Features</h2><p class="muted">No feature list yet (<code>baton features add "..."</code>).</p></section>`;
  }
  const { done } = countFeatures(features);
  const counts = new Map<string, number>();
  for (const feature of features) counts.set(feature.status, (counts.get(feature.status) ?? 0) + 1);
  const currentId = view.current?.currentFeatureId ?? null;
  const rows = features
    .map(
      (feature, index) => `<tr class="feature${feature.id === currentId ? ' current-feature' : ''}" data-feature-id="${esc(feature.id)}" data-status="${esc(feature.status)}">
<td class="num">${index + 1}</td><td><code>${esc(feature.id)}</code>${feature.id === currentId ? ' <span class="pill here">current</span>' : ''}</td><td>${esc(feature.description)}</td>
<td><span class="status status-${esc(feature.status)}">${esc(feature.status)}</span></td><td class="num">${esc(feature.retries)}</td></tr>`,
    )
    .join('\n');
  return `<section id="features">
<h2>Features</h2>
<p><b>${done} of ${features.length}</b> done (tested or completed). ${[...counts].map(([status, count]) => `<span class="status status-${esc(status)}">${esc(status)}: ${count}</span>`).join(' ')}</p>
<div class="progress" role="img" aria-label="${done} of ${features.length} done"><span style="width:${Math.round((done / features.length) * 100)}%"></span></div>
<table class="features"><thead><tr><th class="num">#</th><th>Id</th><th>Description</th><th>Status</th><th class="num">Retries</th></tr></thead>
<tbody>${rows}</tbody></table>
</section>`;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '<span class="muted">&ndash;</span>';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatTime(value);
  if (typeof value === 'object') return `<code>${esc(JSON.stringify(value))}</code>`;
  return esc(value);
}

function metricsSection(view: ProjectView): string {
  const metrics = view.metrics;
  if (!metrics.found && !metrics.problem) return '';
  const problem = metrics.problem ? `<p class="notice">${esc(metrics.file)} ${esc(metrics.problem)}</p>` : '';
  let body = '';
  if (metrics.sessions) {
    const sessions = metrics.sessions;
    const columns = [...new Set(sessions.flatMap((row) => Object.keys(row)))];
    const numeric = new Set(columns.filter((column) => sessions.every((row) => row[column] === undefined || row[column] === null || typeof row[column] === 'number')));
    const align = (column: string) => (numeric.has(column) ? ' class="num"' : '');
    body = sessions.length
      ? `<table class="metrics"><thead><tr>${columns.map((column) => `<th${align(column)}>${esc(column)}</th>`).join('')}</tr></thead><tbody>${sessions
          .map((row) => `<tr>${columns.map((column) => `<td${align(column)}>${cell(row[column])}</td>`).join('')}</tr>`)
          .join('\n')}</tbody></table>`
      : '<p class="muted">No sessions recorded yet.</p>';
  } else if (metrics.raw !== null) {
    body = `<pre class="mono">${esc(JSON.stringify(metrics.raw, null, 2))}</pre>`;
  }
  return `<section id="metrics"><h2>Session metrics</h2><p class="muted">From <code>${esc(metrics.file)}</code>.</p>${problem}${body}</section>`;
}

export function renderHtml({ view, chart, mermaid, version, live }: RenderInput): string {
  const current = view.current;
  const since = current ? Date.parse(view.generatedAt) - Date.parse(current.enteredAt) : NaN;
  const facts = current
    ? `<ul class="facts">
<li>State <span class="pill state-now" id="current-state" data-current-state="${esc(current.state)}">${esc(current.active.at(-1) ?? current.state)}</span></li>
<li>since ${formatTime(current.enteredAt)}${Number.isFinite(since) ? ` (${esc(formatDuration(since))})` : ''}</li>
<li>Health <b class="health-${esc(current.health)}">${esc(current.health)}</b>${current.healthDetail ? ` <span class="muted">(${esc(current.healthDetail)})</span>` : ''}</li>
<li>Revision <b>${current.revision}</b></li>
${current.currentFeatureId ? `<li>Feature <b><code>${esc(current.currentFeatureId)}</code></b></li>` : ''}
${view.features?.length ? `<li>Features <b>${countFeatures(view.features).done} of ${view.features.length}</b> done</li>` : ''}
${current.dirty ? '<li><b class="health-BROKEN">interrupted (dirty): run baton entry</b></li>' : ''}
</ul>`
    : `<p class="muted">No session yet${view.stateProblem ? '' : ': run <code>baton entry</code>'}.</p>`;
  const sections = [chartSection(chart, view), pathSection(view), featuresSection(view), metricsSection(view)].filter(Boolean);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:${live ? `; script-src 'nonce-${esc(live.nonce)}'; connect-src 'self'` : ''}">
<title>baton: ${esc(view.name)}${current ? ` (${esc(current.state)})` : ''}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header class="page"><div class="inner">
<h1>baton: ${esc(view.name)}</h1>
${facts}
</div>
<div class="inner"><span class="muted mono">${esc(view.dir)}</span></div>
<div class="inner"><nav class="toc"><a href="#statechart">Statechart</a><a href="#path">Path</a><a href="#features">Features</a>${view.metrics.found ? '<a href="#metrics">Metrics</a>' : ''}</nav></div>
</header>
<main>
${view.stateProblem ? `<p class="notice">state.json cannot be used: ${esc(view.stateProblem)} (run <code>baton entry</code> to recover)</p>` : ''}
${sections.join('\n')}
<details class="source"><summary>Mermaid source of the statechart</summary><pre>${esc(mermaid)}</pre></details>
<footer>Generated by baton${version ? ` ${esc(version)}` : ''} at ${formatTime(view.generatedAt)}. ${live ? 'Live: served by <code>baton serve</code>, it reloads when the session changes.' : 'A snapshot: run <code>baton visualize --format html</code> again to refresh.'}</footer>
</main>
${live ? liveScript(live) : ''}
</body>
</html>
`;
}
