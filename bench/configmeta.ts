// Bytes of configuration a cluster's members receive (the ConfigMap the sync hook renders),
// for growing clusters: it must grow linearly with members and stay under the 1 MiB limit.
import { convergedRequest } from './converged.js';
import { sync } from '../src/reconcile/sync.js';
import { CONFIGMAP_LIMIT } from '../src/reconcile/render/config.js';

console.log('members  ConfigMap bytes  configmeta.json  per member  of the 1 MiB limit');
let previous: number | undefined;
for (const members of [125, 250, 500, 1000]) {
  const response = sync(convergedRequest(members), { systemNamespace: 'kubedirector' });
  const configMap = response.children.find((c) => c.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
  const total = Object.values(configMap.data).reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  const meta = Buffer.byteLength(configMap.data['configmeta.json']!);
  const growth = previous ? `  (x${(total / previous).toFixed(2)} for twice the members)` : '';
  console.log(
    `${String(members).padStart(7)}  ${String(total).padStart(15)}  ${String(meta).padStart(15)}  ${String(Math.round(total / members)).padStart(10)}  ${`${((100 * total) / CONFIGMAP_LIMIT).toFixed(0)}%`.padStart(17)}${growth}`,
  );
  previous = total;
}
