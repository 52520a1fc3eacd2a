// The sync hook over real HTTP on loopback, against two anchors measured in the same run:
// - echo: a bare fastify server that parses the same request and answers the same response
//   body, so the ratio is what reconciling costs on top of serving;
// - the JSON floor: parsing the request and serialising the response, in process.
// autocannon, in a process of its own so that it does not share the servers' event loop, drives
// each server at concurrency 1 and 4 for clusters of 10, 100 and 1000 members.
import Fastify from 'fastify';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { buildServer } from '../src/server/app.js';
import { convergedRequest } from './converged.js';

const SIZES = [10, 100, 1000];
const CONNECTIONS = [1, 4];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const BODY_LIMIT = 64 * 1024 * 1024;

interface Load {
  rps: number;
  p50: number;
  p99: number;
}

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const work = mkdtempSync(join(tmpdir(), 'kd-bench-'));

async function load(url: string, bodyFile: string, connections: number): Promise<Load> {
  const args = [
    AUTOCANNON,
    '--json',
    '-c',
    String(connections),
    '-d',
    String(SECONDS),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-i',
    bodyFile,
    `${url}/sync`,
  ];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout) as {
    non2xx: number;
    errors: number;
    requests: { average: number };
    latency: { p50: number; p99: number };
  };
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

function jsonFloor(body: string, response: string, iterations: number): number {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    JSON.parse(body);
    JSON.stringify(JSON.parse(response));
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const hooks = buildServer({ logLevel: 'silent', bodyLimit: BODY_LIMIT });
const hooksUrl = await hooks.listen({ host: '127.0.0.1', port: 0 });

console.log(`${SECONDS} s per measurement; latencies in ms`);
console.log('members  conns  hooks req/s  echo req/s  ratio  hooks p50  echo p50  floor p50  vs echo  vs floor  hooks p99  echo p99');
for (const members of SIZES) {
  const body = JSON.stringify(convergedRequest(members));
  const bodyFile = join(work, `sync-${members}.json`);
  writeFileSync(bodyFile, body);
  const reply = await hooks.inject({ method: 'POST', url: '/sync', headers: { 'content-type': 'application/json' }, payload: body });
  if (reply.statusCode !== 200) throw new Error(`sync answered ${reply.statusCode}`);
  const response = reply.body;
  const echo = Fastify({ bodyLimit: BODY_LIMIT });
  echo.post('/sync', async (_request, res) => res.type('application/json').send(response));
  const echoUrl = await echo.listen({ host: '127.0.0.1', port: 0 });
  const floor = jsonFloor(body, response, members === 1000 ? 40 : 200);
  for (const connections of CONNECTIONS) {
    const h = await load(hooksUrl, bodyFile, connections);
    const e = await load(echoUrl, bodyFile, connections);
    console.log(
      [
        String(members).padStart(7),
        String(connections).padStart(6),
        h.rps.toFixed(0).padStart(12),
        e.rps.toFixed(0).padStart(11),
        `${(e.rps / h.rps).toFixed(1)}x`.padStart(6),
        String(h.p50).padStart(10),
        String(e.p50).padStart(9),
        floor.toFixed(2).padStart(10),
        `${(h.p50 / Math.max(e.p50, 0.01)).toFixed(1)}x`.padStart(8),
        `${(h.p50 / floor).toFixed(1)}x`.padStart(9),
        String(h.p99).padStart(10),
        String(e.p99).padStart(9),
      ].join(' '),
    );
  }
  await echo.close();
}
await hooks.close();
rmSync(work, { recursive: true, force: true });
