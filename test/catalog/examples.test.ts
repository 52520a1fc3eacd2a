// Every example cluster whose catalog app carries a setup package: its rendered members carry
// the package (byte for byte what the catalog packed), the agent, and the member channel.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { readdirSync } from 'node:fs';
import type { KubeObject } from '../../src/api/meta.js';
import { AGENT, CHANNEL_MOUNT, CHANNEL_VOLUME } from '../../src/guest/index.js';
import { SIDECAR_CONTAINER } from '../../src/reconcile/render/channel.js';
import { catalogEntries } from '../support/catalog.js';
import { readYaml, repoPath } from '../support/fixtures.js';
import { kubernetesErrors } from '../support/kube-validate.js';
import { condition, named, run, stored } from '../support/requests.js';

const entries = catalogEntries();
const examples = readdirSync(repoPath('clusters'))
  .filter((f) => f.endsWith('.yaml'))
  .map((file) => ({ file, manifest: readYaml<{ spec: { app: string } }>(`clusters/${file}`) }))
  .map((e) => ({ ...e, entry: entries.find((c) => c.app.metadata.name === e.manifest.spec.app) }));

t.ok(
  examples.some((e) => e.entry?.package),
  'at least one example cluster runs an app with a setup package',
);

for (const { file, manifest, entry } of examples.filter((e) => e.entry?.package)) {
  t.test(`${file}: members carry ${entry!.dir}'s package, the agent and the channel`, async (t) => {
    const carried = entry!.package!;
    const { children, status } = run({ parent: stored(manifest), apps: [entry!.app, carried] });
    t.equal(condition(status, 'Valid').status, 'True', 'valid');
    t.same(children.flatMap(kubernetesErrors), [], 'every child is valid Kubernetes');
    const configMap = named(children, 'ConfigMap')[0] as KubeObject & { data: Record<string, string>; binaryData: Record<string, string> };
    const packed = (carried.binaryData as Record<string, string>)['appconfig.tgz']!;
    const tar = gunzipSync(Buffer.from(packed, 'base64')).toString('latin1');
    t.match(tar, 'appconfig/startscript', 'the package holds its startscript');
    for (const set of named(children, 'StatefulSet') as any[]) {
      const role = set.metadata.labels['kubedirector.hpe.com/role'] as string;
      const [app, ...others] = set.spec.template.spec.containers;
      const env = Object.fromEntries((app.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
      t.equal(env.KD_PACKAGE_URL, `configmap://${carried.metadata.name}/appconfig.tgz`, `${role}: the agent installs it`);
      t.equal(
        configMap.binaryData[env.KD_PACKAGE_KEY!],
        packed,
        `${role}: the cluster's ConfigMap carries the package as packed, where KD_PACKAGE_KEY says`,
      );
      t.same(app.lifecycle.postStart.exec.command, ['/bin/sh', AGENT, 'start'], `${role}: the agent starts beside the app`);
      t.ok(
        app.volumeMounts.some((m: { name: string; mountPath: string }) => m.name === CHANNEL_VOLUME && m.mountPath === CHANNEL_MOUNT),
        `${role}: the app container mounts the channel`,
      );
      t.same(
        others.map((c: { name: string }) => c.name),
        [SIDECAR_CONTAINER],
        `${role}: the member sidecar runs beside it`,
      );
    }
    t.ok(configMap.data['agent.sh']?.startsWith('#!/bin/sh'), 'the agent is in the ConfigMap');
  });
}
