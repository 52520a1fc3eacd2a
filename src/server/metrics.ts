// Prometheus metrics of the hook server, on a registry of its own per server instance.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type HookName = 'customize' | 'sync' | 'finalize';

/** The kinds the hooks render; anything else echoed back is counted as `other`. */
const RENDERED_KINDS = new Set([
  'StatefulSet',
  'Service',
  'PersistentVolumeClaim',
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'Lease',
]);
/** The states a cluster reports; a missing or other state is counted as `unknown`. */
const CLUSTER_STATES = new Set(['creating', 'updating', 'configured']);

// Label values come only from these fixed sets, so a request cannot add series.
const kindLabel = (kind: string) => (RENDERED_KINDS.has(kind) ? kind : 'other');
const stateLabel = (state: string | undefined) => (state !== undefined && CLUSTER_STATES.has(state) ? state : 'unknown');
export type Outcome = 'success' | 'rejected' | 'error';

export interface HookMetrics {
  registry: Registry;
  /** Starts timing a call; the returned function ends it with its outcome. */
  start(hook: HookName): (outcome: Outcome) => void;
  /** Records what a sync or finalize answered for a cluster. */
  rendered(children: { kind: string }[], state: string | undefined): void;
}

export function hookMetrics(): HookMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'kubedirector_hook_requests_total',
    help: 'Hook calls by hook and outcome (success, rejected: a 4xx, error: a 5xx).',
    labelNames: ['hook', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'kubedirector_hook_duration_seconds',
    help: 'Time to answer a hook call, from request to response.',
    labelNames: ['hook'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'kubedirector_hook_in_flight',
    help: 'Hook calls being answered.',
    labelNames: ['hook'],
    registers: [registry],
  });
  const children = new Counter({
    name: 'kubedirector_rendered_children_total',
    help: 'Children returned by sync and finalize, by kind (the kinds the hooks render, or other).',
    labelNames: ['kind'],
    registers: [registry],
  });
  // No state is kept per cluster: a replica sees only the clusters it happened to answer, and a
  // map of them would grow with every name ever synced. The API server has the current states.
  const states = new Counter({
    name: 'kubedirector_cluster_states_total',
    help: 'Sync and finalize answers by the cluster state they reported (creating, updating, configured, or unknown).',
    labelNames: ['state'],
    registers: [registry],
  });

  return {
    registry,
    start(hook) {
      inFlight.inc({ hook });
      const end = duration.startTimer({ hook });
      return (outcome) => {
        inFlight.dec({ hook });
        end();
        requests.inc({ hook, outcome });
      };
    },
    rendered(rendered, state) {
      for (const child of rendered) children.inc({ kind: kindLabel(child.kind) });
      states.inc({ state: stateLabel(state) });
    },
  };
}
