/**
 * The Node syntax check compiled in process: the same verdict as `node --check`, without its
 * process, and only where the answer is sure; everything else still goes to `node --check`.
 */
import { existsSync, promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../actors/health.js';
import { projectPaths } from '../../services/project/paths.js';
import { makeProject, type Project } from '../helpers.js';

async function projectWith(pkg: object, files: Record<string, string>): Promise<Project> {
  const project = await makeProject({ git: false, packageJson: false });
  await project.write('package.json', pkg);
  for (const [name, text] of Object.entries(files)) await project.write(name, text);
  return project;
}

const check = (project: Project) => checkHealth({ projectDir: project.dir, timeoutSeconds: 20, evidencePaths: projectPaths(project.dir) });
const evidenceWritten = (project: Project) => existsSync(project.file('.claude/progress/evidence'));

describe('the Node syntax check, in process', () => {
  it.each([
    ['plain CommonJS', 'module.exports = { up: true };\n'],
    ['a hashbang line and a BOM', '\uFEFF#!/usr/bin/env node\nrequire("node:fs");\n'],
    ['a top-level return (valid in a module wrapper)', 'if (process.env.X) return;\nmodule.exports = 1;\n'],
  ])('%s: HEALTHY with no process run (no evidence file), the report saying it compiled in process', async (_name, source) => {
    const project = await projectWith({ name: 'app', main: 'server.js' }, { 'server.js': source });
    const report = await check(project);
    expect(report).toMatchObject({ status: 'HEALTHY', source: 'node', detail: 'Node syntax check passed: server.js', command: 'node --check ./server.js (compiled in process)' });
    expect(evidenceWritten(project)).toBe(false);
  });

  it('a syntax error still goes to `node --check`: BROKEN, naming the file, its output kept as evidence', async () => {
    const project = await projectWith({ name: 'app', main: 'server.js' }, { 'server.js': 'const app = {\n' });
    const report = await check(project);
    expect(report).toMatchObject({ status: 'BROKEN', detail: 'Node syntax check failed: syntax error in server.js' });
    expect(await fs.readFile(report.evidence!, 'utf8')).toContain('SyntaxError');
  });

  it('a "type": "module" package is left to `node --check`: a `with` statement, valid sloppy script, is BROKEN as a module', async () => {
    const project = await projectWith({ name: 'app', type: 'module', main: 'server.js' }, { 'server.js': 'with (Math) { globalThis.x = PI; }\n' });
    expect(await check(project)).toMatchObject({ status: 'BROKEN', detail: 'Node syntax check failed: syntax error in server.js' });
  });

  it('a file under a nested package.json is left to `node --check`, which reads that one', async () => {
    const project = await projectWith({ name: 'app', bin: { app: 'tool/cli.js' } }, { 'tool/package.json': '{"type":"module"}', 'tool/cli.js': 'with (Math) { globalThis.x = PI; }\n' });
    expect(await check(project)).toMatchObject({ status: 'BROKEN', detail: 'Node syntax check failed: syntax error in tool/cli.js' });
  });

  it('ES module syntax in a .js file of a package without "type" is for `node --check` to judge, and passes as it does', async () => {
    const project = await projectWith({ name: 'app', main: 'index.js' }, { 'index.js': 'import fs from "node:fs";\nexport default fs;\n', 'lib.cjs': 'module.exports = 2;\n' });
    const report = await check(project);
    expect(report).toMatchObject({ status: 'HEALTHY', detail: 'Node syntax check passed: index.js' });
    expect(report.command).toBe('node --check ./index.js');
  });
});
