// Step two of sync: the rules that need the app (and kd-global-config), each reported
// with the field it is about. Any problem freezes the cluster: children stay as observed.
import type { KubeDirectorAppSpec } from '../api/app.js';
import type { ClusterRole } from '../api/cluster.js';
import { compareQuantities, parseQuantity } from './quantity.js';
import type { Resolved, ResolvedApp } from './resolve.js';
import type { KubeDirectorClusterSpec } from '../api/cluster.js';
import { statefulSetName } from './names.js';
import { PACKAGE_LABEL } from './labels.js';
import { appRoleOf, cardinality, desiredMembers, imageOf, limitOf, requested, setupPackageOf } from './app-queries.js';
import { roleSecretKeys } from './secret-keys.js';

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

function roleProblems(resolved: Resolved, app: KubeDirectorAppSpec, appNamespace: string, role: ClusterRole, index: number): Problem[] {
  const field = `spec.roles[${index}]`;
  const appRole = appRoleOf(app, role.id);
  if (!appRole) {
    return [
      {
        reason: 'RoleNotInApp',
        field: `${field}.id`,
        message: `role "${role.id}" is not a role of app "${resolved.appRef.name}"; its roles are ${app.roles.map((r) => r.id).join(', ')}`,
      },
    ];
  }
  const problems: Problem[] = [];
  const { min, scaleOut } = cardinality(appRole);
  const members = desiredMembers(role, appRole);
  if (scaleOut ? members < min : members !== min) {
    problems.push({
      reason: 'CardinalityViolation',
      field: `${field}.members`,
      message: `role "${role.id}" asks for ${members} members but the app's cardinality is "${appRole.cardinality}" (${scaleOut ? `at least ${min}` : `exactly ${min}`})`,
    });
  }
  if (!imageOf(app, appRole)) {
    problems.push({
      reason: 'NoImage',
      field: `${field}.id`,
      message: `role "${role.id}" of app "${resolved.appRef.name}" has no imageRepoTag and the app has no defaultImageRepoTag`,
    });
  }
  for (const [resource, minimum] of Object.entries(appRole.minResources ?? {})) {
    if (parseQuantity(minimum) === 0n) continue;
    const amount = requested(role, resource);
    if (amount === undefined || compareQuantities(amount, minimum) === -1) {
      problems.push({
        reason: 'BelowMinResources',
        field: `${field}.resources.requests.${resource}`,
        message: `role "${role.id}" requests ${resource} ${amount ?? 0}; the app requires at least ${minimum}`,
      });
    }
  }
  for (const [resource, request] of Object.entries(role.resources.requests ?? {})) {
    const limit = limitOf(role, resource);
    if (limit !== undefined && compareQuantities(request, limit) === 1) {
      problems.push({
        reason: 'RequestAboveLimit',
        field: `${field}.resources.requests.${resource}`,
        message: `role "${role.id}" requests ${resource} ${request}, more than its limit ${limit}`,
      });
    }
  }
  const minStorage = appRole.minStorage;
  if (role.storage && (parseQuantity(role.storage.size) ?? 0n) <= 0n) {
    problems.push({
      reason: 'InvalidStorage',
      field: `${field}.storage.size`,
      message: `role "${role.id}" storage size must be greater than zero`,
    });
  } else if (minStorage && !role.storage && !minStorage.ephemeralModeSupported) {
    problems.push({
      reason: 'BelowMinStorage',
      field: `${field}.storage`,
      message: `role "${role.id}" needs persistent storage of at least ${minStorage.size}`,
    });
  } else if (minStorage && role.storage && compareQuantities(role.storage.size, minStorage.size) === -1) {
    problems.push({
      reason: 'BelowMinStorage',
      field: `${field}.storage.size`,
      message: `role "${role.id}" storage ${role.storage.size} is below the app's minimum of ${minStorage.size}`,
    });
  }
  const packageURL = setupPackageOf(app, appRole)?.packageURL;
  if (packageURL?.startsWith('configmap://') && !resolved.carriedPackages.has(packageURL)) {
    const [, name, key] = /^configmap:\/\/([^/]+)\/(.+)$/.exec(packageURL) ?? [];
    problems.push({
      reason: 'PackageNotFound',
      field: `${field}.id`,
      message: `setup package ${packageURL} of role "${role.id}": no ConfigMap "${name}" with binaryData key "${key}" and label ${PACKAGE_LABEL}=${resolved.appRef.name} in namespace ${appNamespace}`,
    });
  }
  try {
    roleSecretKeys(role, resolved.config.masterEncryptionKey);
  } catch (error) {
    problems.push({ reason: 'SecretKeyUndecryptable', field: `${field}.secretKeys`, message: (error as Error).message });
  }
  const prefix = resolved.config.requiredSecretPrefix;
  if (prefix && role.secret && !role.secret.name.startsWith(prefix)) {
    problems.push({
      reason: 'SecretPrefix',
      field: `${field}.secret.name`,
      message: `secret "${role.secret.name}" of role "${role.id}" does not start with the required prefix "${prefix}"`,
    });
  }
  return problems;
}

