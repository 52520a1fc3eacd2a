// The pod template of a role's members: the app container as upstream builds it
// (image, resources, ports, env, capabilities, tty/stdin, tmpfs, secrets, projections,
// /dev/shm, systemd cgroups, persisted dirs on the PVC) and the init container seeding the PVC.
import type { IContainer, IEnvVar, IPodTemplateSpec, IVolume, IVolumeMount } from 'kubernetes-models/v1';
import type { ClusterRole } from '../../api/cluster.js';
import { mergeMaps, type Labels } from '../labels.js';
import { appAnnotations } from './annotations.js';
import { DATA_CLAIM, blockClaim } from '../names.js';
import { APP_CONTAINER } from '../pods.js';
import { parseQuantity, quantityString, type Quantity } from '../quantity.js';
import { effectiveSecret, imageOf, maxLogSize, persistDirs, setupPackageOf } from '../app-queries.js';
import { INIT_MOUNT, seedScript } from './persist.js';
import { AGENT, CHANNEL_MOUNT, CHANNEL_VOLUME, CONFIG_MOUNT, CONFIG_VOLUME, SECRETS_MOUNT, SECRETS_VOLUME } from '../../guest/index.js';
import { channelVolumes, sidecarContainer, type ChannelNames } from './channel.js';
import { carriedPackage } from './packages.js';
import { appSecurityContext, memoryVolumeSize, seedSecurityContext } from './security.js';
import { roleEvents } from '../notify.js';
import type { ActiveRole } from '../plan.js';
import type { Resolved } from '../resolve.js';
import type { Valid } from '../validate.js';

/** Container port names must be IANA service names: at most 15 characters, with a letter, no double hyphen. */
const isIanaName = (name: string) => name.length <= 15 && /[a-z]/.test(name) && !name.includes('--');

/** Claim templates the StatefulSet actually has (or will have): the data volume and block devices. */
export interface ClaimNames {
  data: boolean;
  blockDevices: number[];
}

/**
 * /tmp is on the node's disk: packages spill large scratch data there (JVM tools, Python, Spark
 * and Hadoop defaults), which in memory would count against the container's limit and get the
 * member OOM-killed. The volume names are upstream's.
 */
const SCRATCH_MOUNT = { name: 'tmpfs-tmp', mountPath: '/tmp', sizeLimit: '20Gi' };
/**
 * /run and /run/lock stay in memory, as systemd requires: pid files, sockets and locks, small.
 * Each is capped at the container's memory limit when that is smaller.
 */
const TMPFS_MOUNTS = [
  { name: 'tmpfs-run', mountPath: '/run', sizeLimit: '256Mi' },
  { name: 'tmpfs-run-lock', mountPath: '/run/lock', sizeLimit: '16Mi' },
];
const NVIDIA_PREFIX = 'nvidia.com/';
const CGROUP_DIR = '/sys/fs/cgroup';
const SYSTEMD_CGROUP_DIR = '/sys/fs/cgroup/systemd';
/** Where configcli lands with the new setup layout; upstream points PYTHONUSERBASE at it. */
const CONFIGCLI_LOCATION = '/usr/local';

const resourceMap = (map: Record<string, Quantity> | undefined) =>
  map && Object.fromEntries(Object.entries(map).map(([k, v]) => [k, quantityString(v)]));

/**
 * An environment variable; an empty value is left out, as the API server stores it, or every
 * sync would find the StatefulSet different from what it is and write it again.
 */
const envVar = (name: string, value: string): IEnvVar => (value ? { name, value } : { name });

/** A spec's variable as the API server stores it: an empty value is dropped. */
const asStored = ({ value, ...rest }: IEnvVar): IEnvVar => (value ? { ...rest, value } : rest);

