// Step two of sync: the rules that need the app (and kd-global-config), each reported
// with the field it is about. Any problem freezes the cluster: children stay as observed.
import type { AppRole } from '../api/app.js';
import type { ClusterRole } from '../api/cluster.js';
import { compareQuantities, parseQuantity } from './quantity.js';
import type { Resolved, ResolvedApp } from './resolve.js';
import type { KubeDirectorClusterSpec } from '../api/cluster.js';
import { statefulSetName } from './names.js';
import { PACKAGE_LABEL } from './labels.js';
import { appRoleOf, cardinality, desiredMembers, imageOf, limitOf, requested, setupPackageOf } from './app-queries.js';

export interface Problem {
  reason: string;
  field: string;
  message: string;
}

export const MAX_MEMBERS = 1000;

/** A cluster that passed validation: its spec matches the schema and its app was found. */
export interface Valid extends Resolved {
  spec: KubeDirectorClusterSpec;
  app: ResolvedApp;
}

/** resolved as Valid when validation found no problem; undefined otherwise. */
export function asValid(resolved: Resolved, problems: Problem[]): Valid | undefined {
  const { spec, app } = resolved;
  return problems.length === 0 && spec && app ? { ...resolved, spec, app } : undefined;
}

/** What a role rule looks at: one cluster role, the app role it names, where it sits in the spec. */
interface RoleContext {
  resolved: Resolved;
  app: ResolvedApp;
  role: ClusterRole;
  appRole: AppRole;
  /** `spec.roles[i]` */
  field: string;
}

/** What a cluster rule looks at. */
interface ClusterContext {
  resolved: Resolved;
  app: ResolvedApp;
  spec: KubeDirectorClusterSpec;
}

type Rule<C> = (context: C) => Problem[];
const problem = (reason: string, field: string, message: string): Problem[] => [{ reason, field, message }];

const cardinalityFits: Rule<RoleContext> = ({ role, appRole, field }) => {
  const { min, scaleOut } = cardinality(appRole);
  const members = desiredMembers(role, appRole);
  if (scaleOut ? members >= min : members === min) return [];
  const allowed = scaleOut ? `at least ${min}` : `exactly ${min}`;
  return problem(
    'CardinalityViolation',
    `${field}.members`,
    `role "${role.id}" asks for ${members} members but the app's cardinality is "${appRole.cardinality}" (${allowed})`,
  );
};

const hasImage: Rule<RoleContext> = ({ resolved, app, role, appRole, field }) =>
  imageOf(app.spec, appRole)
    ? []
    : problem(
        'NoImage',
        `${field}.id`,
        `role "${role.id}" of app "${resolved.appRef.name}" has no imageRepoTag and the app has no defaultImageRepoTag`,
      );

const meetsMinResources: Rule<RoleContext> = ({ role, appRole, field }) =>
  Object.entries(appRole.minResources ?? {}).flatMap(([resource, minimum]) => {
    if (parseQuantity(minimum) === 0n) return [];
    const amount = requested(role, resource);
    if (amount !== undefined && compareQuantities(amount, minimum) !== -1) return [];
    return problem(
      'BelowMinResources',
      `${field}.resources.requests.${resource}`,
      `role "${role.id}" requests ${resource} ${amount ?? 0}; the app requires at least ${minimum}`,
    );
  });

const requestsWithinLimits: Rule<RoleContext> = ({ role, field }) =>
  Object.entries(role.resources.requests ?? {}).flatMap(([resource, request]) => {
    const limit = limitOf(role, resource);
    if (limit === undefined || compareQuantities(request, limit) !== 1) return [];
    return problem(
      'RequestAboveLimit',
      `${field}.resources.requests.${resource}`,
      `role "${role.id}" requests ${resource} ${request}, more than its limit ${limit}`,
    );
  });

const storageFits: Rule<RoleContext> = ({ role, appRole, field }) => {
  const minStorage = appRole.minStorage;
  if (role.storage && (parseQuantity(role.storage.size) ?? 0n) <= 0n) {
    return problem('InvalidStorage', `${field}.storage.size`, `role "${role.id}" storage size must be greater than zero`);
  }
  if (minStorage && !role.storage && !minStorage.ephemeralModeSupported) {
    return problem('BelowMinStorage', `${field}.storage`, `role "${role.id}" needs persistent storage of at least ${minStorage.size}`);
  }
  if (minStorage && role.storage && compareQuantities(role.storage.size, minStorage.size) === -1) {
    return problem(
      'BelowMinStorage',
      `${field}.storage.size`,
      `role "${role.id}" storage ${role.storage.size} is below the app's minimum of ${minStorage.size}`,
    );
  }
  return [];
};

const packageCarried: Rule<RoleContext> = ({ resolved, app, role, appRole, field }) => {
  const packageURL = setupPackageOf(app.spec, appRole)?.packageURL;
  if (!packageURL?.startsWith('configmap://') || resolved.carriedPackages.has(packageURL)) return [];
  const [, name, key] = /^configmap:\/\/([^/]+)\/(.+)$/.exec(packageURL) ?? [];
  return problem(
    'PackageNotFound',
    `${field}.id`,
    `setup package ${packageURL} of role "${role.id}": no ConfigMap "${name}" with binaryData key "${key}" and label ${PACKAGE_LABEL}=${resolved.appRef.name} in namespace ${app.namespace}`,
  );
};

const secretKeysDecrypt: Rule<RoleContext> = ({ resolved, role, field }) => {
  const decrypted = resolved.secretKeys.get(role.id);
  return decrypted && 'error' in decrypted ? problem('SecretKeyUndecryptable', `${field}.secretKeys`, decrypted.error) : [];
};

