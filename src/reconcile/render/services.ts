// The cluster's headless Service (member DNS names) and one Service per member exposing
// its role's endpoints, named as upstream names them.
import type { IService, IServicePort } from 'kubernetes-models/v1';
import type { ServiceType } from '../../api/cluster.js';
import type { KubeObject } from '../../api/meta.js';
import { LABEL, clusterLabels, mergeMaps, roleLabels, withUserLabels, type LabelContext } from '../labels.js';
import { appAnnotations } from './annotations.js';
import { asDesired } from '../observed.js';
import type { RolePlan } from '../plan.js';
import type { Resolved } from '../resolve.js';
import type { PortInfo } from '../app-queries.js';

/** Upstream's port names: `<urlScheme>-<service id>`, or `generic-<service id>` without a scheme. */
export const servicePortName = (port: PortInfo) => `${port.urlScheme ? port.urlScheme.toLowerCase() : 'generic'}-${port.id}`;

export function headlessService(resolved: Resolved, name: string, context: LabelContext): KubeObject {
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: resolved.namespace, labels: mergeMaps(clusterLabels(context)), annotations: appAnnotations(resolved) },
    spec: {
      clusterIP: 'None',
      // Members find each other by DNS before they are ready.
      publishNotReadyAddresses: true,
      selector: { [LABEL.headless]: resolved.name, [LABEL.controllerUid]: resolved.uid },
    },
  };
  return service as KubeObject;
}

function specType(service: KubeObject | undefined) {
  return (service?.spec as { type?: string } | undefined)?.type ?? 'ClusterIP';
}

/** A role leaving the spec keeps its members' Services as they are until each member is deleting. */
function drainingServices(resolved: Resolved, role: RolePlan): KubeObject[] {
  return role.members
    .filter((m) => m.status.state !== 'deleting')
    .flatMap((m) => {
      const observed = resolved.observed.services.get(m.service);
      return observed ? [asDesired(observed)] : [];
    });
}

/** Services of the role's members that still serve (not deleting), for roles with endpoints. */
export function memberServices(resolved: Resolved, role: RolePlan, context: LabelContext, type: ServiceType): KubeObject[] {
  if (!role.spec || !resolved.app) return drainingServices(resolved, role);
  const ports: IServicePort[] = role.ports.map((p) => ({
    name: servicePortName(p),
    port: p.port,
    targetPort: p.port,
    protocol: 'TCP',
  }));
  if (ports.length === 0) return [];
  const spec = role.spec;
  const labels = withUserLabels(roleLabels(context, role.id), spec.serviceLabels, resolved.config.serviceLabels);
  const annotations = mergeMaps(appAnnotations(resolved), spec.serviceAnnotations, resolved.config.serviceAnnotations);
  return (
    role.members
      .filter((m) => m.status.state !== 'deleting')
      .map((m) => ({ pod: m.status.pod, name: m.service }))
      // A type change cannot always be made in place (allocated node ports): drop it now, recreate next sync.
      .filter(({ name }) => !resolved.observed.services.has(name) || specType(resolved.observed.services.get(name)) === type)
      .map(({ pod, name }) => {
        const service: IService = {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace: resolved.namespace, labels, annotations },
          spec: { type, selector: { [LABEL.podName]: pod }, publishNotReadyAddresses: true, ports },
        };
        return service as KubeObject;
      })
  );
}
