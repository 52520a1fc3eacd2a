// `demo`: the example apps and clusters of this repository brought up on a simulated Kubernetes
// with Metacontroller, against the real hook server, printed step by step as kubectl shows them.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import type { KubeDirectorApp, KubeDirectorCluster } from '../api/resources.js';
import { buildServer } from '../server/app.js';
import { Simulator, agentModel } from '../sim/index.js';
import { isObject } from '../sim/json.js';
import { EXAMPLES } from './examples.js';

const NAMESPACE = 'default';

const read = (root: URL, path: string): unknown => parse(readFileSync(new URL(path, root), 'utf8'));

/** A manifest of this repository; the simulated API server checks it against its schema when it is applied. */
function readObject(root: URL, path: string): Record<string, unknown> {
  const object = read(root, path);
  if (!isObject(object)) throw new Error(`${path} does not hold an object`);
  return object;
}

export async function demo(names: string[], root: URL, print: (text: string) => void): Promise<void> {
  const server = buildServer({ logLevel: 'silent' });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    const sim = new Simulator({
      hookUrl: address,
      controller: readObject(root, 'metacontroller/compositecontroller.yaml'),
      container: agentModel(),
    });
    const command = (text: string) => {
      print(`\n$ ${text}`);
    };
    const show = (kind: string) => {
      command(`kubectl get ${kind}`);
      print(sim.table(kind, NAMESPACE));
    };
    const settle = async (what: string) => {
      const { rounds } = await sim.converge({ maxRounds: 60 });
      print(`(${what}: Metacontroller and the cluster settled after ${rounds} rounds of 5 simulated seconds)`);
      if (sim.errors.length > 0) throw new Error(`the simulation recorded errors:\n${sim.errors.join('\n')}`);
    };

    for (const name of names) {
      const example = EXAMPLES[name];
      if (!example) throw new Error(`no example "${name}"; there are ${Object.keys(EXAMPLES).join(', ')}`);
      const app = readObject(root, `${example.app}/app.yaml`) as KubeDirectorApp;
      const carried = existsSync(new URL(`${example.app}/package.yaml`, root))
        ? readObject(root, `${example.app}/package.yaml`)
        : undefined;
      const cluster = readObject(root, example.cluster) as KubeDirectorCluster;
      print(`\n# ${app.spec.label.name}: ${app.spec.label.description ?? ''}`);
      command(`kubectl apply -f ${example.app}/`);
      sim.apply(app);
      print(`kubedirectorapp.kubedirector.hpe.com/${app.metadata.name} created`);
      if (carried) {
        sim.apply(carried as unknown as KubeObject);
        print(`configmap/${(carried.metadata as { name: string }).name} created`);
      }
      show('kdapp');
      command(`kubectl apply -f ${example.cluster}`);
      sim.apply(cluster);
      print(`kubedirectorcluster.kubedirector.hpe.com/${cluster.metadata.name} created`);
      await settle('created');
      show('pods');
      show('service');
      show('kdcluster');
      const { scale } = example;
      if (scale) {
        const role = cluster.spec.roles.find((r) => r.id === scale.role);
        if (!role) throw new Error(`${example.cluster} has no role ${scale.role}`);
        role.members = scale.members;
        command(
          `kubectl patch kdcluster ${cluster.metadata.name} --type json -p '[{"op":"replace","path":"/spec/roles/${cluster.spec.roles.indexOf(role)}/members","value":${role.members}}]'`,
        );
        sim.apply(cluster);
        await settle(`${scale.role} scaled to ${scale.members}`);
        show('pods');
        show('kdcluster');
      }
    }
  } finally {
    await server.close();
  }
}