const secretPrefixed: Rule<RoleContext> = ({ resolved, role, field }) => {
  const prefix = resolved.config.requiredSecretPrefix;
  if (!prefix || !role.secret || role.secret.name.startsWith(prefix)) return [];
  return problem(
    'SecretPrefix',
    `${field}.secret.name`,
    `secret "${role.secret.name}" of role "${role.id}" does not start with the required prefix "${prefix}"`,
  );
};

/** The rules of one role, in the order their problems are reported. */
const ROLE_RULES = [
  cardinalityFits,
  hasImage,
  meetsMinResources,
  requestsWithinLimits,
  storageFits,
  packageCarried,
  secretKeysDecrypt,
  secretPrefixed,
];

function roleProblems(resolved: Resolved, app: ResolvedApp, role: ClusterRole, index: number): Problem[] {
  const field = `spec.roles[${index}]`;
  const appRole = appRoleOf(app.spec, role.id);
  if (!appRole) {
    const roles = app.spec.roles.map((r) => r.id).join(', ');
    return problem(
      'RoleNotInApp',
      `${field}.id`,
      `role "${role.id}" is not a role of app "${resolved.appRef.name}"; its roles are ${roles}`,
    );
  }
  return ROLE_RULES.flatMap((rule) => rule({ resolved, app, role, appRole, field }));
}

const requiredRolesPresent: Rule<ClusterContext> = ({ resolved, app, spec }) => {
  const present = new Set(spec.roles.map((r) => r.id));
  return app.spec.config.selectedRoles.flatMap((id) => {
    const appRole = appRoleOf(app.spec, id);
    if (!appRole || present.has(id) || cardinality(appRole).min === 0) return [];
    return problem(
      'RoleMissing',
      'spec.roles',
      `role "${id}" of app "${resolved.appRef.name}" needs at least ${cardinality(appRole).min} members but is not in spec.roles`,
    );
  });
};

const withinMemberLimit: Rule<ClusterContext> = ({ app, spec }) => {
  const total = spec.roles.reduce((sum, role) => sum + desiredMembers(role, appRoleOf(app.spec, role.id)), 0);
  return total > MAX_MEMBERS
    ? problem('TooManyMembers', 'spec.roles', `${total} members requested; a cluster has at most ${MAX_MEMBERS}`)
    : [];
};

const defaultSecretPrefixed: Rule<ClusterContext> = ({ resolved, spec }) => {
  const prefix = resolved.config.requiredSecretPrefix;
  if (!prefix || !spec.defaultSecret || spec.defaultSecret.name.startsWith(prefix)) return [];
  return problem(
    'SecretPrefix',
    'spec.defaultSecret.name',
    `defaultSecret "${spec.defaultSecret.name}" does not start with the required prefix "${prefix}"`,
  );
};

const distinctStatefulSets: Rule<ClusterContext> = ({ resolved, spec }) => {
  const owners = new Map<string, string>();
  return spec.roles.flatMap((role) => {
    const name = statefulSetName(resolved.identity, role.id);
    const other = owners.get(name);
    owners.set(name, role.id);
    if (!other) return [];
    return problem(
      'NameCollision',
      'spec.roles',
      `roles "${other}" and "${role.id}" would share the StatefulSet name "${name}"; use namingScheme UID or distinct role ids`,
    );
  });
};

/**
 * Another app may replace the cluster's only when it is a version of the same one: the members
 * keep their data and identities, which another distro would not understand. The API server
 * cannot check this (CEL does not see the app); what the members were configured for is in the
 * published configmeta.
 */
const sameDistro: Rule<ClusterContext> = ({ resolved, app }) => {
  const running = resolved.published.app;
  if (!running || running.distroID === app.spec.distroID) return [];
  return problem(
    'AppChangeNotAllowed',
    'spec.app',
    `KubeDirectorApp "${resolved.appRef.name}" is distroID "${app.spec.distroID}", but the members run "${running.distroID}" (version ${running.version}): only another version of the same distroID can replace it`,
  );
};

/** Roles the app's rolloutOrder names must be its own. */
const rolloutOrderKnown: Rule<ClusterContext> = ({ resolved, app }) => {
  const unknown = (app.spec.rolloutOrder ?? []).filter((id) => !appRoleOf(app.spec, id));
  if (unknown.length === 0) return [];
  return problem(
    'InvalidApp',
    'spec.app',
    `KubeDirectorApp "${resolved.appRef.name}": rolloutOrder names roles it does not have: ${unknown.join(', ')}`,
  );
};

/** The rules of the whole cluster, reported after every role's. */
const CLUSTER_RULES = [sameDistro, rolloutOrderKnown, requiredRolesPresent, withinMemberLimit, defaultSecretPrefixed, distinctStatefulSets];

/** Everything wrong with the cluster that the API server could not check on its own. */
export function validate(resolved: Resolved): Problem[] {
  const { spec, app } = resolved;
  if (resolved.specErrors.length > 0 || !spec) {
    return problem('InvalidSpec', 'spec', resolved.specErrors.join('; ') || 'spec is missing');
  }
  if (resolved.appErrors.length > 0) return problem('InvalidApp', 'spec.app', resolved.appErrors.join('; '));
  if (!app) {
    const where = resolved.appRef.candidates.map((ns) => `namespace ${ns}`).join(' or ');
    return problem('AppNotFound', 'spec.app', `KubeDirectorApp "${resolved.appRef.name}" not found in ${where}`);
  }
  return [
    ...spec.roles.flatMap((role, index) => roleProblems(resolved, app, role, index)),
    ...CLUSTER_RULES.flatMap((rule) => rule({ resolved, app, spec })),
  ];
}
