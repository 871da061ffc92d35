/**
 * The gate's reading of Bash, as a table: one command per row, the directory it runs in, and
 * the verdict (blocked, with the protected path it reports, or allowed). Run against the
 * source over a real directory tree, so globs, `cd` and symlinks meet a real file system.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { protectedWrite } from '../../../services/gate/protected-write.js';
import { countGateRefusals, recordGateRefusal } from '../../../services/gate/gate-refusals.js';
import { projectPaths } from '../../../services/project/paths.js';

function tree(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-gate-')));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const diff = (file: string) => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-old\n+new\n`;

const root = tree({
  'src/a.js': 'export const a = 1;\n',
  'src/b.ts': 'export const b = 2;\n',
  'src/components/Button.tsx': 'export {}\n',
  'lib/util.js': 'export {}\n',
  'node_modules/x/src/y.js': 'x\n',
  'tests/a.test.js': 'test\n',
  'docs/guide.md': '# guide\n',
  'scripts/tool.py': 'print(1)\n',
  'package.json': '{"name":"app"}\n',
  'README.md': '# app\n',
  'vite.config.js': 'export default {}\n',
  'notes.txt': 'notes\n',
  'list.txt': 'src/a.js\n',
  'fix.diff': diff('src/a.js'),
  'tests.diff': diff('tests/a.test.js'),
});
symlinkSync('src', path.join(root, 'alias'));
execFileSync('git', ['init', '-q'], { cwd: root });
/** Somewhere outside the project, with a `src` of its own (a template to copy from). */
const outside = tree({ 'src/x.js': 'x\n', 'README.md': 'template\n' });

afterAll(() => {
  for (const dir of [root, outside]) rmSync(dir, { recursive: true, force: true });
});

/** A blocked row names the path the gate reports; `unseen` rows are allowed because the gate cannot see them (its stated limits). */
type Verdict = string | 'allowed' | 'unseen' | 'no-throw';
interface Row {
  command: string;
  expect: Verdict;
  cwd?: string;
  globs?: string[];
}
const row = (command: string, expect: Verdict, options: Omit<Row, 'command' | 'expect'> = {}): Row => ({ command, expect, ...options });

const fromTheIssue: Row[] = [
  row('rm -rf .', 'src'),
  row('rm -rf *', 'src'),
  row('git clean -fdx', 'src'),
  row('find . -delete', 'src'),
  row('pushd src && echo x > a.js', 'src/a.js'),
  row('sh -c "echo x > src/a.js"', 'src/a.js'),
  row('echo x > s*/a.js', 'src/a.js'),
];

const handledBefore: Row[] = [
  row('echo x > src/a.js', 'src/a.js'),
  row('echo x >> src/a.js', 'src/a.js'),
  row('echo x >src/a.js', 'src/a.js'),
  row('echo x >| src/a.js', 'src/a.js'),
  row('echo x &> src/a.js', 'src/a.js'),
  row('echo x &>> src/a.js', 'src/a.js'),
  row('echo x 2> src/err.log', 'src/err.log'),
  row('exec 3> src/a.js', 'src/a.js'),
  row('cat notes.txt | tee -a src/a.js', 'src/a.js'),
  row("sed -i 's/a/b/' src/a.js", 'src/a.js'),
  row('sed -i.bak -e s/a/b/ src/a.js', 'src/a.js'),
  row('cd src && sed -i.bak s/a/b/ a.js', 'src/a.js'),
  row('cp lib/util.js src/', 'src/util.js'),
  row('cp lib/util.js src/new.js', 'src/new.js'),
  row('mv src/a.js a.js', 'src/a.js'),
  row('mv lib/util.js src', 'src/util.js'),
  row('rm src/a.js', 'src/a.js'),
  row('rm -rf src', 'src'),
  row('touch src/new.js', 'src/new.js'),
  row('truncate -s 0 src/a.js', 'src/a.js'),
  row('ln -sf ../lib/util.js src/util.js', 'src/util.js'),
  row('install -m 644 lib/util.js src/util.js', 'src/util.js'),
  row('dd if=/dev/zero of=src/a.js bs=1 count=1', 'src/a.js'),
  row('mkdir -p src/new', 'src/new'),
  row('git checkout -- src/a.js', 'src/a.js'),
  row('git restore --source HEAD~1 src/a.js', 'src/a.js'),
  row('git rm src/a.js', 'src/a.js'),
  row('git mv src/a.js src/c.js', 'src/a.js'),
  row(`printf 'x' > "src/my file.js"`, 'src/my file.js'),
  row('touch alias/x.js', 'src/x.js'),
];

