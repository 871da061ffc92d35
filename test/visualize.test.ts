/**
 * `baton visualize`: the chart read from the machine, the Mermaid and JSON exports, and the
 * HTML page, first as text, then in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): the page for a project midway through its features loads offline with
 * no request and no console error and shows the current state, the path and the features;
 * the Mermaid text renders with the mermaid package to an SVG naming every state.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { and, createMachine, not, or } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionMachine } from '../machines/session.js';
import { activePaths, buildChart, edgeLabel, eventLabel, guardLabel } from '../visualize/graph.js';
import { esc, renderHtml } from '../visualize/html.js';
import { nodeLabel, toMermaid } from '../visualize/mermaid.js';
import type { ProjectView } from '../visualize/project-data.js';
import { baton, makeProject, REPO_ROOT, type Project } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MERMAID_BUNDLE = path.join(REPO_ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');

const chart = buildChart(sessionMachine);

describe('the chart is read from the machine definition', () => {
  it('has every state, nested START phases, parallel regions and TEST/FIX_BROKEN substates', () => {
    expect(chart.nodes.map((node) => node.path)).toEqual([
      'START',
      'START.awaitingEntry',
      'START.safetyValidation',
      'START.safetyValidation.git',
      'START.safetyValidation.git.running',
      'START.safetyValidation.git.done',
      'START.safetyValidation.health',
      'START.safetyValidation.health.choosing',
      'START.safetyValidation.health.running',
      'START.safetyValidation.health.done',
      'START.stateManagement',
      'START.contextLoading',
      'START.deciding',
      'INIT',
      'IMPLEMENT',
      'TEST',
      'TEST.running',
      'TEST.judging',
      'TEST.awaitingResults',
      'TEST.committing',
      'TEST.routing',
      'FIX_BROKEN',
      'FIX_BROKEN.awaitingFix',
      'FIX_BROKEN.verifying',
      'COMPLETE',
    ]);
    const byPath = new Map(chart.nodes.map((node) => [node.path, node]));
    expect(byPath.get('START.safetyValidation')!.type).toBe('parallel');
    expect(byPath.get('START.safetyValidation.git.done')!.type).toBe('final');
    expect(byPath.get('TEST.running')!.invokes).toEqual([{ id: 'testRun', src: 'runTests' }]);
    expect(byPath.get('FIX_BROKEN.verifying')!.invokes).toEqual([{ id: 'healthCheck', src: 'checkHealth' }]);
  });

  it('has every transition of every state node, always lists included, in order', () => {
    let expected = 0;
    const count = (node: typeof sessionMachine.root) => {
      for (const list of node.transitions.values()) expected += list.length;
      expected += node.always?.length ?? 0;
      for (const child of Object.values(node.states)) count(child as typeof sessionMachine.root);
    };
    count(sessionMachine.root);
    expect(chart.edges).toHaveLength(expected);
    const deciding = chart.edges.filter((edge) => edge.source === 'START.deciding').map(edgeLabel);
    expect(deciding).toEqual(['always [isBroken]', 'always [hasNoFeatureList]', 'always [canResumeTest]', 'always [hasOpenFeatures]', 'always (else)']);
    const failed = chart.edges.filter((edge) => edge.event === 'TESTS_FAILED').map((edge) => [edgeLabel(edge), edge.targets]);
    expect(failed).toEqual([
      ['TESTS_FAILED [isFeatureUnderTest and retriesExhausted]', ['IMPLEMENT']],
      ['TESTS_FAILED [isFeatureUnderTest]', ['IMPLEMENT']],
    ]);
    const global = chart.edges.filter((edge) => edge.source === '');
    expect(global).toMatchObject([{ event: 'FEATURES_SYNCED', targets: [], actions: ['syncFeatures'] }]);
  });

  it('names xstate internal events and guards for people', () => {
    expect(eventLabel('xstate.done.actor.gitContext')).toEqual({ label: 'done: gitContext', kind: 'done.actor' });
    expect(eventLabel('xstate.error.actor.testRun')).toEqual({ label: 'error: testRun', kind: 'error.actor' });
    expect(eventLabel('xstate.done.state.session.START.safetyValidation')).toEqual({ label: 'done', kind: 'done.state' });
    expect(eventLabel('TESTS_PASSED')).toEqual({ label: 'TESTS_PASSED', kind: 'event' });
    expect(guardLabel(and(['a', or(['b', not('c')])]))).toBe('a and (b or not c)');
    expect(guardLabel({ type: 'testsPassed', params: () => ({}) })).toBe('testsPassed');
    expect(guardLabel(undefined)).toBeNull();
  });

  it('works for any machine: or/not guards, targetless transitions, parallel states', () => {
    const machine = createMachine({
      id: 'door',
      initial: 'closed',
      states: {
        closed: { on: { OPEN: { guard: or(['hasKey', not('isLocked')]), target: 'open' }, KNOCK: { actions: 'answer' } } },
        open: { type: 'parallel', states: { light: { initial: 'on', states: { on: {} } }, fan: { initial: 'off', states: { off: { always: { guard: 'isHot', target: 'on' } }, on: {} } } } },
      },
    });
    const text = toMermaid(buildChart(machine), { current: activePaths('closed') });
    expect(text).toContain('closed --> open: OPEN [hasKey or not isLocked]');
    expect(text).toContain('closed --> closed: KNOCK');
    expect(text).toContain('state "open (parallel)" as open {');
    expect(text).toMatch(/\n {4}--\n/);
    expect(text).toContain('open_fan_off --> open_fan_on: always [isHot]');
    expect(text).toContain('class closed current');
  });
});

describe('baton visualize --format mermaid', () => {
  const text = toMermaid(chart, { current: activePaths({ TEST: 'awaitingResults' }) });

  it("is the README's diagram: a change to the machine shows there once `baton visualize` is run", async () => {
    const readme = await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const diagram = readme.split('```mermaid\n')[1]?.split('```')[0];
    expect(diagram?.trimEnd(), 'regenerate it: baton visualize --format mermaid, outside a project').toBe(toMermaid(chart).trimEnd());
  });

  it('declares every state with its label, nested in its parent, regions split by --', () => {
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const node of chart.nodes) expect(text).toContain(`state "${nodeLabel(node)}" as ${node.path.replace(/\./g, '_')}`);
    expect(text).toContain('state "running (invoke runTests as testRun)" as TEST_running');
    expect(text).toMatch(/state "safetyValidation \(parallel\)" as START_safetyValidation \{\n\s+state "git"[\s\S]*?\n\s+--\n\s+state "health"/);
  });

  it('labels transitions with events and guards, and writes each in the innermost state holding both ends', () => {
    expect(text).toContain('      START_safetyValidation_git_running --> START_safetyValidation_git_done: done: gitContext');
    expect(text).toContain('      START_safetyValidation_git_running --> START_safetyValidation_git_done: error: gitContext');
    expect(text).toContain('    START_safetyValidation --> START_stateManagement: done');
    expect(text).toContain('  START_deciding --> FIX_BROKEN: always [isBroken]');
    expect(text).toContain('  START_deciding --> TEST_awaitingResults: always [canResumeTest]');
    expect(text).toContain('  TEST_awaitingResults --> IMPLEMENT: TESTS_FAILED [isFeatureUnderTest and retriesExhausted]');
    expect(text).toContain('  IMPLEMENT --> IMPLEMENT: FEATURE_STARTED [isOpenFeature]');
    expect(text).toContain('  FIX_BROKEN_verifying --> START_deciding: done: healthCheck [healthCheckPassed]');
    expect(text).toContain('In every state: FEATURES_SYNCED (syncFeatures), the state stays');
    expect(text).not.toMatch(/xstate\./);
  });

  it('marks the current state', () => {
    expect(text).toContain('classDef current ');
    expect(text).toContain('  class TEST currentParent\n  class TEST_awaitingResults current\n');
    expect(toMermaid(chart)).not.toMatch(/^ {2}class /m);
  });
});

function emptyView(overrides: Partial<ProjectView> = {}): ProjectView {
  return {
    name: 'demo',
    dir: '/tmp/demo',
    generatedAt: '2025-01-02T03:04:05.000Z',
    current: null,
    stateProblem: null,
    path: [],
    timeInState: [],
    logProblems: [],
    features: null,
    featuresProblem: null,
    metrics: { found: false, file: '.claude/progress/metrics.json', sessions: null, raw: null, problem: null },
    ...overrides,
  };
}

describe('the HTML page as text', () => {
  it('escapes every piece of project text', () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>'&`;
    const html = renderHtml({
      chart,
      mermaid: 'stateDiagram-v2',
      view: emptyView({
        name: evil,
        dir: evil,
        current: { state: 'IMPLEMENT', value: 'IMPLEMENT', active: ['IMPLEMENT'], revision: 3, enteredAt: '2025-01-02T03:00:00.000Z', updatedAt: '2025-01-02T03:00:00.000Z', health: 'BROKEN', healthDetail: evil, currentFeatureId: evil, dirty: false },
        path: [{ revision: 1, at: '2025-01-02T03:00:00.000Z', event: evil, detail: evil, from: 'START', to: 'IMPLEMENT', note: evil, durationMs: 1000, last: true }],
        timeInState: [{ state: 'IMPLEMENT', ms: 1000, visits: 1 }],
        features: [{ id: evil, description: evil, status: 'pending', retries: 0 }],
        metrics: { found: true, file: 'metrics.json', sessions: [{ [evil]: evil, nested: { evil } }], raw: null, problem: null },
      }),
    });
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain(esc(evil));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('shows metrics only when metrics.json exists, and says when it cannot be read', () => {
    expect(renderHtml({ chart, mermaid: '', view: emptyView() })).not.toContain('id="metrics"');
    const broken = renderHtml({ chart, mermaid: '', view: emptyView({ metrics: { found: true, file: 'metrics.json', sessions: null, raw: null, problem: 'not valid JSON: Unexpected token' } }) });
    expect(broken).toContain('metrics.json not valid JSON');
  });

  it('is one file with no external reference', () => {
    const html = renderHtml({ chart, mermaid: '', view: emptyView() });
    expect(html).not.toMatch(/(src|href)="(?!#|data:)/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("default-src 'none'");
  });
});

const FEATURES = [
  { id: 'signup', description: 'User can sign up with email and password', status: 'pending' },
  { id: 'login', description: 'User can log in and stay logged in for 30 days', status: 'pending' },
  { id: 'notes', description: 'User can create, edit and delete notes', status: 'pending' },
  { id: 'search', description: 'User can search notes by text and tag', status: 'pending' },
  { id: 'export', description: 'User can export all notes as Markdown', status: 'pending' },
];

async function run(project: Project, ...args: string[]) {
  const result = await baton(args, { cwd: project.dir });
  expect(result.exitCode, `baton ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

async function send(project: Project, type: string, data: object) {
  return run(project, 'send', type, '--data', JSON.stringify(data));
}

/** A project two features in, the third under test (TEST.awaitingResults), one failed test run on the way. */
async function midwayProject(): Promise<Project> {
  const project = await makeProject();
  await project.write('.claude/progress/feature-list.json', { features: FEATURES });
  await run(project, 'entry');
  await send(project, 'FEATURE_STARTED', { featureId: 'signup' });
  await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'signup' });
  await send(project, 'TESTS_PASSED', { featureId: 'signup' });
  await send(project, 'FEATURE_STARTED', { featureId: 'login' });
  await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'login' });
  await send(project, 'TESTS_FAILED', { featureId: 'login', reason: 'the session cookie expires after one day' });
  await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'login' });
  await send(project, 'TESTS_PASSED', { featureId: 'login' });
  await send(project, 'FEATURE_STARTED', { featureId: 'notes' });
  await send(project, 'FEATURE_IMPLEMENTED', { featureId: 'notes' });
  await project.write('.claude/progress/metrics.json', {
    sessions: [
      { session: 1, started_at: '2025-06-02T09:00:00.000Z', duration_min: 42, events: 6, features_done: 1, tests_failed: 0 },
      { session: 2, started_at: '2025-06-02T13:30:00.000Z', duration_min: 55, events: 5, features_done: 1, tests_failed: 1 },
    ],
  });
  return project;
}

