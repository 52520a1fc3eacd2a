// The agent must run in any image with /bin/sh: POSIX sh and awk only.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_PATH, Guest, buildPackage, failureReport, have, member, startscriptOutput } from '../support/guest.js';

const source = readFileSync(AGENT_PATH, 'utf8');
/** Code lines, comments dropped (shellcheck directives and prose may name what is forbidden). */
const code = source
  .split('\n')
  .map((line, i) => ({ line: line.replace(/^\s*#.*$/, '').replace(/\s+#\s.*$/, ''), number: i + 1 }))
  .filter(({ line }) => line.trim() !== '');

const FORBIDDEN: [RegExp, string][] = [
  [/\[\[/, '[[ ]] is bash'],
  [/(^|[\s;])local\s/, 'local is not POSIX'],
  [/(^|[\s;(])(declare|typeset|shopt|let)\s/, 'bash builtins'],
  [/(^|[\s;])source\s/, 'source is bash; use .'],
  [/\bfunction\s+\w+\s*(\(\s*\))?\s*\{/, 'the function keyword'],
  [/<<</, 'here-strings'],
  [/\$'/, "$'...' quoting"],
  [/&>/, '&> redirection'],
  [/\becho\s+-[neE]+\s/, 'echo options'],
  [/\$\{\w+:(\d| -)/, '${var:offset} substrings'],
  [/\$\{\w+\/\/?/, '${var/pattern/replacement}'],
  [/\$\{!/, 'indirect expansion'],
  [/\w+=\(\s*[^(]/, 'arrays'],
  [/\bpipefail\b/, 'pipefail'],
  [/\$(RANDOM|BASH\w*|EPOCHSECONDS|SECONDS)\b/, 'bash variables'],
  [/\bsed\b[^|;]*\s-i\b/, 'sed -i is GNU'],
  [/\bdate\b[^|;]*\+%s/, 'date +%s is GNU'],
  [/\breadlink\b/, 'readlink is not POSIX'],
  [/\bstat\s+-c\b/, 'stat -c is GNU'],
  [/\bhead\s+-c\b/, 'head -c is not POSIX'],
  [/\bmktemp\b/, 'mktemp is not POSIX'],
  [/\bjq\b/, 'jq is not in every image'],
  [/\b(gawk|bash|seq|timeout|realpath|setsid|flock)\b/, 'not POSIX'],
  [/\b(grep|sort|cut|tail|cp|mv|rm|tar)\s+--\w/, 'GNU long options'],
];

t.test('no bash-isms or GNU-only commands', async (t) => {
  t.ok(source.startsWith('#!/bin/sh\n'));
  for (const [pattern, why] of FORBIDDEN) {
    const hits = code.filter(({ line }) => pattern.test(line)).map(({ line, number }) => `${number}: ${line.trim()}`);
    t.same(hits, [], why);
  }
});

t.test('parses as POSIX sh', async (t) => {
  const shells = [
    ['/bin/sh', '-n'],
    ...(have('bash') ? [['bash', '--posix', '-n']] : []),
    ...(have('busybox') ? [['busybox', 'sh', '-n']] : []),
  ];
  for (const [shell, ...args] of shells) {
    const result = spawnSync(shell!, [...args, AGENT_PATH], { encoding: 'utf8' });
    t.equal(result.status, 0, `${shell} ${args.join(' ')}: ${result.stderr}`);
  }
});

const checkers = [
  ...(have('checkbashisms') ? [['checkbashisms', '--posix', '--extra']] : []),
  ...(have('shellcheck') ? [['shellcheck', '-s', 'sh', '-S', 'warning']] : []),
];
t.test('POSIX checkers', { skip: checkers.length === 0 ? 'neither checkbashisms nor shellcheck is installed' : false }, async (t) => {
  for (const [checker, ...args] of checkers) {
    const result = spawnSync(checker!, [...args, AGENT_PATH], { encoding: 'utf8' });
    t.equal(result.status, 0, `${checker}:\n${result.stdout}${result.stderr}`);
  }
});

// The same scenario with every other POSIX shell at hand (the other tests use /bin/sh).
const shells: [string, string[]][] = [
  ...(have('bash') ? [['bash --posix', ['bash', '--posix']] as [string, string[]]] : []),
  ...(have('busybox') ? [['busybox sh', ['busybox', 'sh']] as [string, string[]]] : []),
  ...['dash', 'posh', 'yash', 'ksh', 'mksh'].filter(have).map((s) => [s, [s]] as [string, string[]]),
];
for (const [name, shell] of shells) {
  t.test(`configure, notifications and a failure report with ${name}`, async (t) => {
    const members = [member('demo-controller-0', 'controller', 1), member('demo-worker-0', 'worker', 2)];
    const guest = new Guest(join(t.testdir(), 'root'), {
      pod: 'demo-worker-0',
      role: 'worker',
      packageUrl: 'file:///packages/app.tgz',
      maxLog: 64,
    });
    guest.write('/packages/app.tgz', buildPackage(guest.root));
    guest.writeSecrets({ controller: { a: 1 }, worker: { b: 2 } }, { s: { data: {} } });
    const run = async (command: string, expected = 0) => {
      const result = await guest.run(command, { shell });
      t.equal(result.code, expected, `${command}: ${result.stderr}`);
      return result;
    };

    guest.publish({ generation: 1, members });
    guest.failEvent('configure', 9);
    await run('step', 1);
    const failing = startscriptOutput('configure', { failing: true });
    t.equal(guest.termination(), failureReport('startscript --configure exited with status 9', failing.stdout, failing.stderr));
    await run('alive', 1);

    guest.healEvent('configure');
    await run('step');
    t.equal(guest.termination(), '');
    t.same((guest.configmeta() as { node: { node_id: string } }).node.node_id, '2');
    t.same((guest.configmeta() as { connections: { secrets: unknown } }).connections.secrets, { s: { data: {} } });
    await run('ready', 0);
    await run('alive', 0);

    guest.publish({
      generation: 2,
      members,
      events: [
        ['2.2', 'worker', '--delnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'a.x'],
        ['2.1', 'controller,worker', '--addnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'a.x,c.x'],
      ],
    });
    await run('step');
    t.same(guest.calls(), [
      '1|--configure',
      '1|--configure',
      '7|--addnodes --nodegroup 1 --role worker --fqdns a.x,c.x',
      '7|--delnodes --nodegroup 1 --role worker --fqdns a.x',
    ]);
    t.equal(guest.state('processed'), '2');
  });
}