const otherWriters: Row[] = [
  row("perl -pi -e 's/a/b/' src/a.js", 'src/a.js'),
  row("perl -i.bak -pe 's/a/b/' src/a.js", 'src/a.js'),
  row("perl -ne 'print' src/a.js", 'allowed'),
  row("awk -i inplace '{print}' src/a.js", 'src/a.js'),
  row("awk '{print}' src/a.js > /tmp/out.txt", 'allowed'),
  row('sort -o src/a.js src/a.js', 'src/a.js'),
  row('curl -sSLo src/vendor.js https://example.com/v.js', 'src/vendor.js'),
  row('cd src && curl -O https://example.com/lib/v.js?x=1', 'src/v.js'),
  row('wget -qO src/vendor.js https://example.com/v.js', 'src/vendor.js'),
  row('wget -qO- https://example.com/v.js | head', 'allowed'),
  row('tar -xzf /tmp/a.tgz', 'src'),
  row('tar xzf /tmp/a.tgz -C /tmp/out', 'allowed'),
  row('tar -czf /tmp/a.tgz src', 'allowed'),
  row('unzip -o /tmp/a.zip', 'src'),
  row('unzip /tmp/a.zip -d tests/fixtures', 'allowed'),
  row('npx prettier --write src', 'src'),
  row('npx prettier --check src', 'allowed'),
  row('npx eslint --fix .', 'src'),
  row('python3 -m black .', 'src'),
  row('ruff format', 'src'),
  row('ruff check src', 'allowed'),
  row('gofmt -w src', 'src'),
  row('go fmt ./...', 'src'),
  row('patch -p1 < fix.diff', 'src/a.js'),
  row('patch -p1 < tests.diff', 'allowed'),
  row('git apply fix.diff', 'src/a.js'),
  row('git apply --check fix.diff', 'allowed'),
  row(`git apply <<'EOF'\n${diff('src/b.ts')}EOF`, 'src/b.ts'),
  row('chmod +x src/a.js', 'allowed'), // metadata, not content: not a write the gate guards
];

