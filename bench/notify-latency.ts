// Notification latency: simulated seconds from a scale request (3 -> 5 workers) to the last of
// the existing members having run its --addnodes, with the real agent, a kubelet that refreshes
// ConfigMap volumes every 60 s (as kubelets typically do), and the member sidecar's copy of the
// configuration or none. One round is one simulated second.
import { workersWorld } from '../test/support/workers.js';
import { NAMESPACE } from '../test/support/world.js';

const REFRESH_SECONDS = 60;
const pod = (i: number) => `workers-worker-${i}`;

interface Latency {
  /** From the scale request: includes the new members' own start and configure. */
  seconds: number;
  /** From the round the --addnodes event was published in the cluster's ConfigMap. */
  afterPublication: number;
}

async function measure(sidecar: boolean): Promise<Latency> {
  const { w, agents, scale, close } = await workersWorld({
    agents: { sidecar, volumeRefreshSeconds: REFRESH_SECONDS },
    secondsPerRound: 1,
  });
  try {
    scale(3);
    await w.sim.converge({ maxRounds: 400, quietRounds: 3 });
    scale(5);
    const start = w.sim.seconds;
    const heard = () => [0, 1, 2].every((i) => agents.calls(pod(i)).some((c) => c.includes('--addnodes')));
    const published = () =>
      w.sim.list('ConfigMap', NAMESPACE).some((c) => ((c as { data?: Record<string, string> }).data?.events ?? '').includes('--addnodes'));
    let publishedAt: number | undefined;
    let rounds = 0;
    while (!heard()) {
      if (++rounds > 400) throw new Error('the existing members never ran --addnodes');
      await w.sim.round();
      if (publishedAt === undefined && published()) publishedAt = w.sim.seconds;
    }
    return { seconds: w.sim.seconds - start, afterPublication: w.sim.seconds - (publishedAt ?? start) };
  } finally {
    await close();
  }
}

console.log(`ConfigMap volume refresh every ${REFRESH_SECONDS} s; seconds until the last existing member ran --addnodes`);
console.log('                           from the scale request   from the event publication');
for (const sidecar of [true, false]) {
  const { seconds, afterPublication } = await measure(sidecar);
  const label = sidecar ? 'with the member sidecar' : 'volume only (no sidecar)';
  console.log(`${label.padEnd(27)}${`${seconds} s`.padStart(22)}${`${afterPublication} s`.padStart(31)}`);
}
