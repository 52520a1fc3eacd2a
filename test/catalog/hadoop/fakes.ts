// Fake Hadoop tools for the hadoop app's tests. Each appends `<tool> <args>` to
// $KD_ROOT/.test/calls (TEST_RECORDS outlives container restarts) and answers as the tests need:
// `hdfs dfsadmin -report` lists the datanodes in $FAKE_HDFS/datanodes, those in the
// controller's exclude file ($FAKE_EXCLUDE) "Decommission In Progress" on their first report and
// "Decommissioned" from then on (marked by $FAKE_HDFS/decommissioned.<host>), unless
// $FAKE_HDFS/stuck exists.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const record = (tool: string) => `mkdir -p "$KD_ROOT/.test" && echo "${tool} $*" >>"$KD_ROOT/.test/calls"`;

const HDFS = `#!/bin/sh
${record('hdfs')}
if [ "$1 $2" = "dfsadmin -report" ]; then
  echo "Configured Capacity: 1000 (1 KB)"
  echo "-------------------------------------------------"
  echo "Live datanodes (4):"
  echo
  while IFS= read -r host; do
    [ -n "$host" ] || continue
    status=Normal
    if [ -f "$FAKE_EXCLUDE" ] && grep -qx "$host" "$FAKE_EXCLUDE"; then
      if [ -f "$FAKE_HDFS/reported.$host" ] && [ ! -f "$FAKE_HDFS/stuck" ]; then
        status=Decommissioned
        touch "$FAKE_HDFS/decommissioned.$host"
      else
        status="Decommission In Progress"
        touch "$FAKE_HDFS/reported.$host"
      fi
    fi
    echo "Name: 10.0.0.1:9866 ($host)"
    echo "Hostname: $host"
    echo "Decommission Status : $status"
    echo "Configured Capacity: 250 (250 B)"
    echo
  done <"$FAKE_HDFS/datanodes"
fi
exit 0
`;

const YARN = `#!/bin/sh
${record('yarn')}
exit 0
`;

/** Installs the fakes into a container's root (idempotent); returns the environment they need. */
export function installFakes(root: string, shared: string, exclude: string): Record<string, string> {
  const bin = join(root, 'opt/hadoop/bin');
  if (!existsSync(join(bin, 'hdfs'))) {
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'hdfs'), HDFS);
    writeFileSync(join(bin, 'yarn'), YARN);
    chmodSync(join(bin, 'hdfs'), 0o755);
    chmodSync(join(bin, 'yarn'), 0o755);
    // The image's own configuration directory, which --configure copies before writing its files.
    mkdirSync(join(root, 'opt/hadoop/etc/hadoop'), { recursive: true });
    writeFileSync(join(root, 'opt/hadoop/etc/hadoop/log4j.properties'), 'hadoop.root.logger=INFO,console\n');
    writeFileSync(join(root, 'opt/hadoop/etc/hadoop/core-site.xml'), '<configuration></configuration>\n');
  }
  return { FAKE_HDFS: shared, FAKE_EXCLUDE: exclude, HADOOP_DECOMMISSION_WAIT: '3', HADOOP_DECOMMISSION_POLL: '1' };
}