const wholeTrees: Row[] = [
  row('rm -r src/components', 'src/components'),
  row('rm -R lib/../src', 'src'),
  row('rm --recursive ./', 'src'),
  row('rm -rf ..', 'src', { cwd: 'tests' }),
  row('cd src/components && rm -rf ..', 'src'),
  row('rmdir src/components', 'src/components'),
  row('git clean -fdx src', 'src'),
  row('git clean -fd tests', 'allowed'),
  row('git clean -fdx', 'allowed', { cwd: 'tests' }),
  row('git -C tests clean -fdx', 'allowed'),
  row('git clean -n', 'allowed'),
  row("find src -name '*.orig' -delete", 'src'),
  row("find . -name '*.tmp' -exec rm {} +", 'src'),
  row('find . -type f -execdir rm -f {} \\;', 'src'),
  row("find tests -name '*.snap' -exec rm {} \\;", 'allowed'),
  row("find . -name '*.js' -exec grep -l x {} +", 'allowed'),
  row('find . -exec sh -c \'rm -rf "$1"\' _ {} \\;', 'src'),
  row('git checkout .', 'src'),
  row('git checkout main', 'src'),
  row('git checkout -b feature', 'allowed'),
  row('git switch -c feature', 'allowed'),
  row('git switch main', 'src'),
  row('git restore src', 'src'),
  row('git restore --staged src/a.js', 'allowed'),
  row('git reset --hard', 'src'),
  row('git reset --hard', 'src', { cwd: 'tests' }),
  row('git reset HEAD~1', 'allowed'),
  row('git stash', 'src'),
  row('git stash -u', 'src'),
  row('git stash list', 'allowed'),
  row('git stash pop', 'src'),
  row('git pull --rebase', 'src'),
  row('git merge feature', 'src'),
  row('mv src /tmp/old-src', 'src'),
  row(`rsync -a --delete ${outside}/ .`, 'src'),
  row(`rsync -a --delete ${outside}/ tests/`, 'allowed'),
  row(`rsync -a ${outside}/src .`, 'src'),
  row('rsync -a lib/ host:/backup/', 'allowed'),
  row(`cp -r ${outside}/. .`, 'src'),
  row(`cp -r ${outside}/* .`, 'src'),
  row(`cp -r ${outside}/README.md .`, 'allowed'),
  row('cp -r lib src', 'src/lib'),
  row('cp -r lib tests/', 'allowed'),
  row('rm -rf docs', 'docs', { globs: ['**/*.py'] }),
  row('rm -rf /tmp/x', 'allowed', { globs: ['**/*.py'] }),
  row('rm -rf tests', 'allowed', { globs: ['*.config.js'] }),
  row('git checkout .', '.', { globs: ['*.config.js'] }),
  row('rm -rf src/components', 'allowed', { globs: ['src/*.js'] }),
  row('rm -rf src', 'src', { globs: ['src/*.js'] }),
];

const shellReading: Row[] = [
  row("bash -c 'cd src && touch x.js'", 'src/x.js'),
  row('bash -lc "echo x > src/a.js"', 'src/a.js'),
  row('sh -c "sh -c \\"echo x > src/a.js\\""', 'src/a.js'),
  row('zsh -c \'rm -rf "$0"\' src', 'src'),
  row('eval "echo x > src/a.js"', 'src/a.js'),
  row("eval 'cd src'; touch y.js", 'src/y.js'),
  row('echo $(rm -rf src)', 'src'),
  row('echo `touch src/x.js`', 'src/x.js'),
  row('diff <(cat src/a.js) >(tee src/copy.js)', 'src/copy.js'),
  row('(cd src && touch x.js)', 'src/x.js'),
  row('(cd src); touch x.js', 'allowed'),
  row('cd src; cd -; touch x.js', 'allowed'),
  row('pushd src >/dev/null; popd; touch a.js', 'allowed'),
  row('cd tests && touch ../src/a.js', 'src/a.js'),
  row('D=src; rm -rf $D', 'src'),
  row('export D=src && rm -rf "$D/components"', 'src/components'),
  row('rm -rf "$PWD/src"', 'src'),
  row('rm -rf "${OUT_DIR:-src}"', 'src'),
  row('rm -rf "$(pwd)/src"', 'src'),
  row('touch "$(git rev-parse --show-toplevel)/src/a.js"', 'src/a.js', { cwd: 'tests' }),
  row('for f in src/*.js; do sed -i "s/a/b/" "$f"; done', 'src/a.js'),
  row('for f in tests/*.js; do sed -i s/a/b/ $f; done', 'allowed'),
  row('touch src/{c,d}.js', 'src/c.js'),
  row('touch src/file{1..3}.js', 'src/file1.js'),
  row("rm -rf 'src'", 'src'),
  row("echo x > 's*/a.js'", 'allowed'),
  row('echo x > s*/nope/a.js', 'allowed'),
  row('echo x > [s]rc/a.js', 'src/a.js'),
  row('rm src/?.js', 'src/a.js'),
  row("find src -name '*.js' | xargs sed -i 's/a/b/'", 'src'),
  row('git ls-files | xargs rm', 'src'),
  row('grep -rl foo src | xargs sed -i s/foo/bar/', 'src'),
  row('grep -rl foo tests | xargs sed -i s/foo/bar/', 'allowed'),
  row("find . -name '*.js' | xargs grep foo", 'allowed'),
  row('echo src/a.js | xargs -I{} cp lib/util.js {}', 'src/a.js'),
  row('env -C src touch x.js', 'src/x.js'),
  row('sudo -u root rm -rf src', 'src'),
  row('timeout 10 sed -i s/a/b/ src/a.js', 'src/a.js'),
  row('FOO=1 nohup nice -n 5 rm -rf src &', 'src'),
  row("bash <<'EOF'\nrm -rf src\nEOF", 'src'),
  row("bash <<< 'rm -rf src'", 'src'),
  row('{ echo a; echo b; } > src/a.js', 'src/a.js'),
  row('(echo a) > src/a.js', 'src/a.js'),
  row('if true; then rm -rf src; fi', 'src'),
  row('while true; do touch src/x.js; break; done', 'src/x.js'),
  row('f() { rm -rf src; }; f', 'src'),
  row('echo ok && \\\n  rm -rf src', 'src'),
];

