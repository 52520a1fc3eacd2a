// What `kubectl get <kind> -n <namespace>` prints for the simulated kinds.
import { Definitions } from '../api/resources.js';
import type { Clock } from './clock.js';
import { valueAt } from './json.js';
import type { KindInfo } from './kinds.js';
import {
  asClaim,
  asConfigMap,
  asPod,
  asSecret,
  asService,
  asStatefulSet,
  type KubeObject,
  type PersistentVolumeClaim,
  type Pod,
  type Service,
} from './objects.js';

type Row = string[];

export function renderTable(info: KindInfo, namespace: string, objects: KubeObject[], clock: Clock): string {
  if (!objects.length) return `No resources found in ${namespace} namespace.`;
  const [header, row] = columns(info, clock);
  return align([header, ...objects.map(row)]);
}

function columns(info: KindInfo, clock: Clock): [Row, (o: KubeObject) => Row] {
  const age = (o: KubeObject) => clock.age(o.metadata.creationTimestamp);
  switch (info.kind) {
    case 'Pod':
      return [
        ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
        (o) => [o.metadata.name, podReady(asPod(o)), podStatus(asPod(o)), podRestarts(asPod(o), clock), age(o)],
      ];
    case 'Service':
      return [
        ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
        (o) => {
          const service = asService(o);
          return [
            o.metadata.name,
            service.spec.type ?? '',
            service.spec.clusterIP ?? '<none>',
            externalIP(service),
            ports(service),
            age(o),
          ];
        },
      ];
    case 'PersistentVolumeClaim':
      return [
        ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'AGE'],
        (o) => [o.metadata.name, ...claimColumns(asClaim(o)), age(o)],
      ];
    case 'StatefulSet':
      return [
        ['NAME', 'READY', 'AGE'],
        (o) => {
          const set = asStatefulSet(o);
          return [o.metadata.name, `${set.status?.readyReplicas ?? 0}/${set.spec.replicas}`, age(o)];
        },
      ];
    case 'ConfigMap':
      return [
        ['NAME', 'DATA', 'AGE'],
        (o) => {
          const { data, binaryData } = asConfigMap(o);
          return [o.metadata.name, String(Object.keys({ ...data, ...binaryData }).length), age(o)];
        },
      ];
    case 'Secret':
      return [
        ['NAME', 'TYPE', 'DATA', 'AGE'],
        (o) => {
          const secret = asSecret(o);
          return [o.metadata.name, secret.type ?? '', String(Object.keys(secret.data ?? {}).length), age(o)];
        },
      ];
    default:
      return customColumns(info, clock);
  }
}

/** NAME and the CRD's additionalPrinterColumns shown without -o wide. */
function customColumns(info: KindInfo, clock: Clock): [Row, (o: KubeObject) => Row] {
  const definition = Definitions.find((d) => d.kind === info.kind);
  const printed = (definition?.printerColumns ?? []).filter((c) => !c.priority);
  return [
    ['NAME', ...printed.map((c) => c.name.toUpperCase())],
    (o) => [
      o.metadata.name,
      ...printed.map((c) => {
        const value = valueAt(o, c.jsonPath);
        if (value === undefined || value === null) return '';
        if (typeof value === 'object') return JSON.stringify(value);
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return c.type === 'date' ? clock.age(text) : text;
      }),
    ],
  ];
}

function podReady(pod: Pod): string {
  const statuses = pod.status?.containerStatuses ?? [];
  return `${statuses.filter((c) => c.ready).length}/${(pod.spec.containers ?? []).length}`;
}

/** kubectl's pod STATUS: the phase, overridden by a waiting or terminated container's reason, or Terminating. */
function podStatus(pod: Pod): string {
  let reason = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  const statuses = pod.status?.containerStatuses ?? [];
  let running = false;
  for (const c of [...statuses].reverse()) {
    const { waiting, terminated } = c.state ?? {};
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    else if (c.ready && c.state?.running) running = true;
  }
  if (reason === 'Completed' && running)
    reason = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  return pod.metadata.deletionTimestamp ? 'Terminating' : reason;
}

/** RESTARTS, with how long ago the last one was, as kubectl shows it. */
function podRestarts(pod: Pod, clock: Clock): string {
  const statuses = pod.status?.containerStatuses ?? [];
  const restarts = statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
  const finished = statuses.map((c) => c.lastState?.terminated?.finishedAt).filter((t): t is string => Boolean(t));
  const latest = finished.sort().at(-1);
  return restarts && latest ? `${restarts} (${clock.age(latest)} ago)` : String(restarts);
}

function externalIP(service: Service): string {
  const external = service.spec.externalIPs ?? [];
  if (service.spec.type === 'LoadBalancer') {
    const ingress = (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname);
    return [...ingress, ...external].join(',') || '<pending>';
  }
  return external.join(',') || '<none>';
}

function ports(service: Service): string {
  const list = service.spec.ports ?? [];
  return list.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
}

const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

function claimColumns(claim: PersistentVolumeClaim): string[] {
  const bound = Boolean(claim.spec.volumeName);
  const modes = bound ? (claim.status?.accessModes ?? []).map((m) => ACCESS_MODES[m] ?? m).join(',') : '';
  const capacity = bound ? (claim.status?.capacity?.storage ?? '') : '';
  const phase = claim.metadata.deletionTimestamp ? 'Terminating' : (claim.status?.phase ?? '');
  return [phase, claim.spec.volumeName ?? '', capacity, modes, claim.spec.storageClassName ?? '<unset>'];
}

/** Columns padded as kubectl's tabwriter does (3 spaces of padding, minimum width 6); the last column is not padded. */
function align(rows: Row[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(6, ...rows.map((r) => (r[i] ?? '').length + 3)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
