// The cloud controller: LoadBalancer Services get an ingress address.
import type { ApiServer } from '../apiserver.js';
import { deepEqual } from '../json.js';
import { asService } from '../objects.js';
import { loadBalancerStatus } from '../services.js';

export function stepLoadBalancers(api: ApiServer, report: (message: string) => void): void {
  for (const service of api.list('Service').map(asService)) {
    const status = loadBalancerStatus(service, api.allocator);
    if (deepEqual(service.status, status)) continue;
    try {
      api.updateStatus({ ...service, status });
    } catch (error) {
      report(`Service ${service.metadata.namespace}/${service.metadata.name}: ${(error as Error).message}`);
    }
  }
}
