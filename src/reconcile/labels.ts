// Labels and annotations on everything a cluster owns: upstream KubeDirector's
// kubedirector.hpe.com/* set, the app.kubernetes.io/* recommended set, and Metacontroller's
// controller-uid (with generateSelector, children and adopted PVCs are found by it).
export const LABEL = {
  cluster: 'kubedirector.hpe.com/kdcluster',
  app: 'kubedirector.hpe.com/kdapp',
  appCatalog: 'kubedirector.hpe.com/appCatalog',
  role: 'kubedirector.hpe.com/role',
  headless: 'kubedirector.hpe.com/headless',
  controllerUid: 'controller-uid',
  podName: 'statefulset.kubernetes.io/pod-name',
} as const;
export const PRETTY_NAME_ANNOTATION = 'kubedirector.hpe.com/kdapp-prettyName';
/** Marks the ConfigMap holding a cluster's configmeta, so connected clusters can find it. */
export const CONFIGMETA_LABEL = 'kubedirector.hpe.com/configmeta';
/** Marks a ConfigMap carrying setup packages for an app (value: the app name). */
export const PACKAGE_LABEL = 'kubedirector.hpe.com/setup-package-for';

export type Labels = Record<string, string>;

export interface LabelContext {
  cluster: string;
  uid: string;
  app: string;
  appCatalog: string;
}

export function clusterLabels({ cluster, uid, app, appCatalog }: LabelContext): Labels {
  return {
    [LABEL.cluster]: cluster,
    [LABEL.app]: app,
    [LABEL.appCatalog]: appCatalog,
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/managed-by': 'kubedirector',
    [LABEL.controllerUid]: uid,
  };
}

export const roleLabels = (context: LabelContext, role: string): Labels => ({
  ...clusterLabels(context),
  [LABEL.role]: role,
  'app.kubernetes.io/component': role,
});

/** The StatefulSet selector: never changes for the life of the role, whatever labels users add. */
export const roleSelector = ({ cluster, uid }: LabelContext, role: string): Labels => ({
  [LABEL.controllerUid]: uid,
  [LABEL.cluster]: cluster,
  [LABEL.role]: role,
});

/** Layers user maps under the labels the system relies on, which always win. */
export function withUserLabels(system: Labels, ...user: (Labels | null | undefined)[]): Labels {
  return sortKeys(Object.assign({}, ...user.filter((m): m is Labels => Boolean(m)), system) as Labels);
}

/** Later maps win; keys sorted so rendering is stable whatever order the inputs had. */
export const mergeMaps = (...maps: (Labels | null | undefined)[]): Labels =>
  sortKeys(Object.assign({}, ...maps.filter((m): m is Labels => Boolean(m))) as Labels);

export const sortKeys = <T>(map: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