const heredocs: Row[] = [
  row("cat <<'EOF' > notes.md\nrm -rf src\necho x > src/a.js\nEOF", 'allowed'),
  row('cat <<EOF > notes.md\ngit clean -fdx\nEOF\necho done > tests/log.txt', 'allowed'),
  row("git commit -m \"$(cat <<'EOF'\nfix: no more rm -rf src > src/a.js (really)\nEOF\n)\"", 'allowed'),
  row('cat <<EOF > src/a.js\nexport {}\nEOF', 'src/a.js'),
  row('cat <<-EOF > src/a.js\n\texport {}\n\tEOF', 'src/a.js'),
  row('cat > src/a.js <<"EOF"\nx\nEOF', 'src/a.js'),
  row('cat <<EOF > notes.md\nhello\nEOF\ntouch src/x.js', 'src/x.js'),
  row('cat <<EOF > notes.md\n$(rm -rf src)\nEOF', 'src'),
  row("cat <<'EOF' > notes.md\n$(rm -rf src)\nEOF", 'allowed'),
  row('cat <<A <<B > tests/x.txt\nrm -rf src\nA\ntouch src/a.js\nB', 'allowed'),
];

const staysAllowed: Row[] = [
  row('cat src/a.js', 'allowed'),
  row('grep -r x src', 'allowed'),
  row('ls -la src', 'allowed'),
  row('rm -rf node_modules', 'allowed'),
  row('rm -rf node_modules/x/src', 'allowed'),
  row('cd node_modules/x && rm -rf src', 'allowed'),
  row('rm -rf /tmp/x', 'allowed'),
  row('echo x > tests/a.test.js', 'allowed'),
  row('echo x > src/a.js', 'allowed', { cwd: 'node_modules/x/..' }),
  row("echo '> src/a.js'", 'allowed'),
  row('echo "rm -rf src" # > src/a.js', 'allowed'),
  row('node src/a.js > /dev/null 2>&1', 'allowed'),
  row('npm test 2>&1 | tee /tmp/test.log', 'allowed'),
  row('git status && git diff src && git log -1 --stat', 'allowed'),
  row('git add src && git commit -m "rm -rf src"', 'allowed'),
  row('cp src/a.js /tmp/a.js', 'allowed'),
  row('diff src/a.js tests/a.test.js > /tmp/d.txt', 'allowed'),
  row('sed -n 1,5p src/a.js', 'allowed'),
  row('[[ -f src/a.js ]] && echo yes', 'allowed'),
  row('(( 3 > 2 )) && echo yes', 'allowed', { cwd: 'src' }),
  row('command -v rm', 'allowed'),
  row('rm -rf build dist coverage', 'allowed'),
];

