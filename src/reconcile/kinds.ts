// Keys of the v2 hook request's children and related maps: `<Kind>.<apiVersion>`.
import { API_VERSION } from '../api/resources.js';

export const TYPE = {
  statefulSet: 'StatefulSet.apps/v1',
  service: 'Service.v1',
  pvc: 'PersistentVolumeClaim.v1',
  configMap: 'ConfigMap.v1',
  secret: 'Secret.v1',
  pod: 'Pod.v1',
  serviceAccount: 'ServiceAccount.v1',
  role: 'Role.rbac.authorization.k8s.io/v1',
  roleBinding: 'RoleBinding.rbac.authorization.k8s.io/v1',
  lease: 'Lease.coordination.k8s.io/v1',
  storageClass: 'StorageClass.storage.k8s.io/v1',
  app: `KubeDirectorApp.${API_VERSION}`,
  cluster: `KubeDirectorCluster.${API_VERSION}`,
  config: `KubeDirectorConfig.${API_VERSION}`,
} as const;
