/** The skill SessionStart names: the project's own first, then the plugin's, then the file baton ships, then the spec's folder. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enablesPlugin, skillToLoad } from '../../../services/project/skills.js';
import { REPO_ROOT } from '../../helpers.js';
import { useTempProject } from '../temp-project.js';

const project = useTempProject('baton-skills-');

describe('skillToLoad', () => {
  it("as the plugin: Claude Code's name for it, baton:<skill>", () => {
    expect(skillToLoad(project.paths, 'implementation/', { plugin: true, batonRoot: REPO_ROOT })).toEqual({ name: 'baton:implementation', source: 'plugin' });
  });

  it('without the plugin: the SKILL.md baton ships, and the spec folder when baton ships none', () => {
    expect(skillToLoad(project.paths, 'enforcement/', { plugin: false, batonRoot: REPO_ROOT })).toEqual({ name: path.join(REPO_ROOT, 'skills', 'enforcement', 'SKILL.md'), source: 'file' });
    expect(skillToLoad(project.paths, 'enforcement/', { plugin: false, batonRoot: null })).toEqual({ name: 'enforcement/', source: 'spec' });
  });

  it("the project's own .claude/skills/<skill>/SKILL.md overrides baton's, plugin or not", () => {
    mkdirSync(path.join(project.paths.claudeDir, 'skills', 'testing'), { recursive: true });
    writeFileSync(path.join(project.paths.claudeDir, 'skills', 'testing', 'SKILL.md'), '---\nname: testing\n---\nour way\n');
    expect(skillToLoad(project.paths, 'testing/', { plugin: true, batonRoot: REPO_ROOT })).toEqual({ name: 'testing', source: 'project' });
    expect(skillToLoad(project.paths, 'implementation/', { plugin: true, batonRoot: REPO_ROOT }).source).toBe('plugin');
  });

  it('a linked skill folder in a clone is not taken for the project\'s own', () => {
    mkdirSync(path.join(project.paths.claudeDir, 'skills'), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'skills', 'testing'), path.join(project.paths.claudeDir, 'skills', 'testing'));
    expect(skillToLoad(project.paths, 'testing/', { plugin: true, batonRoot: REPO_ROOT }).source).toBe('plugin');
  });
});

describe('enablesPlugin', () => {
  it('sees baton@<marketplace> enabled in any settings file, and not a disabled one or another plugin', () => {
    const file = (settings: Record<string, unknown>) => ({ scope: 'user' as const, label: 'x', file: 'x', settings, problem: null });
    expect(enablesPlugin([file({ enabledPlugins: { 'baton@baton': true } })])).toBe(true);
    expect(enablesPlugin([file({ enabledPlugins: { 'baton@baton': false } })])).toBe(false);
    expect(enablesPlugin([file({ enabledPlugins: { 'batonx@m': true, 'other@baton': true } })])).toBe(false);
    expect(enablesPlugin([file({ enabledPlugins: ['baton@baton'] })])).toBe(false);
  });
});
