// A whole installation for scenario tests: the real hook server on a loopback port, the
// CompositeController from metacontroller/, and the simulator playing Metacontroller and the
// Kubernetes controllers, validating every child and every parent write as the API server would.
import type { FastifyInstance } from 'fastify';
import type { KubeObject } from '../../src/api/meta.js';
import { buildServer } from '../../src/server/app.js';
import { Simulator, agentModel, type ContainerOutcome, type SimulatorOptions } from '../../src/sim/index.js';
import { admit, committedCrd } from './apiserver.js';
import { readYaml } from './fixtures.js';
import { kubernetesErrors } from './kube-validate.js';

export const NAMESPACE = 'analytics';
const clusterCrd = committedCrd('kubedirectorclusters');

export interface World {
  sim: Simulator;
  server: FastifyInstance;
  apply(file: string, change?: (object: any) => void): KubeObject;
  cluster(name: string): KubeObject & { status?: any; spec?: any };
  close(): Promise<void>;
}

export async function world(
  container: (pod: KubeObject, sim: Simulator) => ContainerOutcome | Promise<ContainerOutcome> = agentModel(),
  options: Pick<SimulatorOptions, 'secondsPerRound' | 'storageClasses'> = {},
): Promise<World> {
  const server = buildServer({ logLevel: 'silent', systemNamespace: 'kubedirector' });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const sim = new Simulator({
    hookUrl: address,
    controller: readYaml('metacontroller/compositecontroller.yaml'),
    validateChild: kubernetesErrors,
    admitParent: (object, old) => {
      const result = admit(clusterCrd, object, old);
      return [...result.errors, ...result.unknownFields.map((f) => `unknown field ${f}`)];
    },
    container,
    ...options,
  });
  return {
    sim,
    server,
    apply(file, change) {
      const object = readYaml<any>(file);
      object.metadata.namespace = NAMESPACE;
      change?.(object);
      sim.apply(object);
      return object;
    },
    cluster: (name) => sim.get('KubeDirectorCluster', NAMESPACE, name) as any,
    close: () => server.close(),
  };
}