/** What the guest agent needs to know about its member (see src/guest/PROTOCOL.md). */
function agentEnvironment(resolved: Valid, plan: ActiveRole): IEnvVar[] {
  const app = resolved.app.spec;
  const role = plan.appRole;
  return [
    { name: 'KD_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'KD_ROLE', value: plan.id },
    envVar('KD_PACKAGE_URL', setupPackageOf(app, role)?.packageURL ?? ''),
    envVar('KD_PACKAGE_KEY', carriedPackage(resolved, plan)?.key ?? ''),
    envVar('KD_EVENTS', roleEvents(app, role).join(' ')),
    { name: 'KD_MAX_LOG', value: String(maxLogSize(app, role)) },
    { name: 'KD_SYSTEMD', value: app.systemdRequired ? '1' : '0' },
    // The container's limits (the node's allocatable when it has none), for packages that size
    // heaps and thread pools: the kernel's view of memory and CPUs is the whole node's.
    { name: 'KD_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } },
    { name: 'KD_MEMORY_LIMIT_MB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
  ];
}

const agent = (command: string) => ({ exec: { command: ['/bin/sh', AGENT, command] } });

function environment(resolved: Valid, role: ClusterRole, plan: ActiveRole): IEnvVar[] {
  const app = resolved.app.spec;
  const env: IEnvVar[] = [...(role.env ?? []).map(asStored), ...agentEnvironment(resolved, plan)];
  if (setupPackageOf(app, plan.appRole)?.useNewSetupLayout) env.push({ name: 'PYTHONUSERBASE', value: CONFIGCLI_LOCATION });
  // Without this, the NVIDIA runtime exposes every GPU to containers that asked for none.
  const asked = [...Object.entries(role.resources.requests ?? {}), ...Object.entries(role.resources.limits)];
  if (!asked.some(([name, q]) => name.startsWith(NVIDIA_PREFIX) && parseQuantity(q) !== 0n)) {
    env.push({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' });
  }
  return env;
}

function volumes(resolved: Resolved, role: ClusterRole, dirs: string[], claims: ClaimNames, config: ChannelNames) {
  const mounts: IVolumeMount[] = claims.data ? dirs.map((dir) => ({ name: DATA_CLAIM, mountPath: dir, subPath: dir.slice(1) })) : [];
  mounts.push(
    // The ConfigMap and Secret volumes are the fallback the agent reads while the sidecar's copy is older.
    { name: CONFIG_VOLUME, mountPath: CONFIG_MOUNT, readOnly: true },
    { name: SECRETS_VOLUME, mountPath: SECRETS_MOUNT, readOnly: true },
    { name: CHANNEL_VOLUME, mountPath: CHANNEL_MOUNT },
  );
  const list: IVolume[] = [
    { name: CONFIG_VOLUME, configMap: { name: config.configMap, defaultMode: 0o444 } },
    // Readable by any user the image runs as: the secrets are the member's own.
    { name: SECRETS_VOLUME, secret: { secretName: config.secret, defaultMode: 0o444 } },
    ...channelVolumes(),
  ];
  const memoryLimit = role.resources.limits.memory;
  mounts.push({ name: SCRATCH_MOUNT.name, mountPath: SCRATCH_MOUNT.mountPath });
  list.push({ name: SCRATCH_MOUNT.name, emptyDir: { sizeLimit: SCRATCH_MOUNT.sizeLimit } });
  for (const { name, mountPath, sizeLimit } of TMPFS_MOUNTS) {
    mounts.push({ name, mountPath });
    list.push({ name, emptyDir: { medium: 'Memory', sizeLimit: memoryVolumeSize(sizeLimit, memoryLimit) } });
  }
  const secret = effectiveSecret(role, resolved.spec?.defaultSecret);
  if (secret) {
    const name = `secret-vol-${secret.name}`;
    mounts.push({ name, mountPath: secret.mountPath, ...(secret.readOnly ? { readOnly: true } : {}) });
    list.push({
      name,
      secret: { secretName: secret.name, ...(secret.defaultMode !== undefined ? { defaultMode: secret.defaultMode } : {}) },
    });
  }
  (role.volumeProjections ?? []).forEach((projection, index) => {
    const name = `projected-vol-${index}`;
    const readOnly = projection.readOnly ? { readOnly: true } : {};
    mounts.push({ name, mountPath: projection.mountPath, ...readOnly });
    list.push({ name, persistentVolumeClaim: { claimName: projection.pvcName, ...readOnly } });
  });
  if (role.sharedMemory !== undefined) {
    mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    list.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: memoryVolumeSize(role.sharedMemory, memoryLimit) } });
  }
  if (resolved.app?.spec.systemdRequired && !resolved.config.nativeSystemdSupport) {
    mounts.push({ name: 'cgroupfs', mountPath: CGROUP_DIR, readOnly: true }, { name: 'systemd', mountPath: SYSTEMD_CGROUP_DIR });
    list.push({ name: 'cgroupfs', hostPath: { path: CGROUP_DIR } }, { name: 'systemd', hostPath: { path: SYSTEMD_CGROUP_DIR } });
  }
  return { mounts, volumes: list };
}

export interface PodTemplateInput {
  config: ChannelNames;
  labels: Labels;
  annotations: Labels;
  claims: ClaimNames;
  blockPathPrefix?: string;
  headlessFqdnDomain: string;
}

/** The pod template of a role that is in spec and in the app. */
export function podTemplate(resolved: Valid, plan: ActiveRole, input: PodTemplateInput): IPodTemplateSpec {
  const app = resolved.app.spec;
  const role = plan.spec;
  const appRole = plan.appRole;
  const image = imageOf(app, appRole);
  // Validation refuses a role without an image (NoImage); reaching here without one is a defect.
  if (!image) throw new Error(`role "${role.id}" has no image`);
  const dirs = persistDirs(app, appRole);
  const { mounts, volumes: podVolumes } = volumes(resolved, role, dirs, input.claims, input.config);
  const containerSpec = appRole.containerSpec ?? undefined;
  const resources = {
    limits: resourceMap(role.resources.limits),
    ...(role.resources.requests ? { requests: resourceMap(role.resources.requests) } : {}),
  };

  const container: IContainer = {
    name: APP_CONTAINER,
    image,
    ...(containerSpec?.command ? { command: containerSpec.command } : {}),
    ...(containerSpec?.args ? { args: containerSpec.args } : {}),
    resources,
    env: environment(resolved, role, plan),
    ports: plan.ports.map((p) => ({ containerPort: p.port, protocol: 'TCP', ...(isIanaName(p.id) ? { name: p.id } : {}) })),
    volumeMounts: mounts,
    ...(input.claims.blockDevices.length > 0
      ? { volumeDevices: input.claims.blockDevices.map((i) => ({ name: blockClaim(i), devicePath: `${input.blockPathPrefix}${i}` })) }
      : {}),
    securityContext: appSecurityContext(app, role, containerSpec?.runAsUser),
    ...(containerSpec?.tty ? { tty: true } : {}),
    ...(containerSpec?.stdin ? { stdin: true } : {}),
    // The agent starts beside the image's own entrypoint, which stays as it is.
    lifecycle: { postStart: agent('start') },
    // Ready means: the initial configure is done and has not failed. Later generations never
    // make a member NotReady; their progress is reported through the member channel.
    readinessProbe: { ...agent('ready'), periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3, successThreshold: 1 },
    // Fails only after a failed setup, so the kubelet restarts the container to retry it; three
    // misses of a generous timeout before that, so a slow probe on a loaded node restarts nothing.
    livenessProbe: { ...agent('alive'), periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };

  const initContainers: IContainer[] = input.claims.data
    ? [
        {
          name: 'init',
          image,
          command: ['/bin/sh', '-c', seedScript(dirs)],
          resources,
          securityContext: seedSecurityContext(),
          volumeMounts: [{ name: DATA_CLAIM, mountPath: INIT_MOUNT }],
        },
      ]
    : [];

  return {
    metadata: { labels: input.labels, annotations: input.annotations },
    spec: {
      // The app container gets API credentials only when the role names an account of its own;
      // the sidecar mounts its token explicitly.
      automountServiceAccountToken: Boolean(role.serviceAccountName),
      serviceAccountName: role.serviceAccountName ?? input.config.account,
      ...(role.affinity ? { affinity: role.affinity } : {}),
      // Members resolve each other by short name, as upstream's resolv.conf edit arranged.
      dnsConfig: { searches: [input.headlessFqdnDomain] },
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [container, sidecarContainer(resolved.memberImage, input.config)],
      volumes: podVolumes,
    },
  };
}

/** Annotations of the pod template: the app's display name, the role's, then kd-global-config's. */
export function podAnnotations(resolved: Resolved, role: ClusterRole): Labels {
  return mergeMaps(appAnnotations(resolved), role.podAnnotations, resolved.config.podAnnotations);
}
