// What a scenario watches after every round, simulated or on the real control plane: a pod that
// was ready and is not, while not being deleted, is a member made NotReady; a departing pod that
// is being deleted (or already gone) before its --leave ran is a member that could not hand over.
import type { Test } from 'tap';
import type { Agents } from './agents.js';
import { NAMESPACE, type World } from './world.js';

export interface PodView {
  metadata: { name: string; uid?: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string }[]; containerStatuses?: { name: string; restartCount?: number }[] };
}

export interface MemberWatch {
  /** Looks at the pods as they are now; `round` names the moment in what it records. */
  observe: (pods: PodView[], round: number) => void;
  /** Pods that must run --leave before their removal starts. */
  mustLeave: Set<string>;
  /** `<pod> in round <n>` for every moment a once-ready, not-deleting pod was not ready. */
  notReady: string[];
  /** Departing pods seen deleting or gone before their --leave ran. */
  removedBeforeLeave: string[];
}

export function memberWatch(agents: Pick<Agents, 'calls'>): MemberWatch {
  const everReady = new Set<string>();
  const mustLeave = new Set<string>();
  const notReady: string[] = [];
  const removedBeforeLeave: string[] = [];
  const left = (name: string) => agents.calls(name).some((c) => c.includes('--leave'));
  return {
    mustLeave,
    notReady,
    removedBeforeLeave,
    observe: (pods, round) => {
      const present = new Set(pods.map((p) => p.metadata.name));
      for (const p of pods) {
        const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        const id = p.metadata.uid ?? p.metadata.name;
        if (ready) everReady.add(id);
        else if (everReady.has(id) && !p.metadata.deletionTimestamp) notReady.push(`${p.metadata.name} in round ${round}`);
      }
      for (const name of mustLeave) {
        const deleting = !present.has(name) || pods.some((p) => p.metadata.name === name && p.metadata.deletionTimestamp);
        if (deleting && !left(name) && !removedBeforeLeave.includes(name)) removedBeforeLeave.push(name);
      }
    },
  };
}

/**
 * Simulator rounds until three in a row change nothing, each followed by afterRound with the
 * pods as they are; then asserts that the world settled, without errors.
 */
export async function settle(t: Test, w: World, afterRound: (pods: PodView[], round: number) => void, maxRounds = 80): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < maxRounds && quiet < 3; i++) {
    const result = await w.sim.round();
    afterRound(w.sim.list('Pod', NAMESPACE), result.round);
    quiet = result.changed ? 0 : quiet + 1;
  }
  t.equal(quiet, 3, 'settled');
  t.same(w.sim.errors, [], 'without errors');
}
