/**
 * The health check's evidence: what the built-in fallback reads (entry files from
 * package.json, the Python package), what it refuses to read (anything outside the
 * project), and git's unfinished merges and rebases. Real files, processes and git.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NODE_FILES, namedNodeEntries, nodeEntryFiles, pyprojectPackageName, pythonPackageFiles } from '../../actors/entry-files.js';
import { checkHealth } from '../../actors/health.js';
import { projectPaths } from '../../services/project/paths.js';
import { makeProject, type Project } from '../helpers.js';

const hasPython = existsSync('/usr/bin/python3') || existsSync('/usr/local/bin/python3');

async function check(project: Project, options: { command?: string; untrusted?: string } = {}) {
  return checkHealth({ projectDir: project.dir, timeoutSeconds: 20, evidencePaths: projectPaths(project.dir), ...options });
}

async function bareProject(): Promise<Project> {
  return makeProject({ git: false, packageJson: false });
}

describe('entry files named by package.json (pure)', () => {
  it('main, bin (string or map) and every ./ leaf of exports, in that order, once each', () => {
    expect(
      namedNodeEntries({
        main: './lib/index.js',
        bin: { tool: 'bin/tool.js', other: './bin/other.mjs' },
        exports: {
          '.': { import: './lib/index.js', require: ['./lib/index.cjs', 'fallback-package'], types: './lib/index.d.ts' },
          './feature/*': './lib/features/*.js',
          './util': { node: { default: './lib/util.js' } },
          './package.json': './package.json',
          './gone': null,
        },
      }).map((entry) => `${entry.field} ${entry.name}`),
    ).toEqual(['main ./lib/index.js', 'bin bin/tool.js', 'bin ./bin/other.mjs', 'exports ./lib/index.cjs', 'exports ./lib/index.d.ts', 'exports ./lib/util.js', 'exports ./package.json']);
    expect(namedNodeEntries({ bin: 'cli.js', exports: './main.js' }).map((entry) => entry.name)).toEqual(['cli.js', './main.js']);
  });

  it('anything that is not a package object names nothing', () => {
    for (const value of [null, 'main.js', ['index.js'], 42, { main: 42, bin: ['a.js'], exports: 7 }, { main: '  ' }]) expect(namedNodeEntries(value)).toEqual([]);
  });

  it("reads pyproject's package name as an importable name", () => {
    expect(pyprojectPackageName('[build-system]\nrequires = ["x"]\nname = "not-this"\n\n[project]\nname = "My-Cool.App"\nversion = "1"\n')).toBe('my_cool_app');
    expect(pyprojectPackageName('[tool.poetry]\nname = \'poetry-app\'\n')).toBe('poetry_app');
    expect(pyprojectPackageName('[tool.black]\nline-length = 100\n')).toBeNull();
  });
});

describe('choosing the files to check', () => {
  it('checks only .js/.mjs/.cjs regular files inside the project; says why it skipped the others', async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-outside-'));
    await fs.writeFile(path.join(outside, 'secret.js'), 'SECRET_OUTSIDE = (\n');
    const project = await bareProject();
    await project.write('lib/main/index.js', 'module.exports = 1;\n');
    await project.write('types.ts', 'export {}\n');
    await fs.mkdir(project.file('adir.js'));
    await fs.symlink(path.join(outside, 'secret.js'), project.file('link.js'));
    const choice = await nodeEntryFiles(project.dir, {
      main: 'lib/main',
      bin: { a: '../' + path.relative(path.dirname(project.dir), outside) + '/secret.js', b: 'link.js', c: 'types.ts', d: 'adir.js', e: 'missing.js', f: path.join(outside, 'secret.js') },
    });
    expect(choice.files).toEqual(['./lib/main/index.js']);
    expect(choice.skipped).toEqual([
      expect.stringMatching(/^bin \.\..*secret\.js: outside the project/),
      'bin link.js: outside the project (not checked)',
      'bin types.ts: not a .js, .mjs or .cjs file',
      'bin adir.js: not a regular file',
      'bin missing.js: does not exist',
      expect.stringMatching(/^bin \/.*secret\.js: outside the project/),
    ]);
  });

  it('falls back to index.js when package.json names nothing, and checks at most a handful', async () => {
    const project = await bareProject();
    expect((await nodeEntryFiles(project.dir, {})).files).toEqual([]);
    await project.write('index.js', '');
    expect(await nodeEntryFiles(project.dir, { name: 'x' })).toEqual({ files: ['./index.js'], skipped: [], truncated: false });
    const bin = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`b${i}`, `bin/b${i}.js`]));
    for (let i = 0; i < 12; i += 1) await project.write(`bin/b${i}.js`, '');
    const many = await nodeEntryFiles(project.dir, { bin });
    expect(many.files).toHaveLength(MAX_NODE_FILES);
    expect(many.truncated).toBe(true);
  });

  it('finds the Python package: pyproject name, src/ layout, or top-level packages (not tests, not symlinked dirs)', async () => {
    const named = await bareProject();
    await named.write('pyproject.toml', '[project]\nname = "my-app"\n');
    await named.write('src/my_app/__init__.py', '');
    await named.write('src/my_app/core/engine.py', 'x = 1\n');
    await named.write('src/my_app/__pycache__/engine.cpython-311.py', '');
    await named.write('src/other/__init__.py', '');
    expect((await pythonPackageFiles(named.dir)).files).toEqual(['./src/my_app/__init__.py', './src/my_app/core/engine.py']);

    const flat = await bareProject();
    await flat.write('pytest.ini', '[pytest]\n');
    await flat.write('app/__init__.py', '');
    await flat.write('tests/__init__.py', '');
    await flat.write('notes/readme.py', '');
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-outside-'));
    await fs.mkdir(path.join(outside, 'pkg'));
    await fs.writeFile(path.join(outside, 'pkg', '__init__.py'), 'SECRET = (\n');
    await fs.symlink(path.join(outside, 'pkg'), flat.file('linked'));
    expect((await pythonPackageFiles(flat.dir)).files).toEqual(['./app/__init__.py']);

    const viaSymlinkedSrc = await bareProject();
    await viaSymlinkedSrc.write('pyproject.toml', '[project]\nname = "pkg"\n');
    await fs.symlink(outside, viaSymlinkedSrc.file('src'));
    expect((await pythonPackageFiles(viaSymlinkedSrc.dir)).files).toEqual([]);
  });
});

describe('the built-in health check', () => {
  it('a syntax error in the main file is BROKEN, naming the file; fixed, HEALTHY', async () => {
    const project = await bareProject();
    await project.write('package.json', { name: 'app', main: 'server.js', bin: { app: 'bin/cli.mjs' } });
    await project.write('server.js', 'const app = {\n  listen() {\n};\n');
    await project.write('bin/cli.mjs', 'import x from "./x.js";\nexport default x;\n');
    const broken = await check(project);
    expect(broken).toMatchObject({ status: 'BROKEN', source: 'node', detail: 'Node syntax check failed: syntax error in server.js' });
    expect(broken.outputTail).toContain('SyntaxError');
    expect(await fs.readFile(broken.evidence!, 'utf8')).toContain('server.js');
    await project.write('server.js', 'const app = { listen() {} };\nmodule.exports = app;\n');
    expect(await check(project)).toMatchObject({ status: 'HEALTHY', source: 'node', detail: 'Node syntax check passed: server.js, bin/cli.mjs' });
  });

  it('never checks, and so never prints, a file outside the project', async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'baton-outside-'));
    await fs.writeFile(path.join(outside, 'secret.js'), 'const TOKEN = "s3cr3t-outside" +;\n');
    const project = await bareProject();
    await project.write('package.json', { name: 'app', main: path.join(outside, 'secret.js'), bin: path.relative(project.dir, path.join(outside, 'secret.js')) });
    const report = await check(project);
    expect(report.status).toBe('UNKNOWN');
    expect(report.detail).toContain('outside the project (not checked)');
    expect(report.detail).toContain('set health_check');
    expect(JSON.stringify(report)).not.toContain('s3cr3t-outside');
    expect(existsSync(project.file('.claude/progress/evidence'))).toBe(false);
  });

  it('names from package.json are never shell syntax', async () => {
    const project = await bareProject();
    await project.write('package.json', { name: 'app', main: 'x.js; touch pwned', bin: '$(touch pwned2).js' });
    const report = await check(project);
    expect(report.status).toBe('UNKNOWN');
    expect(existsSync(project.file('pwned'))).toBe(false);
    expect(existsSync(project.file('pwned2'))).toBe(false);
    // A file that really has such a name is checked as a file, through no shell.
    await project.write('$(touch pwned2).js', 'module.exports = 1;\n');
    expect(await check(project)).toMatchObject({ status: 'HEALTHY' });
    expect(existsSync(project.file('pwned2'))).toBe(false);
  });

  it('a package.json that is not JSON is BROKEN with the parse error; no entry file is UNKNOWN saying what to set', async () => {
    const project = await bareProject();
    await project.write('package.json', '{"name": "app",');
    const bad = await check(project);
    expect(bad).toMatchObject({ status: 'BROKEN', source: 'node' });
    expect(bad.detail).toMatch(/^package\.json is not valid JSON: /);
    await project.write('package.json', { name: 'app' });
    expect(await check(project)).toMatchObject({
      status: 'UNKNOWN',
      source: 'none',
      detail: 'no entry file to check (package.json names no main, bin or exports, and there is no index.js): set health_check in .claude/config/project.json',
    });
  });

  it.skipIf(!hasPython)("Python: a syntax error in the package is BROKEN; nothing is imported or written into the project", async () => {
    const project = await bareProject();
    await project.write('pyproject.toml', '[project]\nname = "shop"\n');
    await project.write('shop/__init__.py', 'from .cart import Cart\n');
    await project.write('shop/cart.py', 'class Cart:\n    def add(self, item)\n        pass\n');
    // Would run if the check imported anything from the project's directory.
    await project.write('ast.py', 'open("imported-ast", "w").write("x")\n');
    const broken = await check(project);
    expect(broken).toMatchObject({ status: 'BROKEN', source: 'python', detail: 'Python syntax check failed: syntax error in shop/cart.py' });
    expect(broken.outputTail).toContain('shop/cart.py:2');
    await project.write('shop/cart.py', 'class Cart:\n    def add(self, item):\n        pass\n');
    expect(await check(project)).toMatchObject({ status: 'HEALTHY', source: 'python', detail: 'Python syntax check passed: 2 file(s) in shop/' });
    expect(existsSync(project.file('imported-ast'))).toBe(false);
    expect(existsSync(project.file('shop/__pycache__'))).toBe(false);
  });

  it('reports the commit it checked', async () => {
    const project = await makeProject();
    const head = (await project.git('rev-parse', 'HEAD')).trim();
    expect(await check(project)).toMatchObject({ status: 'HEALTHY', head });
    expect((await check(await bareProject())).head).toBeUndefined();
  });
});

describe('an unfinished merge or rebase', () => {
  async function midRebase(): Promise<Project> {
    const project = await makeProject();
    await project.commit('base', { 'src/a.js': 'a\nb\nc\n', 'src/b.js': 'x\n', 'docs.md': 'one\n' });
    await project.git('checkout', '-q', '-b', 'topic');
    await project.commit('topic', { 'src/a.js': 'a\nTOPIC\nc\n', 'src/b.js': 'topic\n' });
    await project.git('checkout', '-q', 'main');
    await project.commit('main', { 'src/a.js': 'a\nMAIN\nc\n', 'src/b.js': 'main\n' });
    await project.git('checkout', '-q', 'topic');
    await project.git('rebase', 'main').catch(() => undefined);
    return project;
  }

  it('with conflicts is BROKEN whatever the configured check says, naming the files (staged markers too)', async () => {
    const project = await midRebase();
    await project.git('add', 'src/a.js'); // "resolved" with its markers still in
    const report = await check(project, { command: 'true' });
    expect(report).toMatchObject({ status: 'BROKEN', source: 'git' });
    expect(report.detail).toBe('an unfinished git rebase left conflicts (unmerged: src/b.js; conflict markers in src/a.js, src/b.js): resolve them and `git rebase --continue`, or `git rebase --abort`');
    // Untrusted config changes nothing: git is not the project's command.
    expect((await check(project, { untrusted: 'not trusted' })).status).toBe('BROKEN');
  });

  it('resolved, or with no operation in progress, the usual check decides', async () => {
    const project = await midRebase();
    await project.write('src/a.js', 'a\nBOTH\nc\n');
    await project.write('src/b.js', 'both\n');
    await project.git('add', '-A');
    expect(await check(project, { command: 'true' })).toMatchObject({ status: 'HEALTHY', source: 'configured' });
    // Conflict markers with no operation in progress are not git's business (a test fixture may hold them).
    const plain = await makeProject();
    await plain.commit('fixture', { 'fixture.txt': '<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n' });
    expect(await check(plain, { command: 'true' })).toMatchObject({ status: 'HEALTHY' });
  });
});
