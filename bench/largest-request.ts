// Memory of the hook server for the largest request an API server could have produced, and for
// one it could not (a 1 MiB metadata.name). Each request is written to a file, then answered by
// the real server in a fresh process of its own, so that peak RSS is that request's alone:
// - largest: a converged Spark cluster of the most members a cluster may have, its name as long
//   as a name can be whose children the API server would store (63: it is a label value on each
//   of them), filled up to the default body limit with near-1 MiB ConfigMaps;
// - huge-name: the minimal request with a 1 MiB name, which the server must refuse cheaply.
// BENCH_MEMBERS sets a smaller member count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { HookRequest } from '../src/api/hook.js';
import { MAX_MEMBERS } from '../src/reconcile/validate.js';
import { buildServer } from '../src/server/app.js';
import { DEFAULTS } from '../src/server/config.js';
import { convergedRequest } from './converged.js';

const MIB = 1024 * 1024;
const PADDING_BYTES = 1000 * 1024;
/** The cluster's name is a label value on every child, so 63 characters is the longest that converges. */
const LONGEST_NAME = 'k'.repeat(63);

interface Measure {
  status: number;
  message?: string;
  requestBytes: number;
  responseBytes: number;
  ms: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
}

/** Answers the request in `file` and reports what it cost; runs in a process of its own. */
async function measure(file: string): Promise<Measure> {
  const body = readFileSync(file, 'utf8');
  const server = buildServer({ logLevel: 'silent' });
  await server.ready();
  const rssBeforeMiB = process.resourceUsage().maxRSS / 1024;
  const start = performance.now();
  const reply = await server.inject({ method: 'POST', url: '/sync', headers: { 'content-type': 'application/json' }, payload: body });
  const ms = performance.now() - start;
  await server.close();
  return {
    status: reply.statusCode,
    ...(reply.statusCode === 200 ? {} : { message: String(reply.json().message).slice(0, 200) }),
    requestBytes: Buffer.byteLength(body),
    responseBytes: reply.rawPayload.length,
    ms: Math.round(ms),
    rssBeforeMiB: Math.round(rssBeforeMiB),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/**
 * Fills the request up to the body limit with ConfigMaps in the cluster's namespace, each near the
 * 1 MiB an object may have: Metacontroller relays such ConfigMaps when they carry the app's package
 * label, and their bytes cost what any other object's do.
 */
function padToLimit(request: HookRequest, limit: number): number {
  const related = (request.related['ConfigMap.v1'] ??= {});
  const namespace = request.parent.metadata.namespace!;
  let count = 0;
  while (JSON.stringify(request).length + PADDING_BYTES + 1024 < limit) {
    const name = `padding-${count++}`;
    related[`${namespace}/${name}`] = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: { blob: 'x'.repeat(PADDING_BYTES) },
    };
  }
  return count;
}

function runInFreshProcess(file: string): Measure {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--measure', file], {
    encoding: 'utf8',
    maxBuffer: 16 * MIB,
  });
  return JSON.parse(out) as Measure;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'kd-largest-'));
  try {
    const members = Number(process.env.BENCH_MEMBERS ?? 0) || MAX_MEMBERS;
    const request = convergedRequest(members, LONGEST_NAME);
    const padding = padToLimit(request, DEFAULTS.bodyLimit);
    const largest = JSON.stringify(request);
    if (largest.length > DEFAULTS.bodyLimit) throw new Error(`${members} members make ${largest.length} bytes, over the body limit`);
    writeFileSync(join(work, 'largest.json'), largest);
    const minimal = JSON.parse(readFileSync(new URL('../test/fixtures/requests/sync-minimal.json', import.meta.url), 'utf8'));
    minimal.parent.metadata.name = 'a'.repeat(MIB);
    writeFileSync(join(work, 'huge-name.json'), JSON.stringify(minimal));

    console.log(`body limit ${DEFAULTS.bodyLimit / MIB} MiB; each request answered by the real server in a fresh process`);
    console.log('request                                   status  request MiB  response MiB      ms  RSS before  peak RSS (MiB)');
    const rows: [string, string][] = [
      [`largest legal: ${members} members + ${padding} ConfigMaps`, 'largest.json'],
      ['1 MiB metadata.name', 'huge-name.json'],
    ];
    for (const [label, file] of rows) {
      const m = runInFreshProcess(join(work, file));
      console.log(
        `${label.padEnd(40)} ${String(m.status).padStart(7)} ${(m.requestBytes / MIB).toFixed(1).padStart(12)} ${(m.responseBytes / MIB).toFixed(2).padStart(13)} ${String(m.ms).padStart(7)} ${String(m.rssBeforeMiB).padStart(11)} ${String(m.peakRssMiB).padStart(15)}`,
      );
      if (m.message) console.log(`  ${m.message}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') process.stdout.write(JSON.stringify(await measure(process.argv[3]!)));
else await main();