// What the gate does not see (it is a guard rail, not a sandbox): stated, so the README stays true.
const limits: Row[] = [
  row(`python3 -c "open('src/a.js','w').write('x')"`, 'unseen'),
  row(`node -e "require('fs').writeFileSync('src/a.js','')"`, 'unseen'),
  row('./scripts/clean.sh', 'unseen'),
  row('npm run format', 'unseen'),
  row('while read f; do rm "$f"; done < list.txt', 'unseen'),
  row('for f in $(ls src); do rm "src/$f"; done', 'unseen'),
  row('cat list.txt | xargs rm', 'unseen'),
  row('$EDITOR_CMD src/a.js', 'unseen'),
];

const deep = (levels: number) => {
  let command = 'echo x > src/a.js';
  for (let i = 0; i < levels; i += 1) command = `sh -c ${JSON.stringify(command)}`;
  return command;
};

const oddInput: Row[] = [
  row('echo "x > src/a.js', 'allowed'),
  row("echo x > src/a.js '", 'src/a.js'),
  row('echo $(( 1 +', 'no-throw'),
  row('echo ${', 'no-throw'),
  row('cat <<EOF\nno end', 'allowed'),
  row('rm -rf [z-a]* src/[', 'no-throw'),
  row('echo {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b} > tests/x', 'allowed'),
  row(')))(((;;&&||| > <', 'no-throw'),
  row('echo \u0000 > src/\u0000a.js', 'no-throw'),
  row('touch "src/ünïcødé ✓.js"', 'src/ünïcødé ✓.js'),
  row('constructor __proto__ toString; $__proto__ > x', 'no-throw'),
  row(deep(5), 'src/a.js'),
  row(deep(12), 'src/a.js'),
  row(`${'eval '.repeat(10)}touch src/a.js`, 'src/a.js'),
  row(`${'eval '.repeat(500)}touch src/a.js`, 'no-throw'),
  row(`${'echo $('.repeat(60)}touch src/a.js${')'.repeat(60)}`, 'no-throw'),
  row(`${'echo ok; '.repeat(11_000)}rm -rf src`, 'src'),
  row(`echo ${'a'.repeat(100_000)}`, 'allowed'),
  row('$('.repeat(50_000), 'no-throw'),
  row('('.repeat(100_000), 'no-throw'),
  row('{'.repeat(50_000) + '}'.repeat(50_000), 'no-throw'),
  row(`echo "${'\\"'.repeat(50_000)}`, 'no-throw'),
  row(`cat <<EOF\n${'rm -rf src\n'.repeat(9_000)}EOF\necho done`, 'allowed'),
  row(`echo ${'[a'.repeat(50_000)}`, 'no-throw'),
];

const table: Row[] = [...fromTheIssue, ...handledBefore, ...otherWriters, ...wholeTrees, ...shellReading, ...heredocs, ...staysAllowed, ...limits, ...oddInput];

async function verdict(command: string, cwd = '.', globs = ['src/**']) {
  return protectedWrite({ tool_name: 'Bash', tool_input: { command } }, root, path.join(root, cwd), globs);
}

const label = (item: Row) => {
  const text = JSON.stringify(item.command);
  return `${text.length > 90 ? `${text.slice(0, 87)}...` : text}${item.cwd ? ` in ${item.cwd}` : ''}${item.globs ? ` with ${item.globs.join(',')}` : ''}`;
};

