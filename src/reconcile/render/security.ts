// What a member's containers may do: the securityContext of the app container and of the init
// container that seeds the PVC, and the sizes of the member's memory-backed volumes. Members get
// no capability, no privilege escalation and the runtime's default seccomp profile unless their
// app declares more (see README, "Member security").
import type { ISecurityContext } from 'kubernetes-models/v1';
import type { KubeDirectorAppSpec } from '../../api/app.js';
import type { ClusterRole } from '../../api/cluster.js';
import { compareQuantities, quantityString, type Quantity } from '../quantity.js';

const RUNTIME_DEFAULT_SECCOMP = { type: 'RuntimeDefault' } as const;

/**
 * What systemd as PID 1 and the services of an OS image use, without CAP_SYS_ADMIN (systemd skips
 * the mounts and namespaces that need it): CHOWN, DAC_OVERRIDE, FOWNER and FSETID to create and
 * hand over runtime, state and log directories (tmpfiles, journald, RuntimeDirectory=); SETUID
 * and SETGID for User=, Group= and logins; SETPCAP to apply a unit's CapabilityBoundingSet=;
 * KILL to stop services that run as other users; NET_BIND_SERVICE for services on ports below
 * 1024 (sshd); SYS_CHROOT for sshd's privilege separation and RootDirectory=; AUDIT_WRITE for
 * the audit records of PAM logins (sshd, su, sudo). This is the container runtimes' default set
 * (which upstream KubeDirector's systemd apps ran with) less MKNOD, NET_RAW and SETFCAP.
 */
export const SYSTEMD_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'NET_BIND_SERVICE',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/**
 * What `cp -a` as root needs to copy an image's directories faithfully whoever owns them: read
 * and create whatever the modes say (DAC_OVERRIDE), give each file its owner (CHOWN), then set
 * modes and times on files it no longer owns (FOWNER), keep set-group-ID bits (FSETID) and file
 * capabilities (SETFCAP).
 */
export const SEED_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETFCAP'];

/** Capabilities named with or without the CAP_ prefix, in any case: as the runtimes accept them. */
const capabilityName = (name: string) => name.toUpperCase().replace(/^CAP_/, '');

/**
 * Capabilities that no_new_privs cannot contain: CAP_SYS_ADMIN may mount, unshare and so on, and
 * the API server refuses allowPrivilegeEscalation false beside it.
 */
const ESCALATING = new Set(['SYS_ADMIN', 'ALL']);

/** The role's file injections that name an owner or group: the agent chowns what it injects. */
const injectsOwnedFiles = (role: ClusterRole) =>
  (role.fileInjections ?? []).some((f) => Boolean(f.permissions?.fileOwner || f.permissions?.fileGroup));

/** The capabilities the app container adds to none: what the app declares and its members' features use. */
export function appCapabilities(app: KubeDirectorAppSpec, role: ClusterRole): string[] {
  const names = new Set((app.capabilities ?? []).map(capabilityName));
  if (app.systemdRequired) for (const name of SYSTEMD_CAPABILITIES) names.add(name);
  if (injectsOwnedFiles(role)) names.add('CHOWN');
  return [...names].sort();
}

/**
 * The app container's securityContext. Escalation stays off (no_new_privs) unless
 *  - the app needs systemd: every service and login inherits PID 1's no_new_privs, which would
 *    break su, sudo and the setuid or file-capability binaries of the OS image;
 *  - it declares SYS_ADMIN (or ALL), which no_new_privs cannot contain;
 *  - it declares capabilities for a non-root user: such a process holds none after exec, and can
 *    use them only through file capabilities, which no_new_privs ignores.
 * A root process keeps its capabilities across exec under no_new_privs, and setpriv, gosu, su or
 * chroot --userspec run by root only give privileges up, so packages that drop to a user work.
 */
export function appSecurityContext(app: KubeDirectorAppSpec, role: ClusterRole, runAsUser: number | undefined): ISecurityContext {
  const add = appCapabilities(app, role);
  const escalates =
    Boolean(app.systemdRequired) ||
    add.some((name) => ESCALATING.has(name)) ||
    (add.length > 0 && runAsUser !== undefined && runAsUser !== 0);
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    allowPrivilegeEscalation: escalates,
    capabilities: { drop: ['ALL'], ...(add.length > 0 ? { add } : {}) },
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}

/**
 * The seeding init container's securityContext: root, since only root can give the copies the
 * image's owners, but with nothing beyond what the copy needs and a read-only root filesystem
 * (it writes only to the PVC).
 */
export function seedSecurityContext(): ISecurityContext {
  return {
    runAsUser: 0,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], add: SEED_CAPABILITIES },
    readOnlyRootFilesystem: true,
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}

/**
 * The size of a memory-backed volume: what it is asked for, but never more than the container's
 * memory limit, since its pages count against that limit: a fuller volume would get the member
 * OOM-killed where a bounded one answers ENOSPC.
 */
export function memoryVolumeSize(asked: Quantity, memoryLimit: Quantity | undefined): string {
  if (memoryLimit === undefined) return quantityString(asked);
  return quantityString(compareQuantities(memoryLimit, asked) === -1 ? memoryLimit : asked);
}
