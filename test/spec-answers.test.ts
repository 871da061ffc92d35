/**
 * baton's entry answers against the spec script's, key by key, on the same project shapes.
 * The script's answers are recorded in fixtures/spec-answers.json (its `recorded` field says
 * how), so this runs on any machine. With BATON_SPEC_SCRIPT naming the script, the live
 * script runs side by side too; with BATON_SPEC_RECORD=1 as well, it records the answers.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baton, configure, features, makeProject, REPO_ROOT, type Project } from './helpers.js';

const SPEC_KEYS = ['directory', 'health_status', 'feature_status', 'current_state', 'next_state', 'latest_summary'] as const;
type Answers = Record<(typeof SPEC_KEYS)[number], string>;

/** Stands for the project's directory in recorded answers: each run makes a new one. */
const PROJECT = '<project>';
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'spec-answers.json');
const SPEC_SCRIPT = process.env.BATON_SPEC_SCRIPT || '';
const RECORD = process.env.BATON_SPEC_RECORD === '1';

interface Shape {
  name: string;
  description: string;
  project?: { git?: boolean; packageJson?: boolean };
  setup?: (project: Project) => Promise<void>;
  /** Where baton answers differently on purpose (README, "The entry decision"): why, and its answers. */
  differs?: { why: string; baton: Partial<Answers> | 'refuses' };
}

const featureList = (...entries: [string, string][]) => (project: Project) => project.write('.claude/progress/feature-list.json', features(...entries));

const SHAPES: Shape[] = [
  { name: 'fresh', description: 'a git repository with a package.json; nothing of baton yet' },
  { name: 'no-package-json', description: 'a git repository with no marker file and no config: no health check to run', project: { packageJson: false } },
  { name: 'pending', description: 'a feature list with one pending and one tested feature', setup: featureList(['a', 'pending'], ['b', 'tested']) },
  { name: 'complete', description: 'a feature list whose features are all tested or completed', setup: featureList(['a', 'tested'], ['b', 'completed']) },
  // Not `exit 1`: the script evals the check in its own shell, so `exit` would end the script itself.
  { name: 'broken', description: 'project.json with a health_check that fails (`false`)', setup: (p) => configure(p, { health_check: 'false' }) },
  {
    name: 'healthy-check',
    description: 'project.json with a health_check that passes (`true`) and pending work',
    setup: async (p) => {
      await configure(p, { health_check: 'true' });
      await featureList(['a', 'pending'])(p);
    },
  },
  {
    name: 'resumed',
    description: 'a state.json the spec script wrote (state IMPLEMENT) and a pending feature',
    setup: async (p) => {
      await p.write('.claude/progress/state.json', { state: 'IMPLEMENT', entered_at: '2025-12-28T10:00:00+00:00', health_status: 'HEALTHY', history: [] });
      await featureList(['a', 'pending'])(p);
    },
  },
  {
    name: 'empty-list',
    description: 'a feature list with no features',
    setup: (p) => p.write('.claude/progress/feature-list.json', { features: [] }),
    differs: { why: 'nothing defined yet is INIT; the script says COMPLETE ("0 of 0 done")', baton: { feature_status: 'NO_FEATURE_LIST', next_state: 'INIT' } },
  },
  {
    name: 'open-not-pending',
    description: 'features tested, in_progress, implemented and blocked: none pending',
    setup: featureList(['a', 'tested'], ['b', 'in_progress'], ['c', 'implemented'], ['d', 'blocked']),
    differs: { why: 'in_progress, implemented and blocked are open work; the script counts only pending ones', baton: { feature_status: 'HAS_PENDING_FEATURES', next_state: 'IMPLEMENT' } },
  },
  {
    name: 'own-summary',
    description: "a session summary in the project's .claude/progress/summaries/",
    setup: (p) => p.write('.claude/progress/summaries/session_2026-01-01.md', '# Session\n'),
    differs: { why: "baton reads the project's own summaries first; the script looks only in /tmp/summary/", baton: { latest_summary: `${PROJECT}/.claude/progress/summaries/session_2026-01-01.md` } },
  },
  {
    name: 'no-markers',
    description: 'a directory with no .git, no marker file and nothing of baton',
    project: { git: false, packageJson: false },
    differs: { why: 'baton creates no .claude/ outside a project (exit 3); the script warns and creates it', baton: 'refuses' },
  },
];

interface Fixture {
  about: string;
  recorded: { command: string; date: string; script_sha256: string };
  shapes: Record<string, { description: string; spec: Answers }>;
}

async function makeShape(shape: Shape): Promise<Project> {
  const project = await makeProject(shape.project);
  await shape.setup?.(project);
  return project;
}

const withProject = (answers: Answers, dir: string) => Object.fromEntries(SPEC_KEYS.map((key) => [key, answers[key].replaceAll(PROJECT, dir)])) as Answers;
const asRecorded = (answers: Answers, dir: string) => Object.fromEntries(SPEC_KEYS.map((key) => [key, answers[key].replaceAll(dir, PROJECT)])) as Answers;

