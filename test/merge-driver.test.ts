/**
 * Branches that each finished features merge their feature lists with no conflict: `baton init`
 * installs git's merge driver for the file, and git runs the built CLI as that driver.
 */
import fse from 'fs-extra';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baton, configure, makeProject, type Project } from './helpers.js';

const LIST = '.claude/progress/feature-list.json';

type Listed = { features: { id: string; status: string; description: string }[] };
const statusesIn = async (dir: string) => Object.fromEntries(((await fse.readJson(path.join(dir, LIST))) as Listed).features.map((feature) => [feature.id, feature.status]));

async function planned(ids: string[], options: { init: boolean }): Promise<Project> {
  const project = await makeProject();
  if (options.init) expect((await baton(['init'], { cwd: project.dir })).exitCode).toBe(0);
  await configure(project, { test_command: 'true', commit_after_feature: true });
  await project.write(LIST, { features: ids.map((id) => ({ id, description: `feature ${id}`, status: 'pending' })) });
  await project.commit('the plan');
  return project;
}

/** Changes the list on a new branch from main and commits it. */
async function onBranch(project: Project, branch: string, change: (list: Listed) => void): Promise<void> {
  await project.git('checkout', '-q', '-b', branch, 'main');
  const list = (await project.readJson(LIST)) as Listed;
  change(list);
  await project.commit(`${branch}: features`, { [LIST]: `${JSON.stringify(list, null, 2)}\n` });
}

const setStatus = (list: Listed, id: string, status: string) => {
  list.features.find((feature) => feature.id === id)!.status = status;
};

describe('the merge driver for feature-list.json', () => {
  it('two worktrees that each finished different features with baton merge with no conflict, no duplicate, every status right', async () => {
    const project = await planned(['login', 'signup', 'logout', 'profile'], { init: true });
    expect(await project.read('.gitattributes')).toContain('.claude/progress/feature-list.json merge=baton-features');
    expect(await project.git('config', '--get', 'merge.baton-features.driver')).toMatch(/merge-features %O %A %B %P$/);
    const other = `${project.dir}-wt`;
    await project.git('worktree', 'add', '-q', '-b', 'other', other);
    await project.git('checkout', '-q', '-b', 'mine');
    for (const dir of [project.dir, other]) {
      expect((await baton(['trust'], { cwd: dir })).exitCode).toBe(0);
      expect((await baton(['entry'], { cwd: dir })).exitCode).toBe(0);
    }
    // Each worktree finishes its own features; baton commits each one (commit_after_feature).
    for (const [dir, ids] of [[project.dir, ['login', 'signup']], [other, ['logout']]] as const) {
      for (const id of ids) {
        expect((await baton(['features', 'start', id], { cwd: dir })).exitCode).toBe(0);
        const done = await baton(['features', 'implemented', id], { cwd: dir });
        expect(done.exitCode, done.stderr).toBe(0);
      }
    }
    expect((await baton(['features', 'add', 'Password reset', '--id', 'reset'], { cwd: other })).exitCode).toBe(0);
    await fse.outputFile(path.join(other, 'reset.txt'), 'x');
    await baton(['features', 'start', 'reset'], { cwd: other });
    await project.git('-C', other, 'add', '-A');
    await project.git('-C', other, 'commit', '-qm', 'reset started');

    const merge = await project.git('merge', '--no-edit', 'other');
    expect(merge).not.toMatch(/CONFLICT/);
    expect(await project.git('status', '--porcelain', '--', LIST)).toBe('');
    const merged = (await project.readJson(LIST)) as Listed;
    expect(merged.features.map((feature) => feature.id)).toEqual(['login', 'signup', 'logout', 'profile', 'reset']);
    expect(await statusesIn(project.dir)).toEqual({ login: 'tested', signup: 'tested', logout: 'tested', profile: 'pending', reset: 'in_progress' });
    // What baton reads after the merge is the merged list.
    expect((await baton(['features', 'list', '--json'], { cwd: project.dir })).json().counts).toMatchObject({ done: 3, total: 5 });
  }, 90_000);

  it('the same feature changed on both branches follows the precedence; a blocked one stays blocked', async () => {
    const project = await planned(['a', 'b', 'c', 'd'], { init: true });
    await onBranch(project, 'left', (list) => {
      setStatus(list, 'a', 'tested');
      setStatus(list, 'b', 'implemented');
      setStatus(list, 'c', 'blocked');
      setStatus(list, 'd', 'in_progress');
    });
    await onBranch(project, 'right', (list) => {
      setStatus(list, 'a', 'implemented');
      setStatus(list, 'b', 'in_progress');
      setStatus(list, 'c', 'tested');
      setStatus(list, 'd', 'implemented');
    });
    await project.git('checkout', '-q', 'left');
    expect(await project.git('merge', '--no-edit', 'right')).not.toMatch(/CONFLICT/);
    expect(await statusesIn(project.dir)).toEqual({ a: 'tested', b: 'implemented', c: 'blocked', d: 'implemented' });
  }, 60_000);

  it('one branch started a feature the other finished: a conflict for git\'s line merge, the finished status with the driver', async () => {
    for (const init of [false, true]) {
      const project = await planned(['a', 'b'], { init });
      await onBranch(project, 'left', (list) => setStatus(list, 'a', 'in_progress'));
      await onBranch(project, 'right', (list) => {
        setStatus(list, 'a', 'tested');
        list.features.push({ id: 'right-new', description: 'feature right-new', status: 'pending' });
      });
      await project.git('checkout', '-q', 'left');
      const merge = await project.git('merge', '--no-edit', 'right').then(
        (out) => out,
        (error: Error) => error.message,
      );
      if (!init) {
        expect(merge, 'a plain merge of the lines').toMatch(/CONFLICT \(content\): Merge conflict in \.claude\/progress\/feature-list\.json/);
        continue;
      }
      expect(merge).not.toMatch(/CONFLICT/);
      expect(await statusesIn(project.dir)).toEqual({ a: 'tested', b: 'pending', 'right-new': 'pending' });
    }
  }, 60_000);

  it('a side that is not a feature list is a conflict git leaves to the user, with both sides kept', async () => {
    const project = await planned(['a', 'b'], { init: true });
    await onBranch(project, 'left', (list) => setStatus(list, 'a', 'tested'));
    await project.git('checkout', '-q', '-b', 'right', 'main');
    await project.commit('broken list', { [LIST]: '{ "features": [ this is not json' });
    await project.git('checkout', '-q', 'left');
    const merge = await project.git('merge', '--no-edit', 'right').then(
      () => '',
      (error: Error) => error.message,
    );
    expect(merge).toMatch(/baton could not merge .*feature-list\.json: their side is not JSON/);
    expect(merge).toMatch(/CONFLICT/);
    expect(await project.git('show', ':3:.claude/progress/feature-list.json')).toContain('this is not json');
    expect(JSON.parse(await project.read(LIST)).features[0].status).toBe('tested');
  }, 60_000);
});
