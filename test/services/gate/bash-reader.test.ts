/**
 * The gate's reading of a Bash line, against the source (services/gate/bash-reader.ts): which paths
 * a command would write, relative to which directory, and whether it rewrites a whole tree.
 * test/gate.test.ts checks the verdicts (blocked or allowed) as a table; this checks what the
 * reader hands the gate, word by word, over a real directory tree.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bashWriteTargets, type WriteTarget } from '../../../services/gate/bash-reader.js';

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-gate-bash-')));
for (const file of ['src/a.js', 'src/b.js', 'src/deep/c.js', 'lib/util.js']) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), 'x\n');
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (relative: string) => (relative === '.' ? root : path.join(root, relative));

/** What the reader found, with each target resolved against its directory (relative to the test tree). */
function written(line: string, cwd = '.'): { path: string; tree: boolean }[] {
  return bashWriteTargets(line, at(cwd)).map((found: WriteTarget) => ({ path: path.relative(root, path.resolve(found.cwd, found.target)) || '.', tree: found.tree }));
}
const paths = (line: string, cwd = '.') => written(line, cwd).map((found) => found.path);

describe('words: quotes and escapes', () => {
  it('single and double quotes keep spaces and operators inside one word', () => {
    expect(paths(`touch 'src/my file.js' "src/x > y.js"`)).toEqual(['src/my file.js', 'src/x > y.js']);
  });

  it('pieces of one word join: quoted and unquoted parts next to each other', () => {
    expect(paths(`touch src/'a'"b".js`)).toEqual(['src/ab.js']);
  });

  it('a backslash escapes a space, and a backslash-newline joins lines', () => {
    expect(paths('touch src/my\\ file.js')).toEqual(['src/my file.js']);
    expect(paths('touch \\\nsrc/a.js')).toEqual(['src/a.js']);
  });

  it("ANSI-C quoting ($'...') turns its escapes into characters", () => {
    expect(paths("touch $'src/tab\\there.js'")).toEqual(['src/tab\there.js']);
  });

  it('a quoted operator is text, not a redirect; a comment is not read', () => {
    expect(paths("echo '>' src/a.js")).toEqual([]);
    expect(paths('echo hi # > src/a.js')).toEqual([]);
  });
});

describe('redirects', () => {
  it('each output redirect is a write; input and descriptor duplications are not', () => {
    expect(paths('cmd > src/a.js 2>> src/b.js < lib/util.js')).toEqual(['src/a.js', 'src/b.js']);
    expect(paths('cmd 2>&1 >&- 3<&0')).toEqual([]);
  });

  it('>&file writes the file, as &> does', () => {
    expect(paths('cmd >&src/a.js')).toEqual(['src/a.js']);
    expect(paths('cmd &> src/b.js')).toEqual(['src/b.js']);
  });
});

describe('expansions', () => {
  it('a variable set earlier on the line, and ${VAR:-default}, expand to their values', () => {
    expect(paths('D=src/deep; touch $D/n.js "${NOPE:-lib}/m.js"')).toEqual(['src/deep/n.js', 'lib/m.js']);
  });

  it('~ is the home directory', () => {
    expect(bashWriteTargets('touch ~/x.txt', root).map((found) => path.resolve(found.cwd, found.target))).toEqual([path.join(os.homedir(), 'x.txt')]);
  });

  it('braces expand to each alternative, and a range to each number', () => {
    expect(paths('touch src/{x,y}.js lib/f{1..3}.js')).toEqual(['src/x.js', 'src/y.js', 'lib/f1.js', 'lib/f2.js', 'lib/f3.js']);
  });

  it('globs match the real files; a quoted glob is a name', () => {
    expect(paths('rm src/*.js')).toEqual(['src/a.js', 'src/b.js']);
    expect(paths("rm 'src/*.js'")).toEqual(['src/*.js']);
  });
});

describe('where a command runs', () => {
  it('cd on the line moves the directory the next commands are relative to', () => {
    expect(paths('cd src && touch n.js && cd deep && touch m.js')).toEqual(['src/n.js', 'src/deep/m.js']);
  });

  it('a cd inside a subshell ends with it', () => {
    expect(paths('(cd src && touch n.js); touch m.js')).toEqual(['src/n.js', 'm.js']);
  });

  it('the directory the line starts in counts', () => {
    expect(paths('touch n.js ../lib/m.js', 'src')).toEqual(['src/n.js', 'lib/m.js']);
  });
});

describe('whole trees', () => {
  it('rm -r rewrites a tree; rm of a file and touch do not', () => {
    expect(written('rm -r src/deep')).toEqual([{ path: 'src/deep', tree: true }]);
    expect(written('rm src/a.js')).toEqual([{ path: 'src/a.js', tree: false }]);
    expect(written('touch src/n.js')).toEqual([{ path: 'src/n.js', tree: false }]);
  });

  it('a script inside sh -c, eval and $(...) is read like the line itself', () => {
    expect(paths(`sh -c 'cd src && rm -rf deep'`)).toEqual(['src/deep']);
    expect(paths('eval "touch src/n.js"')).toEqual(['src/n.js']);
    expect(paths('echo $(touch src/n.js) `touch src/m.js`')).toEqual(['src/n.js', 'src/m.js']);
  });

  it('a heredoc is data for cat, but a script for a shell', () => {
    expect(paths("cat <<'EOF' > notes.md\nrm -rf src\nEOF")).toEqual(['notes.md']);
    expect(paths("bash <<'EOF'\nrm -rf src\nEOF")).toEqual(['src']);
  });
});

describe('odd input', () => {
  it('an unclosed quote, a lone operator or a deep nest gives an answer, never a throw', () => {
    for (const line of ['echo "x > src/a.js', '>', '$('.repeat(1000), "cat <<EOF\nno end", ';;&&||']) {
      expect(() => bashWriteTargets(line, root), JSON.stringify(line.slice(0, 30))).not.toThrow();
    }
  });
});
