// resolve on its own: defaults from the cluster, then kd-global-config, then the built-in ones;
// the app looked up in the cluster's namespace first, then the system catalog.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { resolve } from '../../src/reconcile/resolve.js';
import { clone, readYaml } from '../support/fixtures.js';
import { OPTIONS, SYSTEM_NAMESPACE, app, request, stored } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');
const globalConfig = (spec: object): KubeObject => ({
  apiVersion: 'kubedirector.hpe.com/v1beta1',
  kind: 'KubeDirectorConfig',
  metadata: { name: 'kd-global-config', namespace: SYSTEM_NAMESPACE },
  spec,
});

t.test('built-in defaults, then kd-global-config, then the cluster', async (t) => {
  const plain = resolve(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  t.equal(plain.serviceType, 'LoadBalancer');
  t.equal(plain.identity.scheme, 'UID');
  t.equal(plain.domainBase, '.svc.cluster.local');
  const configured = resolve(
    request({
      parent: stored(manifest),
      apps: [spark],
      config: globalConfig({ defaultServiceType: 'NodePort', defaultNamingScheme: 'CrNameRole' }),
    }),
    OPTIONS,
  );
  t.equal(configured.serviceType, 'NodePort');
  t.equal(configured.identity.scheme, 'CrNameRole');
  const cluster = clone(manifest);
  cluster.spec.serviceType = 'ClusterIP';
  t.equal(
    resolve(request({ parent: stored(cluster), apps: [spark], config: globalConfig({ defaultServiceType: 'NodePort' }) }), OPTIONS)
      .serviceType,
    'ClusterIP',
  );
});

t.test('the app: the cluster namespace first, then the system catalog', async (t) => {
  const local = resolve(
    request({ parent: stored(manifest), apps: [spark, app('test/fixtures/apps/spark.yaml', SYSTEM_NAMESPACE)] }),
    OPTIONS,
  );
  t.match(local.app, { namespace: 'analytics', catalog: 'local' });
  const system = resolve(request({ parent: stored(manifest), apps: [app('test/fixtures/apps/spark.yaml', SYSTEM_NAMESPACE)] }), OPTIONS);
  t.match(system.app, { namespace: SYSTEM_NAMESPACE, catalog: 'system' });
  const missing = resolve(request({ parent: stored(manifest), apps: [] }), OPTIONS);
  t.equal(missing.app, undefined);
  t.same(missing.appRef, { name: 'spark', candidates: ['analytics', SYSTEM_NAMESPACE] });
});

t.test('what does not match its schema is reported, not thrown', async (t) => {
  const cluster = clone(manifest);
  cluster.spec.roles = 'none';
  const resolved = resolve(request({ parent: stored(cluster), apps: [spark] }), OPTIONS);
  t.equal(resolved.spec, undefined);
  t.ok(resolved.specErrors.length > 0, resolved.specErrors.join('; '));
  const broken = clone(spark) as any;
  broken.spec.roles = 7;
  t.ok(
    resolve(request({ parent: stored(manifest), apps: [broken] }), OPTIONS).appErrors.length > 0,
    'an app that does not match is an app error',
  );
});
