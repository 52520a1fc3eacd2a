// Setup packages carried in the cluster's ConfigMap. Each is filed under a key that names its
// content, and a member's pod template says which key it installs (KD_PACKAGE_KEY): a new
// package is a new pod template, so it reaches members one at a time like any other change,
// while members still on the old template keep finding the package they were made with.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../api/meta.js';
import { setupPackageOf } from '../app-queries.js';
import { isActive, type ActiveRole, type Plan } from '../plan.js';
import { APP_CONTAINER } from '../pods.js';
import type { Valid } from '../validate.js';

/** The ConfigMap key of a role's carried package: its role and the first 16 hex digits of its sha256. */
export function packageKey(role: string, base64: string): string {
  const digest = createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex').slice(0, 16);
  return `package.${role}.${digest}.tgz`;
}

/** The package a role's members install from the ConfigMap, when it is carried there. */
export function carriedPackage(resolved: Valid, role: ActiveRole): { key: string; content: string } | undefined {
  const url = setupPackageOf(resolved.app.spec, role.appRole)?.packageURL;
  const content = url ? resolved.carriedPackages.get(url) : undefined;
  return content === undefined ? undefined : { key: packageKey(role.id, content), content };
}

interface EnvView {
  spec?: { containers?: { name: string; env?: { name: string; value?: string }[] }[] };
}

/** The key an observed pod installs its package from: KD_PACKAGE_KEY, or the one-per-role key of pods made before it existed. */
function observedKey(pod: KubeObject): string | undefined {
  const env = (pod as EnvView).spec?.containers?.find((c) => c.name === APP_CONTAINER)?.env ?? [];
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  const key = value('KD_PACKAGE_KEY');
  if (key) return key;
  const role = value('KD_ROLE');
  return value('KD_PACKAGE_URL')?.startsWith('configmap://') && role ? `package.${role}.tgz` : undefined;
}

/** Every carried package: those the roles' templates name, and those observed pods still install from. */
export function carriedPackages(resolved: Valid, plan: Plan): Record<string, string> {
  const binaryData: Record<string, string> = {};
  for (const role of plan.roles.filter(isActive)) {
    const carried = carriedPackage(resolved, role);
    if (carried) binaryData[carried.key] = carried.content;
  }
  const observed = (resolved.published.object?.binaryData ?? {}) as Record<string, string>;
  for (const pod of resolved.observed.pods.values()) {
    const key = observedKey(pod);
    if (key && binaryData[key] === undefined && observed[key] !== undefined) binaryData[key] = observed[key];
  }
  return binaryData;
}
