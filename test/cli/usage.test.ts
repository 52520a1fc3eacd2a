// The command line's usage: help for every command, the version, and exit 2 for what it cannot parse.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../../src/server/config.js';
import { cli } from '../support/cli.js';
import { repoPath } from '../support/fixtures.js';

t.test('exit 2 for wrong usage, saying what is wrong', async (t) => {
  for (const [args, message] of [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['render'], /render needs -f FILE/],
    [['render', '-f'], /Option '-f, --filename <value>' argument missing/],
    [['render', '-f', 'clusters/spark.yaml', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['serve', '--port', '80'], /Unknown option '--port'/],
    [['demo', 'hadoop'], /no example "hadoop"; there are spark, cassandra/],
  ] as const) {
    const result = cli([...args]);
    t.equal(result.status, 2, args.join(' '));
    t.match(result.stderr, message, args.join(' '));
    t.match(result.stderr, /Run kubedirector-hooks --help for usage\./);
    t.equal(result.stdout, '');
  }
});

t.test('every command has --help and -h: usage on stdout, exit 0, nothing else done', async (t) => {
  for (const [args, usage] of [
    [[], /^usage: kubedirector-hooks \[COMMAND\]/],
    [['help'], /^usage: kubedirector-hooks \[COMMAND\]/],
    [['serve'], /^usage: kubedirector-hooks serve\n/],
    [['render'], /^usage: kubedirector-hooks render -f FILE/],
    [['demo'], /^usage: kubedirector-hooks demo \[EXAMPLE\]/],
  ] as const) {
    for (const flag of ['--help', '-h']) {
      // serve would run until killed; the timeout makes a server that started a failure.
      const result = cli([...args, flag], undefined, 20_000);
      t.equal(result.status, 0, `${[...args, flag].join(' ')}: ${result.stderr}`);
      t.match(result.stdout, usage, [...args, flag].join(' '));
      t.notMatch(result.stdout, /\$ kubectl/, 'the demo did not run');
    }
  }
  const renderHelp = cli(['help', 'render']).stdout;
  t.match(renderHelp, /exit status: 0 rendered, 1 invalid input/);
  t.match(renderHelp, `--system-namespace NS  where kd-global-config and the system catalog live (default: ${DEFAULTS.systemNamespace})`);
});

t.test('--version prints the version of package.json, alone or after any command', async (t) => {
  const { version } = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
  for (const command of [[], ['help'], ['serve'], ['render'], ['render', '-f', 'clusters/spark.yaml'], ['demo'], ['demo', 'spark']]) {
    for (const flag of ['--version', '-V']) {
      const args = [...command, flag];
      // serve would run until killed and demo would print its steps: only the version may come out.
      const result = cli(args, undefined, 20_000);
      t.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      t.equal(result.stdout, `${version}\n`, args.join(' '));
      t.equal(result.stderr, '', args.join(' '));
    }
  }
});