/**
 * The newest /tmp/summary/session_*.md, as the script finds it (and baton, falling back to
 * it): a machine-wide folder, empty when the answers were recorded.
 */
function machineSummary(): string {
  const dir = '/tmp/summary';
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => /^session_.*\.md$/.test(name));
  } catch {
    return '';
  }
  const newest = names.map((name) => path.join(dir, name)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return newest ?? '';
}

/** What baton should answer on `dir`, from the script's answers and the shape's deliberate differences. */
function expectedFromBaton(shape: Shape, spec: Answers, dir: string): Answers {
  const expected = withProject({ ...spec, ...(shape.differs?.baton as Partial<Answers> | undefined) }, dir);
  if (expected.latest_summary === '') expected.latest_summary = machineSummary();
  return expected;
}

async function batonAnswers(project: Project): Promise<{ refused: boolean; answers?: Answers; stderr: string }> {
  const result = await baton(['entry', '--json'], { cwd: project.dir });
  if (result.exitCode === 3) return { refused: true, stderr: result.stderr };
  expect(result.exitCode, result.stderr).toBe(0);
  const report = result.json();
  return { refused: false, answers: Object.fromEntries(SPEC_KEYS.map((key) => [key, report[key]])) as Answers, stderr: result.stderr };
}

async function checkBaton(shape: Shape, spec: Answers): Promise<void> {
  const project = await makeShape(shape);
  const ours = await batonAnswers(project);
  if (shape.differs?.baton === 'refuses') {
    expect([shape.name, ours.refused]).toEqual([shape.name, true]);
    expect(ours.stderr).toContain('is not a project');
    expect(existsSync(project.file('.claude'))).toBe(false);
  } else {
    expect([shape.name, ours.answers]).toEqual([shape.name, expectedFromBaton(shape, spec, project.dir)]);
  }
}

async function runSpecScript(shape: Shape): Promise<Answers> {
  const project = await makeShape(shape);
  const run = await execa('bash', [SPEC_SCRIPT, project.dir], { cwd: project.dir, reject: false });
  expect(run.exitCode, `${shape.name}: the spec script failed: ${run.stderr}`).toBe(0);
  const json = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('{\n'))) as Answers;
  return asRecorded(json, project.dir);
}

// Recording may start without one.
const fixture = JSON.parse(await readFile(FIXTURE, 'utf8').catch((error) => (RECORD ? '{"shapes": {}}' : Promise.reject(error)))) as Fixture;

describe("the spec script's answers (recorded in test/fixtures/spec-answers.json)", () => {
  it.skipIf(RECORD)('baton gives the same values for the six keys on every shape, and differs only where the README says', async () => {
    expect(Object.keys(fixture.shapes)).toEqual(SHAPES.map((shape) => shape.name));
    for (const shape of SHAPES) await checkBaton(shape, fixture.shapes[shape.name]!.spec);
  });
});

describe('side by side with the live spec script', () => {
  it.skipIf(!SPEC_SCRIPT)('the live script gives the recorded answers, and baton the same (skipped unless BATON_SPEC_SCRIPT names the spec script)', async () => {
    expect(existsSync(SPEC_SCRIPT), `BATON_SPEC_SCRIPT=${SPEC_SCRIPT} does not exist`).toBe(true);
    const jq = await execa('jq', ['--version'], { reject: false }).catch(() => ({ exitCode: -1 }));
    expect(jq.exitCode, 'the spec script needs jq on the PATH').toBe(0);
    const live: Fixture['shapes'] = {};
    for (const shape of SHAPES) live[shape.name] = { description: shape.description, spec: await runSpecScript(shape) };
    if (RECORD) {
      expect(machineSummary(), 'record with no /tmp/summary/session_*.md: the script would report it for every shape').toBe('');
      const recorded: Fixture = {
        about: `The spec script's answers (its six JSON keys) on each project shape of test/spec-answers.test.ts; ${PROJECT} stands for the project's directory. Where baton differs on purpose, the test says so (Shape.differs).`,
        recorded: {
          command: 'npm run build && BATON_SPEC_SCRIPT=/path/to/seed-session-entry.sh BATON_SPEC_RECORD=1 npx vitest run test/spec-answers.test.ts',
          date: new Date().toISOString().slice(0, 10),
          script_sha256: createHash('sha256').update(await readFile(SPEC_SCRIPT)).digest('hex'),
        },
        shapes: live,
      };
      await writeFile(FIXTURE, `${JSON.stringify(recorded, null, 2)}\n`);
      return;
    }
    for (const shape of SHAPES) {
      expect([shape.name, live[shape.name]!.spec]).toEqual([shape.name, fixture.shapes[shape.name]!.spec]);
      await checkBaton(shape, live[shape.name]!.spec);
    }
  });
});