describe('the gate reads Bash: a table of commands and verdicts', () => {
  afterAll(() => {
    const count = (test: (expect: Verdict) => boolean) => table.filter((item) => test(item.expect)).length;
    const fixed = ['allowed', 'unseen', 'no-throw'];
    console.log(
      `gate table: ${table.length} rows: ${count((e) => !fixed.includes(e))} blocked, ${count((e) => e === 'allowed')} allowed, ` +
        `${count((e) => e === 'unseen')} allowed as known limits, ${count((e) => e === 'no-throw')} odd inputs that must only not throw`,
    );
  });

  for (const item of table) {
    const expected = item.expect === 'allowed' || item.expect === 'unseen' ? 'allowed' : item.expect === 'no-throw' ? 'answers' : `blocks ${item.expect}`;
    it(`${expected}: ${label(item)}`, async () => {
      const started = performance.now();
      const hit = await verdict(item.command, item.cwd, item.globs);
      // Well inside the hook's 10 s timeout, even for 100 KB of odd input on a busy machine.
      expect(performance.now() - started).toBeLessThan(2_000);
      if (item.expect === 'allowed' || item.expect === 'unseen') expect(hit).toBeNull();
      else if (item.expect !== 'no-throw') expect(hit?.path).toBe(item.expect);
    });
  }

  it('never throws on random token soup, and answers fast', async () => {
    const tokens = ["'", '"', '$(', ')', '`', '\\', '<<', '<<-', 'EOF', '\n', ';', '|', '&', '>', '>&', '<', '{', '}', '[', ']', '*', '?', '~', ' ', 'rm', '-rf', 'src', 'sh', '-c', 'cd', '..', '$x', '${', '((', 'for', 'in', 'do', 'done', 'find', '-exec', 'xargs', '{}', '\\;', '=', 'eval', '#', '\t', '\u0000', 'é', 'git', 'stash', 'cp', '-r', '.', '/'];
    let seed = 9;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const started = performance.now();
    for (let n = 0; n < 500; n += 1) {
      const command = Array.from({ length: 1 + Math.floor(random() * 60) }, () => tokens[Math.floor(random() * tokens.length)]).join('');
      await expect(verdict(command), JSON.stringify(command)).resolves.not.toThrow();
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('Write and Edit paths keep their meaning: node_modules/x/src is not src, outside the project does not count', async () => {
    const call = (file_path: string) => protectedWrite({ tool_name: 'Write', tool_input: { file_path } }, root, root, ['src/**']);
    expect(await call(path.join(root, 'src/a.js'))).toEqual({ path: 'src/a.js', glob: 'src/**' });
    expect((await call(path.join(root, 'alias/a.js')))?.path).toBe('src/a.js');
    expect(await call(path.join(root, 'node_modules/x/src/y.js'))).toBeNull();
    expect(await call(path.join(outside, 'src/x.js'))).toBeNull();
    expect(await call(path.join(root, '..foo/src/a.js'))).toBeNull();
  });
});

describe('gate refusals: one line each, counted per session', () => {
  it('counts by session id when a line has one (a hook session), else by the session\'s time', async () => {
    const dir = tree({});
    const paths = projectPaths(dir);
    mkdirSync(paths.progressDir, { recursive: true });
    const refusal = (at: string, session_id: string | null) => recordGateRefusal(paths, { at, session_id, tool_name: 'Bash', path: 'src', glob: 'src/**' });
    await refusal('2025-01-01T10:00:00.000Z', 'claude-1');
    await refusal('2025-01-01T10:05:00.000Z', 'claude-1');
    await refusal('2025-01-01T10:06:00.000Z', 'claude-2');
    await refusal('2025-01-01T10:07:00.000Z', null);
    await refusal('2025-01-01T12:00:00.000Z', null);
    writeFileSync(path.join(paths.progressDir, 'gate-refusals.jsonl'), '{"torn', { flag: 'a' });
    const hookSession = { session_id: 'claude-1', source: 'startup', started_at: '2025-01-01T09:00:00.000Z', ended_at: '2025-01-01T11:00:00.000Z' };
    expect(await countGateRefusals(paths, hookSession)).toBe(3); // its two, and the one without an id in its time
    // A session begun by `baton entry` has an id of baton's own: the hook's ids never match it, its time does.
    const cliSession = { ...hookSession, session_id: 'e0c9f1d2', source: 'cli', ended_at: null };
    expect(await countGateRefusals(paths, cliSession)).toBe(5);
    const none = tree({});
    expect(await countGateRefusals(projectPaths(none), hookSession)).toBe(0);
    for (const made of [dir, none]) rmSync(made, { recursive: true, force: true });
  });
});
