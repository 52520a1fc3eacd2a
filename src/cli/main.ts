#!/usr/bin/env node
// kubedirector-hooks: serve the hooks (default), render a cluster, or run the demo.
// Exit codes as kubectl and helm use them: 0 done, 1 invalid input, 2 wrong usage.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXAMPLES } from './examples.js';

const REPO = new URL('../../', import.meta.url);

// Each command loads its modules when it runs, so that help and usage errors answer at once.
const SYSTEM_NAMESPACE = 'kubedirector';

const HELP = {
  main: `usage: kubedirector-hooks [COMMAND] [--help] [--version]

commands:
  serve    run the hook server (the default)
  render   print the children and status the hooks would produce for a cluster
  demo     bring up the examples on a simulated cluster

Run kubedirector-hooks COMMAND --help for a command's options.`,
  serve: `usage: kubedirector-hooks serve

Runs the hook server. It takes its settings from the environment (PORT, HOST, METRICS_PORT, ...;
see the README), not from flags.`,
  render: `usage: kubedirector-hooks render -f FILE [-f FILE]... [options]

Prints, as YAML for kubectl apply, the children the hooks would create for a new cluster, with the
status they would report as a leading comment.

options:
  -f, --filename FILE        a KubeDirectorCluster, its KubeDirectorApp (and the ConfigMap carrying
                             its package), optionally kd-global-config; a directory reads its
                             *.yaml, *.yml and *.json files; - reads standard input
  -n, --namespace NS         the cluster's namespace (default: its metadata.namespace, else default)
      --uid UID              the cluster's uid (default: derived from its namespace and name)
      --system-namespace NS  where kd-global-config and the system catalog live (default: ${SYSTEM_NAMESPACE})

exit status: 0 rendered, 1 invalid input (YAML, missing app, invalid spec), 2 wrong usage`,
  demo: `usage: kubedirector-hooks demo [EXAMPLE]...

Brings up the example apps and clusters on a simulated Kubernetes with Metacontroller, against the
real hook server, and prints each step as kubectl shows it.

examples: ${Object.keys(EXAMPLES).join(', ')} (default: all)`,
};

/** A command line that does not say what to do. */
class UsageError extends Error {}

// Every command takes these, as kubectl and helm do.
const COMMON_OPTIONS = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } } as const;

function parse<O extends ParseArgsConfig['options']>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Answers --version, then --help (with the command's usage); true when one was asked. */
function answeredCommonOption(values: { help?: boolean; version?: boolean }, help: string): boolean {
  if (values.version) console.log(version());
  else if (values.help) console.log(help);
  return values.version === true || values.help === true;
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('package.json', REPO), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  const command = first === undefined || first.startsWith('-') ? undefined : first;
  const args = command === undefined ? argv : rest;
  switch (command) {
    case undefined: {
      if (args.includes('--version') || args.includes('-V')) {
        console.log(version());
        return;
      }
      if (args.includes('--help') || args.includes('-h')) {
        console.log(HELP.main);
        return;
      }
      parse(args, {});
      await import('../server/main.js');
      return;
    }
    case 'help':
      if (args.includes('--version') || args.includes('-V')) {
        console.log(version());
        return;
      }
      console.log(args[0] !== undefined && Object.hasOwn(HELP, args[0]) ? HELP[args[0] as keyof typeof HELP] : HELP.main);
      return;
    case 'serve': {
      if (answeredCommonOption(parse(args, {}).values, HELP.serve)) return;
      await import('../server/main.js');
      return;
    }
    case 'render': {
      const { values } = parse(args, {
        filename: { type: 'string', short: 'f', multiple: true },
        namespace: { type: 'string', short: 'n' },
        uid: { type: 'string' },
        'system-namespace': { type: 'string', default: SYSTEM_NAMESPACE },
      });
      if (answeredCommonOption(values, HELP.render)) return;
      if (!values.filename?.length) throw new UsageError('render needs -f FILE (the cluster, its app, optionally kd-global-config)');
      const [{ readInputs }, { render }] = await Promise.all([import('./inputs.js'), import('./render.js')]);
      const documents = readInputs(values.filename);
      process.stdout.write(
        render({ documents, namespace: values.namespace, uid: values.uid, systemNamespace: values['system-namespace'] }),
      );
      return;
    }
    case 'demo': {
      const { values, positionals } = parse(args, {}, true);
      if (answeredCommonOption(values, HELP.demo)) return;
      const unknown = positionals.find((name) => !(name in EXAMPLES));
      if (unknown) throw new UsageError(`no example "${unknown}"; there are ${Object.keys(EXAMPLES).join(', ')}`);
      const { demo } = await import('./demo.js');
      await demo(positionals.length > 0 ? positionals : Object.keys(EXAMPLES), REPO, (text) => {
        console.log(text);
      });
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// A reader that stops early (| head) is not an error, as for kubectl.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    console.error(`kubedirector-hooks: ${message}\nRun kubedirector-hooks --help for usage.`);
    process.exit(2);
  }
  console.error(`kubedirector-hooks: ${message}`);
  process.exit(1);
});