describe('baton visualize on a project', () => {
  let project: Project;
  beforeAll(async () => {
    project = await midwayProject();
  });

  it('mermaid marks the current state from state.json', async () => {
    const result = await run(project, 'visualize');
    expect(result.stdout).toContain('class TEST_awaitingResults current');
    expect(result.stdout).toBe(toMermaid(chart, { current: ['TEST', 'TEST.awaitingResults'] }).trimEnd()); // execa drops the last newline
  });

  it('json has the config for the Stately editor, the normalized definition and the current state', async () => {
    const json = (await run(project, 'visualize', '--format', 'json')).json();
    expect(json.machine).toMatchObject({ id: 'session', initial: 'START' });
    expect(json.machine.states.TEST.states.awaitingResults.on.TESTS_FAILED[0].guard).toEqual({ type: 'xstate.and', guards: ['isFeatureUnderTest', 'retriesExhausted'] });
    expect(json.machine.context).toMatchObject({ featureTally: null, maxRetries: 3 });
    expect(json.definition).toMatchObject({ id: 'session', type: 'compound' });
    expect(json.implementations.actors).toEqual(['checkHealth', 'readGitContext', 'loadFeatures', 'loadContext', 'runTests', 'commitFeature']);
    expect(json.current).toMatchObject({ state: 'TEST', value: { TEST: 'awaitingResults' }, current_feature: 'notes' });
  });

  it('html --out writes one file and says where; a project without a session still gets a page', async () => {
    const out = path.join(project.dir, 'out', 'page.html');
    const result = await run(project, 'visualize', '--format', 'html', '--out', out, '--json');
    expect(result.json()).toMatchObject({ format: 'html', out, current_state: 'TEST' });
    expect((await fs.stat(out)).size).toBe(result.json().bytes);
    const fresh = await makeProject();
    const page = await run(fresh, 'visualize', '--format', 'html');
    expect(page.stdout).toContain('No session yet');
    expect(page.stdout).not.toContain('id="metrics"');
  });

  it('refuses an unknown format', async () => {
    const result = await baton(['visualize', '--format', 'dot'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown format "dot"');
  });
});

const BROWSER_SUITE = HAVE_CHROMIUM
  ? 'in headless Chromium'
  : `in headless Chromium: SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;

describe.skipIf(!HAVE_CHROMIUM)(BROWSER_SUITE, () => {
  let browser: Browser;
  let project: Project;
  let htmlFile: string;
  let outDir: string;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    project = await midwayProject();
    outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-visualize-'));
    htmlFile = path.join(outDir, 'session.html');
    await run(project, 'visualize', '--format', 'html', '--out', htmlFile);
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a page recording every request, console error and page error. */
  async function open(url: string | null, viewport = { width: 1366, height: 768 }) {
    const page = await browser.newPage({ viewport });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    if (url) await page.goto(url, { waitUntil: 'load' });
    return { page, requests, errors };
  }

  it('the page loads offline: no request but the file itself, no console error', async () => {
    const url = pathToFileURL(htmlFile).href;
    const { page, requests, errors } = await open(url);
    await page.waitForLoadState('networkidle');
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    expect(await page.title()).toBe('baton: demo-app (TEST)'); // the name in package.json
    await page.close();
  });

  it('highlights the current state in the chart and the header', async () => {
    const { page } = await open(pathToFileURL(htmlFile).href);
    await expect.poll(() => page.locator('#current-state').textContent()).toBe('TEST.awaitingResults');
    const test = page.locator('[data-state="TEST"]');
    expect(await test.getAttribute('class')).toMatch(/\bcurrent\b/);
    expect(await test.getAttribute('data-active')).toBe('true');
    const leaf = page.locator('[data-state="TEST.awaitingResults"]');
    expect(await leaf.getAttribute('aria-current')).toBe('true');
    expect(await leaf.locator('.here').first().textContent()).toBe('current');
    expect(await page.locator('.state.current').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')))).toEqual(['TEST', 'TEST.awaitingResults']);
    expect(await page.locator('[data-state="IMPLEMENT"]').getAttribute('class')).not.toMatch(/\bcurrent\b/);
    // Highlighted for the eye too: the current box has the accent border, the others do not.
    const border = (selector: string) => page.locator(selector).evaluate((node) => getComputedStyle(node).borderTopColor);
    expect(await border('[data-state="TEST"]')).toBe('rgb(230, 81, 0)');
    expect(await border('[data-state="INIT"]')).not.toBe('rgb(230, 81, 0)');
    // Every state of the machine has its box.
    for (const node of chart.nodes) expect(await page.locator(`[data-state="${node.path}"]`).count(), node.path).toBe(1);
    await page.close();
  });

  it('lists the path in order, from events.jsonl, with the time spent in each state', async () => {
    const { page } = await open(pathToFileURL(htmlFile).href);
    const log = (await project.read('.claude/progress/events.jsonl'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { revision: number; event: { type: string }; from: string; to: string });
    const rows = await page.locator('table.path tbody tr').evaluateAll((nodes) =>
      nodes.map((node) => ({ revision: Number(node.getAttribute('data-revision')), from: node.getAttribute('data-from'), to: node.getAttribute('data-to'), event: node.querySelector('code')!.textContent })),
    );
    expect(rows).toEqual(log.map((entry) => ({ revision: entry.revision, from: entry.from, to: entry.to, event: entry.event.type })));
    expect(rows.map((row) => row.event)).toEqual([
      'SESSION_ENTRY',
      'FEATURE_STARTED',
      'FEATURE_IMPLEMENTED',
      'TESTS_PASSED',
      'FEATURE_STARTED',
      'FEATURE_IMPLEMENTED',
      'TESTS_FAILED',
      'FEATURE_IMPLEMENTED',
      'TESTS_PASSED',
      'FEATURE_STARTED',
      'FEATURE_IMPLEMENTED',
    ]);
    expect(await page.locator('ol.route li').allTextContents()).toEqual(['START', 'IMPLEMENT', 'TEST', 'IMPLEMENT', 'TEST', 'IMPLEMENT', 'TEST', 'IMPLEMENT', 'TEST']);
    expect(await page.locator('table.path tbody tr').last().getAttribute('class')).toContain('latest');
    expect(await page.locator('table.path').textContent()).toContain('reason: the session cookie expires after one day');
    expect(await page.locator('.time-chips [data-time-state]').allTextContents()).toEqual([
      expect.stringMatching(/^IMPLEMENT: \d+ s in 4 visits$/),
      expect.stringMatching(/^TEST: \d+ s in 4 visits$/),
    ]);
    await page.close();
  });

  it('shows the features with their status, the one under test marked, and the metrics table', async () => {
    const { page } = await open(pathToFileURL(htmlFile).href);
    const rows = await page.locator('table.features tbody tr').evaluateAll((nodes) =>
      nodes.map((node) => [node.getAttribute('data-feature-id'), node.querySelector('.status')!.textContent, node.querySelectorAll('td')[4]!.textContent]),
    );
    expect(rows).toEqual([
      ['signup', 'tested', '0'],
      ['login', 'tested', '1'],
      ['notes', 'implemented', '0'],
      ['search', 'pending', '0'],
      ['export', 'pending', '0'],
    ]);
    expect(await page.locator('tr.current-feature').getAttribute('data-feature-id')).toBe('notes');
    expect(await page.locator('#features').textContent()).toContain('2 of 5 done');
    expect(await page.locator('table.metrics thead th').allTextContents()).toEqual(['session', 'started_at', 'duration_min', 'events', 'features_done', 'tests_failed']);
    expect(await page.locator('table.metrics tbody tr').count()).toBe(2);
    await page.close();
  });

  it('fits a laptop screen, prints without the navigation, and makes a screenshot', async () => {
    const { page } = await open(pathToFileURL(htmlFile).href, { width: 1366, height: 768 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    const narrow = await open(pathToFileURL(htmlFile).href, { width: 1024, height: 700 });
    expect(await narrow.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
    await narrow.page.close();
    const shot = path.join(outDir, 'session-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await fs.stat(shot)).size).toBeGreaterThan(50_000);
    if (process.env.BATON_UPDATE_SCREENSHOT) await fs.copyFile(shot, path.join(REPO_ROOT, 'docs', 'session-page.png'));
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.toc').isVisible()).toBe(false);
    expect(await page.locator('#features').isVisible()).toBe(true);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });

  it('shows hostile project text as text: no script runs, no element or request is injected', async () => {
    const hostile = await makeProject();
    const evil = `<script>window.__pwned = 1</script><img src="http://127.0.0.1:9/x.png" onerror="window.__pwned = 2">`;
    await hostile.write('.claude/progress/feature-list.json', {
      features: [
        { id: 'x1', description: evil, status: 'pending' },
        { id: 'ok', description: 'fine', status: 'pending' },
      ],
    });
    await run(hostile, 'entry');
    await send(hostile, 'FEATURE_IMPLEMENTED', { featureId: 'ok' });
    await send(hostile, 'TESTS_FAILED', { featureId: 'ok', reason: `</td></tr></table>${evil}` });
    await hostile.write('.claude/progress/metrics.json', { sessions: [{ note: evil, [evil]: 1 }] });
    const file = path.join(outDir, 'hostile.html');
    await run(hostile, 'visualize', '--format', 'html', '--out', file);
    const url = pathToFileURL(file).href;
    const { page, requests, errors } = await open(url);
    await page.waitForLoadState('networkidle');
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script, img, iframe').count()).toBe(0);
    expect(await page.locator('b').filter({ hasText: /^bold$/ }).count()).toBe(0);
    expect(await page.locator('table.features').textContent()).toContain(evil);
    expect(await page.locator('table.path').textContent()).toContain(`reason: </td></tr></table>${evil}`);
    expect(await page.locator('table.metrics').textContent()).toContain(evil);
    await page.close();

    // An id baton refuses (not a clean token) still reaches the page, in the notice naming the bad file: as text.
    await hostile.write('.claude/progress/feature-list.json', { features: [{ id: 'xss"><b>bold</b>', description: evil, status: 'pending' }] });
    await run(hostile, 'visualize', '--format', 'html', '--out', file);
    const again = await open(url);
    await again.page.waitForLoadState('networkidle');
    expect(again.requests).toEqual([url]);
    expect(await again.page.locator('script, img, iframe, b:text-is("bold")').count()).toBe(0);
    expect(await again.page.locator('#features .notice').textContent()).toContain('feature id "xss\\"><b>bold</b>" is not valid');
    await again.page.close();
  });

  it('the Mermaid text renders with mermaid to an SVG naming every state, the current one styled', async () => {
    const mermaidText = (await run(project, 'visualize', '--format', 'mermaid')).stdout;
    const { page, requests, errors } = await open(null, { width: 1600, height: 1200 });
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="out"></div></body></html>');
    await page.addScriptTag({ path: MERMAID_BUNDLE });
    const rendered = await page.evaluate(async (text) => {
      const mermaid = (window as unknown as { mermaid: { initialize(config: object): void; render(id: string, text: string): Promise<{ svg: string }> } }).mermaid;
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
      try {
        const { svg } = await mermaid.render('statechart', text);
        document.getElementById('out')!.innerHTML = svg;
        return { ok: true as const };
      } catch (error) {
        return { ok: false as const, error: String((error as Error)?.message ?? error) };
      }
    }, mermaidText);
    expect(rendered).toEqual({ ok: true });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    const squash = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();
    const nodeLabels = (await page.locator('#out svg .nodeLabel').allTextContents()).map(squash);
    for (const node of chart.nodes) expect(nodeLabels, node.path).toContain(nodeLabel(node));
    for (const top of ['START', 'INIT', 'IMPLEMENT', 'TEST', 'FIX_BROKEN', 'COMPLETE']) expect(nodeLabels).toContain(top);
    const edgeLabels = (await page.locator('#out svg .edgeLabel').allTextContents()).map(squash);
    for (const label of ['done: gitContext', 'error: healthCheck', 'always [isBroken]', 'TESTS_FAILED [isFeatureUnderTest and retriesExhausted]', 'FEATURE_IMPLEMENTED [isOpenFeature]', 'HEALTH_FIXED [isForcedFix]', 'done']) {
      expect(edgeLabels, label).toContain(label);
    }
    const current = await page.locator('#out svg g.current').evaluateAll((nodes) => nodes.map((node) => (node.textContent ?? '').trim()));
    expect(current).toEqual(['awaitingResults']);
    await page.screenshot({ path: path.join(outDir, 'mermaid.png'), fullPage: true });
    await page.close();
  });
});
