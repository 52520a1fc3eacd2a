// Growing member PVCs: which size the hooks ask each claim for, and the VolumesExpanded
// condition, from the observed claims and the StorageClasses the request carries.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { TYPE } from '../../src/reconcile/kinds.js';
import { sync } from '../../src/reconcile/sync.js';
import { readYaml } from '../support/fixtures.js';
import { OPTIONS, app, applied, condition, request, run, stored, type Status } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');
const withWorkers = (members: number, size: string) => {
  const spec = structuredClone(manifest.spec);
  spec.roles[1].members = members;
  spec.roles[1].storage.size = size;
  return { ...manifest, spec };
};
const storageClass = (name: string, allowVolumeExpansion?: boolean): KubeObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner: 'x',
  ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }),
});

interface Case {
  /** What the observed claims look like: the API server's defaults (class `standard`, bound at 10Gi) changed by this. */
  claim?: (pvc: any) => void;
  classes?: KubeObject[];
  workers?: number;
}

/** The second sync of Spark, its worker storage raised from 10Gi to 20Gi, over claims bound at 10Gi. */
function grown({ claim, classes = [], workers = 2 }: Case) {
  const first = run({ parent: stored(withWorkers(workers, '10Gi')), apps: [spark] });
  const children = first.children.map((c) => {
    const child: any = applied(c);
    if (child.kind !== 'PersistentVolumeClaim') return child as KubeObject;
    child.spec.storageClassName = 'standard';
    child.status = { phase: 'Bound', capacity: { storage: '10Gi' } };
    claim?.(child);
    return child as KubeObject;
  });
  const req = request({ parent: stored(withWorkers(workers, '20Gi'), { status: first.status }), apps: [spark], children });
  if (classes.length > 0) req.related[TYPE.storageClass] = Object.fromEntries(classes.map((c) => [c.metadata.name, c]));
  const response = sync(req, OPTIONS);
  const status = response.status as Status;
  const sizes = response.children
    .filter((c) => c.kind === 'PersistentVolumeClaim')
    .map((c) => (c.spec as { resources: { requests: { storage: string } } }).resources.requests.storage);
  return { sizes, volumes: condition(status, 'VolumesExpanded') };
}

t.test('a class that allows expansion: every worker PVC is asked for the new size, Expanding until capacity follows', async (t) => {
  const { sizes, volumes } = grown({ classes: [storageClass('standard', true)] });
  t.same(sizes, ['20Gi', '20Gi']);
  t.match(volumes, {
    status: 'False',
    reason: 'Expanding',
    message: /^growing: p-\S+-0 \(capacity 10Gi of 20Gi, requested 10Gi\), p-\S+-1 /,
  });
});

t.test('a class the request does not carry: asked for, as before the hooks saw classes', async (t) => {
  const { sizes, volumes } = grown({ classes: [storageClass('other', false)] });
  t.same(sizes, ['20Gi', '20Gi']);
  t.match(volumes, { status: 'False', reason: 'Expanding' });
});

t.test('a class without allowVolumeExpansion: true keeps every PVC at its size (admission would refuse it)', async (t) => {
  for (const allow of [false, undefined]) {
    const { sizes, volumes } = grown({ classes: [storageClass('standard', allow)] });
    t.same(sizes, ['10Gi', '10Gi'], `allowVolumeExpansion: ${String(allow)}`);
    t.match(volumes, {
      status: 'False',
      reason: 'ExpansionNotSupported',
      message:
        /^cannot grow, kept at their size: p-\S+-0 \(capacity 10Gi of 20Gi, requested 10Gi; its StorageClass "standard" does not set allowVolumeExpansion: true\), p-\S+-1 .*; set allowVolumeExpansion: true on the StorageClass/,
    });
  }
});

t.test('a claim without a class never grows, whatever classes exist; nor does one not bound yet', async (t) => {
  const noClass = grown({ claim: (pvc) => delete pvc.spec.storageClassName });
  t.same(noClass.sizes, ['10Gi', '10Gi']);
  t.match(noClass.volumes, { reason: 'ExpansionNotSupported', message: /it has no StorageClass/ });

  const pending = grown({ claim: (pvc) => (pvc.status = { phase: 'Pending' }), classes: [storageClass('standard', true)] });
  t.same(pending.sizes, ['10Gi', '10Gi'], 'only a bound claim may change its request');
  t.match(pending.volumes, { status: 'True', reason: 'CapacityMet', message: /\(0 bound\)/ }, 'a claim being made is no resize');
});

