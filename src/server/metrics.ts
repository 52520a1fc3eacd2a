// Prometheus metrics of the hook server, on a registry of its own per server instance.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type HookName = 'customize' | 'sync' | 'finalize';
export type Outcome = 'success' | 'rejected' | 'error';

export interface HookMetrics {
  registry: Registry;
  /** Starts timing a call; the returned function ends it with its outcome. */
  start(hook: HookName): (outcome: Outcome) => void;
  /** Records what a sync or finalize answered for a cluster. */
  rendered(parent: string, children: { kind: string }[], state: string | undefined, gone: boolean): void;
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
    help: 'Children returned by sync and finalize, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  });
  // The last state each cluster reported; a cluster whose finalize completed is forgotten.
  const states = new Map<string, string>();
  new Gauge({
    name: 'kubedirector_clusters',
    help: 'KubeDirectorClusters by the state of their last sync (creating, updating, configured, or unknown).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of states.values()) this.inc({ state });
    },
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
    rendered(parent, rendered, state, gone) {
      for (const child of rendered) children.inc({ kind: child.kind });
      if (gone) states.delete(parent);
      else states.set(parent, state ?? 'unknown');
    },
  };
}
