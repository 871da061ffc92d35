/** `depends_on` as a user meets it: `features next`, `features list --ready`, and the next feature entry names. */
import { describe, expect, it } from 'vitest';
import { baton, makeProject, type Project } from './helpers.js';

async function withFeatures(features: object[]): Promise<Project> {
  const project = await makeProject();
  await project.write('.claude/progress/feature-list.json', { features });
  return project;
}

describe('features that depend on others', () => {
  it('`features next`, `list --ready` and entry name only a feature whose dependencies are tested', async () => {
    const project = await withFeatures([
      { id: 'ui', description: 'The login form', status: 'pending', depends_on: ['api'] },
      { id: 'api', description: 'The login endpoint', status: 'pending', depends_on: ['db'] },
      { id: 'db', description: 'The users table', status: 'pending' },
    ]);
    const next = await baton(['features', 'next', '--json'], { cwd: project.dir });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.json()).toEqual({ next: { id: 'db', description: 'The users table', status: 'pending' }, ready: ['db'], waiting: [{ id: 'ui', waits_for: ['api'] }, { id: 'api', waits_for: ['db'] }], taken: [] });
    expect((await baton(['features', 'next'], { cwd: project.dir })).stdout).toContain('db: The users table (pending); `baton features start db`');
    expect((await baton(['features', 'list', '--ready', '--json'], { cwd: project.dir })).json().features.map((feature: { id: string }) => feature.id)).toEqual(['db']);
    expect((await baton(['entry', '--json'], { cwd: project.dir })).json().next_feature).toMatchObject({ id: 'db' });

    const list = await project.readJson('.claude/progress/feature-list.json');
    list.features[2].status = 'tested';
    await project.write('.claude/progress/feature-list.json', list);
    expect((await baton(['features', 'next', '--json'], { cwd: project.dir })).json().next.id).toBe('api');
    expect((await baton(['status', '--json'], { cwd: project.dir })).json().next_feature).toBe('api');
  });

  it('a cycle or an unknown id is an error that names the features, and changes nothing', async () => {
    const project = await withFeatures([
      { id: 'a', status: 'pending', depends_on: ['b'] },
      { id: 'b', status: 'pending', depends_on: ['a'] },
      { id: 'c', status: 'pending', depends_on: ['nowhere'] },
    ]);
    const before = await project.read('.claude/progress/feature-list.json');
    const next = await baton(['features', 'next'], { cwd: project.dir });
    expect(next.exitCode).toBe(4);
    expect(next.stderr).toContain('a dependency cycle: a -> b -> a');
    expect(next.stderr).toContain('feature "c" depends on "nowhere", which is not in the list');
    expect((await baton(['features', 'list', '--ready'], { cwd: project.dir })).exitCode).toBe(4);
    expect(await project.read('.claude/progress/feature-list.json')).toBe(before);
  });

  it('with nothing ready, says what each open feature waits for', async () => {
    const project = await withFeatures([
      { id: 'a', status: 'blocked' },
      { id: 'b', status: 'pending', depends_on: ['a'] },
    ]);
    const next = await baton(['features', 'next'], { cwd: project.dir });
    expect(next.stdout.trim()).toBe('no feature is ready: b waits for a');
  });
});