t.test('a resize under way: the PVC conditions are named; FileSystemResizePending says a pod must mount it', async (t) => {
  const resizing = grown({
    classes: [storageClass('standard', true)],
    claim: (pvc) => {
      pvc.spec.resources.requests.storage = '20Gi';
      pvc.status.conditions = [{ type: 'Resizing', status: 'True' }];
      pvc.status.allocatedResourceStatuses = { storage: 'ControllerResizeInProgress' };
    },
  });
  t.same(resizing.sizes, ['20Gi', '20Gi']);
  t.match(resizing.volumes, {
    reason: 'Expanding',
    message: /p-\S+-0 \(capacity 10Gi of 20Gi; Resizing; allocatedResourceStatuses.storage: ControllerResizeInProgress\)/,
  });
  t.notMatch(resizing.volumes.message, /restart/);

  const pending = grown({
    classes: [storageClass('standard', true)],
    claim: (pvc) => {
      pvc.spec.resources.requests.storage = '20Gi';
      pvc.status.conditions = [
        {
          type: 'FileSystemResizePending',
          status: 'True',
          message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
        },
      ];
    },
  });
  t.match(pending.volumes, {
    reason: 'Expanding',
    message:
      /FileSystemResizePending: Waiting for user.*; FileSystemResizePending: the file system grows when a pod mounts the volume, which on some drivers means restarting the member/,
  });
});

t.test('a failed resize: ControllerResizeError, NodeResizeError or an Infeasible allocation status is ExpansionFailed', async (t) => {
  const cases: [string, (pvc: any) => void][] = [
    [
      'ControllerResizeError',
      (pvc) => (pvc.status.conditions = [{ type: 'ControllerResizeError', status: 'True', message: 'quota exceeded' }]),
    ],
    ['NodeResizeError', (pvc) => (pvc.status.conditions = [{ type: 'NodeResizeError', status: 'True' }])],
    ['ControllerResizeInfeasible', (pvc) => (pvc.status.allocatedResourceStatuses = { storage: 'ControllerResizeInfeasible' })],
    ['NodeResizeInfeasible', (pvc) => (pvc.status.allocatedResourceStatuses = { storage: 'NodeResizeInfeasible' })],
  ];
  for (const [what, change] of cases) {
    const { sizes, volumes } = grown({
      classes: [storageClass('standard', true)],
      claim: (pvc) => {
        pvc.spec.resources.requests.storage = '20Gi';
        change(pvc);
      },
    });
    t.same(sizes, ['20Gi', '20Gi'], `${what}: the request stays (never shrinks)`);
    t.match(volumes, { status: 'False', reason: 'ExpansionFailed', message: new RegExp(`^resizing failed for p-\\S+-0 .*${what}`) }, what);
  }
  const mixed = grown({
    classes: [storageClass('standard', true)],
    claim: (pvc) => {
      if (pvc.metadata.name.endsWith('-1')) pvc.status.conditions = [{ type: 'NodeResizeError', status: 'True' }];
    },
  });
  t.match(mixed.volumes, { reason: 'ExpansionFailed', message: /^resizing failed for p-\S+-1 / }, 'a failure outranks a resize under way');
});

t.test('True once every member PVC has at least the size asked for; a long list is cut short', async (t) => {
  const done = grown({ classes: [storageClass('standard', true)], claim: (pvc) => (pvc.status.capacity.storage = '21474836480') });
  t.match(done.volumes, {
    status: 'True',
    reason: 'CapacityMet',
    message: 'every member PVC has the capacity its role asks for (2 bound)',
  });

  const many = grown({ workers: 8, classes: [storageClass('standard', true)] });
  t.equal(many.sizes.length, 8);
  t.match(many.volumes.message, /-4 \(capacity 10Gi of 20Gi, requested 10Gi\) and 3 more$/);
});
