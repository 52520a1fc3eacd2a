// What the API server and the cloud controller do for Services: cluster IPs, node ports,
// load balancer addresses. All allocated from counters, so every run gets the same values.
import { asService, type KubeObject, type LoadBalancerStatus, type Service, type ServicePort, type ServiceSpec } from './objects.js';

export class ServiceAllocator {
  private nextClusterIP = 10; // the first addresses belong to the kubernetes and DNS services
  private nextNodePort = 30000;
  private nextLoadBalancerIP = 0;

  clusterIP(): string {
    const n = this.nextClusterIP++;
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }

  nodePort(): number {
    return this.nextNodePort++;
  }

  loadBalancerIP(): string {
    const n = this.nextLoadBalancerIP++;
    return `172.18.${255 - Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
}

const usesNodePorts = (spec: ServiceSpec) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';

/**
 * Defaults and allocations of a Service being written. Values an update leaves out keep what was
 * allocated before (the API server's patchAllocatedValues), so Metacontroller's merge never moves them.
 */
export function defaultService(obj: KubeObject, old: KubeObject | undefined, allocator: ServiceAllocator): void {
  // As the client sent it: the spec is filled in here, so it may be missing.
  const service = obj as Partial<Service>;
  const spec = (service.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  const previous = old && asService(old).spec;
  if (!spec.clusterIP && previous?.clusterIP) {
    spec.clusterIP = previous.clusterIP;
    spec.clusterIPs ??= previous.clusterIPs;
  }
  spec.clusterIP ||= allocator.clusterIP();
  spec.clusterIPs ??= [spec.clusterIP];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  spec.internalTrafficPolicy ??= 'Cluster';
  const oldPorts: ServicePort[] = previous?.ports ?? [];
  for (const port of spec.ports ?? []) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
    if (!usesNodePorts(spec)) delete port.nodePort;
    else
      port.nodePort ??=
        oldPorts.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === port.protocol)?.nodePort ?? allocator.nodePort();
  }
  if (usesNodePorts(spec)) spec.externalTrafficPolicy ??= 'Cluster';
  else delete spec.externalTrafficPolicy;
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  else delete spec.allocateLoadBalancerNodePorts;
  if (!old) service.status = { loadBalancer: {} };
}

/** The status the cloud controller gives a Service: an ingress address for load balancers, nothing otherwise. */
export function loadBalancerStatus(service: Service, allocator: ServiceAllocator): LoadBalancerStatus {
  if (service.spec.type !== 'LoadBalancer') return { loadBalancer: {} };
  const current = service.status?.loadBalancer?.ingress;
  return { loadBalancer: { ingress: current?.length ? current : [{ ip: allocator.loadBalancerIP() }] } };
}