/** Everything wrong with the cluster that the API server could not check on its own. */
export function validate(resolved: Resolved): Problem[] {
  const { spec } = resolved;
  if (resolved.specErrors.length > 0 || !spec) {
    return [{ reason: 'InvalidSpec', field: 'spec', message: resolved.specErrors.join('; ') || 'spec is missing' }];
  }
  if (resolved.appErrors.length > 0) {
    return [{ reason: 'InvalidApp', field: 'spec.app', message: resolved.appErrors.join('; ') }];
  }
  const app = resolved.app?.spec;
  if (!resolved.app || !app) {
    const where = resolved.appRef.candidates.map((ns) => `namespace ${ns}`).join(' or ');
    return [{ reason: 'AppNotFound', field: 'spec.app', message: `KubeDirectorApp "${resolved.appRef.name}" not found in ${where}` }];
  }
  const appNamespace = resolved.app.namespace;
  const problems = spec.roles.flatMap((role, index) => roleProblems(resolved, app, appNamespace, role, index));

  const present = new Set(spec.roles.map((r) => r.id));
  for (const id of app.config.selectedRoles) {
    const appRole = appRoleOf(app, id);
    if (appRole && !present.has(id) && cardinality(appRole).min > 0) {
      problems.push({
        reason: 'RoleMissing',
        field: 'spec.roles',
        message: `role "${id}" of app "${resolved.appRef.name}" needs at least ${cardinality(appRole).min} members but is not in spec.roles`,
      });
    }
  }

  const total = spec.roles.reduce((sum, role) => sum + desiredMembers(role, appRoleOf(app, role.id)), 0);
  if (total > MAX_MEMBERS) {
    problems.push({
      reason: 'TooManyMembers',
      field: 'spec.roles',
      message: `${total} members requested; a cluster has at most ${MAX_MEMBERS}`,
    });
  }

  const prefix = resolved.config.requiredSecretPrefix;
  if (prefix && spec.defaultSecret && !spec.defaultSecret.name.startsWith(prefix)) {
    problems.push({
      reason: 'SecretPrefix',
      field: 'spec.defaultSecret.name',
      message: `defaultSecret "${spec.defaultSecret.name}" does not start with the required prefix "${prefix}"`,
    });
  }

  const owners = new Map<string, string>();
  for (const role of spec.roles) {
    const name = statefulSetName(resolved.identity, role.id);
    const other = owners.get(name);
    if (other) {
      problems.push({
        reason: 'NameCollision',
        field: 'spec.roles',
        message: `roles "${other}" and "${role.id}" would share the StatefulSet name "${name}"; use namingScheme UID or distinct role ids`,
      });
    }
    owners.set(name, role.id);
  }
  return problems;
}
