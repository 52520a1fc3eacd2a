#!/usr/bin/env node
// kubedirector-hooks: serve the hooks (default), render a cluster, or run the demo.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../server/config.js';
import { EXAMPLES, demo } from './demo.js';
import { render } from './render.js';

const USAGE = `usage:
  kubedirector-hooks [serve]                     run the hook server (settings from the environment)
  kubedirector-hooks render -f FILE [-f FILE]... print the children and status the hooks would produce
        [-n NAMESPACE] [--uid UID] [--system-namespace NS]   (FILE - reads standard input)
  kubedirector-hooks demo [${Object.keys(EXAMPLES).join('|')}]...   bring up the examples on a simulated cluster`;

const REPO = new URL('../../', import.meta.url);

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      await import('../server/main.js');
      return;
    case 'render': {
      const { values } = parseArgs({
        args: rest,
        options: {
          filename: { type: 'string', short: 'f', multiple: true },
          namespace: { type: 'string', short: 'n' },
          uid: { type: 'string', default: '00000000-0000-0000-0000-000000000000' },
          'system-namespace': { type: 'string', default: DEFAULTS.systemNamespace },
        },
      });
      if (!values.filename?.length) throw new Error('render needs -f FILE (the cluster, its app, optionally kd-global-config)');
      const documents = values.filename.map((file) => readFileSync(file === '-' ? 0 : file, 'utf8'));
      process.stdout.write(
        render({ documents, namespace: values.namespace, uid: values.uid, systemNamespace: values['system-namespace'] }),
      );
      return;
    }
    case 'demo':
      await demo(rest.length > 0 ? rest : Object.keys(EXAMPLES), REPO, (text) => {
        console.log(text);
      });
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`kubedirector-hooks: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
