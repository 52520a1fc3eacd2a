// Fake versions of what the Spark images have, for the real startscript and run under a
// temporary root: tini, setpriv, gosu, chown and Jupyter's start.sh on PATH, and a SPARK_HOME whose sbin
// scripts record how they were started. Every fake appends one line to $KD_ROOT/.test/calls.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_RECORDS } from '../../support/agents.js';

const record = (name: string) => `#!/bin/sh
mkdir -p "$KD_ROOT${TEST_RECORDS}"
printf '%s\\n' "${name} $*" >> "$KD_ROOT${TEST_RECORDS}/calls"
`;

/** A fake that records its argv, then execs what follows its first `--`. */
const wrapper = (name: string) => `${record(name)}while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
shift
exec "$@"
`;

/** A fake daemon script: records its argv and the environment run gave it, then exits 0. */
const daemon = (
  name: string,
) => `${record(name)}printf '%s\\n' "${name} env SPARK_CONF_DIR=$SPARK_CONF_DIR SPARK_NO_DAEMONIZE=\${SPARK_NO_DAEMONIZE:-} USER=\${USER:-} HOME=\${HOME:-}" >> "$KD_ROOT${TEST_RECORDS}/calls"
`;

function install(file: string, content: string) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, 0o755);
}

export const SPARK_HOME = '/opt/spark';

/** Installs the fakes into root (idempotently) and returns the environment that finds them. */
export function installFakes(root: string): Record<string, string> {
  const bin = join(root, 'fakebin');
  if (!existsSync(join(bin, 'start.sh'))) {
    install(join(bin, 'tini'), wrapper('tini'));
    install(join(bin, 'setpriv'), wrapper('setpriv'));
    // gosu USER:GROUP COMMAND...: records, then execs the command.
    install(join(bin, 'gosu'), `${record('gosu')}shift\nexec "$@"\n`);
    install(join(bin, 'chown'), record('chown'));
    install(join(bin, 'start.sh'), daemon('start.sh'));
    install(join(root, SPARK_HOME, 'sbin/start-master.sh'), daemon('start-master.sh'));
    install(join(root, SPARK_HOME, 'sbin/start-worker.sh'), daemon('start-worker.sh'));
  }
  return { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, SPARK_HOME: join(root, SPARK_HOME) };
}

/** `KEY=value` lines (spark-env.sh) or `key value` lines (spark-defaults.conf), comments skipped. */
export function parseConf(text: string, separator: '=' | ' '): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf(separator);
    entries[line.slice(0, at)] = line.slice(at + 1);
  }
  return entries;
}
