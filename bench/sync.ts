// Sync hook latency for clusters of 10, 100 and 1000 members, through the real HTTP server
// (parse, envelope validation, reconcile, serialise), against the JSON floor: parsing the same
// request body and serialising the same response body, measured in the same run.
import { performance } from 'node:perf_hooks';
import { buildServer } from '../src/server/app.js';
import { convergedRequest } from './converged.js';

const SIZES = [10, 100, 1000];
const ITERATIONS: Record<number, number> = { 10: 400, 100: 200, 1000: 40 };

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

const app = buildServer({ logLevel: 'silent' });
await app.ready();
console.log('members  request  response  sync p50  sync p99  floor p50  floor p99  p50 ratio  p99 ratio');
for (const members of SIZES) {
  const body = JSON.stringify(convergedRequest(members));
  const hook: number[] = [];
  const floor: number[] = [];
  let responseBody = '';
  for (let i = 0; i < ITERATIONS[members]! + 5; i++) {
    let start = performance.now();
    const reply = await app.inject({ method: 'POST', url: '/sync', headers: { 'content-type': 'application/json' }, payload: body });
    const elapsed = performance.now() - start;
    if (reply.statusCode !== 200) throw new Error(`sync answered ${reply.statusCode}: ${reply.body.slice(0, 200)}`);
    responseBody = reply.body;
    start = performance.now();
    JSON.stringify(JSON.parse(responseBody));
    JSON.parse(body);
    const floorElapsed = performance.now() - start;
    if (i >= 5) {
      hook.push(elapsed);
      floor.push(floorElapsed);
    }
  }
  const [s50, s99, f50, f99] = [percentile(hook, 50), percentile(hook, 99), percentile(floor, 50), percentile(floor, 99)];
  const kib = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`;
  console.log(
    [
      String(members).padStart(7),
      kib(body).padStart(8),
      kib(responseBody).padStart(9),
      `${s50.toFixed(2)} ms`.padStart(9),
      `${s99.toFixed(2)} ms`.padStart(9),
      `${f50.toFixed(2)} ms`.padStart(10),
      `${f99.toFixed(2)} ms`.padStart(10),
      `${(s50 / f50).toFixed(1)}x`.padStart(10),
      `${(s99 / f99).toFixed(1)}x`.padStart(10),
    ].join(' '),
  );
}
console.log(`heap used after the run: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MiB`);
await app.close();
