// Every shell script the project ships or runs (CI, the control-plane build, the agent, the
// catalog's setup packages) passes shellcheck at warning level, in the dialect its shebang names.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { have } from '../support/guest.js';
import { REPO } from '../support/metacontroller.js';

const ROOTS = ['.ci', 'src', 'test', 'catalog', 'metacontroller', 'bench'];
const SKIP = new Set(['node_modules', '.tap', 'charts']);

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** The shell dialect of a script, from its shebang or its .sh name (POSIX sh). */
function dialect(path: string): 'sh' | 'bash' | undefined {
  const head = readFileSync(path).subarray(0, 64).toString('utf8');
  const shebang = /^#!\s*(?:\/usr\/bin\/env\s+)?\S*?\b(bash|sh)\b/.exec(head);
  if (shebang) return shebang[1] as 'sh' | 'bash';
  return path.endsWith('.sh') ? 'sh' : undefined;
}

const scripts = ROOTS.map((root) => join(REPO, root))
  .filter((root) => statSync(root, { throwIfNoEntry: false })?.isDirectory())
  .flatMap((root) => [...files(root)])
  .flatMap((path) => {
    const shell = dialect(path);
    return shell ? [{ path, shell }] : [];
  });

t.test('the scripts are found', async (t) => {
  const names = scripts.map((s) => relative(REPO, s.path));
  t.ok(names.includes('.ci/run') && names.includes(join('src', 'guest', 'agent.sh')), names.join(', '));
});

t.test('shellcheck finds nothing', { skip: have('shellcheck') ? false : 'shellcheck is not installed' }, async (t) => {
  for (const { path, shell } of scripts) {
    const result = spawnSync('shellcheck', ['-s', shell, '-S', 'warning', '-x', path], { encoding: 'utf8', cwd: REPO });
    t.equal(result.status, 0, `${relative(REPO, path)}:\n${result.stdout}${result.stderr}`);
  }
});
