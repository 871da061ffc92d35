/**
 * The cost of an event does not grow with the project: on a generated 10,000-feature project,
 * after 1,000 events, state.json and checkpoint.json stay small, no log line carries the list,
 * no file rewritten per event grows with history, and replay still rebuilds any revision
 * (its machine snapshot and its feature list) exactly. Driven in-process through the session
 * service with the real actors and real files (a CLI process per event would take minutes).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { worldActors } from '../actors/index.js';
import type { SessionEvent } from '../machines/events.js';
import { loadConfig } from '../services/project/config.js';
import { readLog } from '../services/lifecycle/event-log.js';
import { featureListAt } from '../services/features/feature-list-history.js';
import { projectPaths, type ProjectPaths } from '../services/project/paths.js';
import { replay } from '../services/lifecycle/replay.js';
import { applyEvent, type Runtime } from '../services/lifecycle/apply-event.js';
import { decideTrust } from '../services/project/trust.js';
import { makeProject, type Project } from './helpers.js';

const FEATURES = 10_000;
const EVENTS = 1_000;
const KB = 1024;
const PROGRESS = '.claude/progress';
/** Files baton rewrites as a whole on an event (the log is appended to). */
const REWRITTEN = ['state.json', 'state.json.bak', 'checkpoint.json', 'feature-list.json'];

type Progress = { id: string; status: string; retries: number };

async function sizes(project: Project): Promise<Record<string, number>> {
  const entries = await Promise.all(REWRITTEN.map(async (name) => [name, (await fs.stat(project.file(`${PROGRESS}/${name}`))).size] as const));
  return Object.fromEntries(entries);
}

async function fileProgress(project: Project): Promise<Progress[]> {
  const list = (await project.readJson(`${PROGRESS}/feature-list.json`)) as { features: Progress[] };
  return list.features.map(({ id, status, retries }) => ({ id, status, retries }));
}

describe(`a project with ${FEATURES.toLocaleString('en')} features, after ${EVENTS.toLocaleString('en')} events`, () => {
  let project: Project;
  let paths: ProjectPaths;
  /** state.json's snapshot and the feature list at sampled revisions, as the run left them. */
  const samples = new Map<number, { snapshot: unknown; features: Progress[] }>();
  let early: Record<string, number>;
  let late: Record<string, number>;

  beforeAll(async () => {
    project = await makeProject();
    await project.write('.claude/config/project.json', { commit_after_feature: false });
    await project.write(`${PROGRESS}/feature-list.json`, {
      features: Array.from({ length: FEATURES }, (_, i) => ({ id: `f${i}`, description: `feature number ${i}, generated`, status: 'pending', retries: 0 })),
    });
    await project.commit('start');
    paths = projectPaths(project.dir);
    const config = await loadConfig(paths);
    const session: Runtime = { paths, config, actors: worldActors(paths, config, await decideTrust(paths, config)), now: () => new Date() };
    const send = async (event: SessionEvent) => {
      const outcome = await applyEvent(session, event, event.type === 'SESSION_ENTRY' ? 'entry' : 'send');
      if (outcome.after.revision % 97 === 0) samples.set(outcome.after.revision, { snapshot: outcome.after.snapshot, features: await fileProgress(project) });
      if (outcome.after.revision === 100) early = await sizes(project);
    };

    await send({ type: 'SESSION_ENTRY' });
    // Each feature: started, implemented (TEST, no test command: the agent reports), passed; every 7th fails once first.
    for (let i = 0; (await revision()) < EVENTS; i += 1) {
      const featureId = `f${i}`;
      await send({ type: 'FEATURE_STARTED', featureId });
      await send({ type: 'FEATURE_IMPLEMENTED', featureId });
      if (i % 7 === 3) {
        await send({ type: 'TESTS_FAILED', featureId, reason: 'red on the first try' });
        await send({ type: 'FEATURE_IMPLEMENTED', featureId });
      }
      await send({ type: 'TESTS_PASSED', featureId });
      // An edit by hand in the middle of the run: a feature added to the file.
      if (i === 40) {
        const list = (await project.readJson(`${PROGRESS}/feature-list.json`)) as { features: object[] };
        await project.write(`${PROGRESS}/feature-list.json`, { features: [...list.features, { id: 'added-by-hand', description: 'added while the run went on', status: 'pending', retries: 0 }] });
      }
    }
    late = await sizes(project);
  }, 600_000);

  const revision = async () => ((await project.readJson(`${PROGRESS}/state.json`).catch(() => ({ revision: 0 }))) as { revision: number }).revision;

  it('state.json and checkpoint.json stay under 16 KB, and no event log line is over 4 KB', async () => {
    expect(await revision()).toBeGreaterThanOrEqual(EVENTS);
    expect(late['state.json']).toBeLessThanOrEqual(16 * KB);
    expect(late['checkpoint.json']).toBeLessThanOrEqual(16 * KB);
    const lines = (await project.read(`${PROGRESS}/events.jsonl`)).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(EVENTS);
    const longest = Math.max(...lines.map((line) => Buffer.byteLength(line)));
    console.log(`after ${lines.length} events on ${FEATURES} features: ${REWRITTEN.map((name) => `${name} ${late[name]} B`).join(', ')}; longest log line ${longest} B; log ${lines.join('\n').length} B`);
    expect(longest).toBeLessThanOrEqual(4 * KB);
  });

  it('no file rewritten per event grows with history (revision 100 against the last)', () => {
    for (const name of REWRITTEN) {
      // feature-list.json grew by the one feature added by hand; the rest by a few digits at most.
      const allowed = name === 'feature-list.json' ? 200 : 512;
      expect(late[name]! - early[name]!, name).toBeLessThanOrEqual(allowed);
    }
  });

  it('the feature list is copied only when it changed other than by an event: at the start and after the edit by hand', async () => {
    const copies = await fs.readdir(path.join(project.dir, PROGRESS, 'feature-lists'));
    expect(copies).toHaveLength(2);
  });

  it('replay rebuilds each sampled revision exactly: the snapshot state.json had, and the feature list the file had', () => {
    const { entries } = readLog(paths);
    expect(samples.size).toBeGreaterThanOrEqual(10);
    for (const [at, sample] of samples) {
      const rebuilt = replay(entries, at);
      expect(rebuilt.problem, `revision ${at}`).toBeNull();
      expect(rebuilt.snapshot, `revision ${at}`).toEqual(sample.snapshot);
      const list = featureListAt(paths, entries, at);
      expect(list, `revision ${at}`).toEqual({ kind: 'ok', features: sample.features });
    }
  });
});
