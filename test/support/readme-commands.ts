// The README's shell commands as a reader copies them, and a clean checkout to run them in.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { repoPath } from './fixtures.js';

export interface ReadmeCommand {
  /** The command as written, continuation lines joined by their `\` and newline. */
  command: string;
  /** README.md's line where it starts. */
  line: number;
}

/** Every command of every ```sh block of README.md, comment-only lines left out. */
export function readmeCommands(readme = readFileSync(repoPath('README.md'), 'utf8')): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let inBlock = false;
  let pending: ReadmeCommand | undefined;
  readme.split('\n').forEach((text, index) => {
    if (!inBlock) {
      inBlock = text === '```sh';
      return;
    }
    if (text.startsWith('```')) {
      inBlock = false;
      return;
    }
    if (pending) pending.command += `\n${text}`;
    else if (text.trim() && !text.trim().startsWith('#')) pending = { command: text, line: index + 1 };
    if (pending && !text.endsWith('\\')) {
      commands.push(pending);
      pending = undefined;
    }
  });
  return commands;
}

/** The command of the README that starts with this text (throws when none does, so a test names the drift). */
export function readmeCommand(start: string, commands = readmeCommands()): string {
  const found = commands.find((c) => c.command.startsWith(start));
  if (!found) throw new Error(`README.md has no command starting with ${JSON.stringify(start)}`);
  return found.command;
}

/**
 * The repository's tracked files as a clone has them (none of the working tree's ignored or
 * untracked files: no dist/, no hooks-token), with node_modules linked in place of `npm ci`.
 */
export function cleanCheckout(): { dir: string; cleanup: () => void } {
  const repo = repoPath('').pathname;
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: repo, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'kd-readme-'));
  // A tracked file deleted in the working tree is not part of what is being tested.
  for (const file of listed.stdout.split('\0').filter((f) => f && existsSync(join(repo, f)))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(repo, file), join(dir, file), { verbatimSymlinks: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * How each README command is covered, by the start of its text: run as written by a test, or why
 * it cannot run here and what checks it instead. A command missing here (or an entry no command
 * matches) fails test/server/readme-commands.test.ts, so the README and its tests move together.
 */
export const COVERAGE: { start: string; covered: string }[] = [
  {
    start: 'npm ci && npm run demo',
    covered: 'run: npm run demo as written, in a clean checkout (npm ci needs the registry: node_modules is linked instead)',
  },
  { start: 'npm test', covered: 'not run by a test: it is the whole suite, which CI (.ci/run) runs' },
  {
    start: 'docker build -t ',
    covered: 'needs a Docker engine; test/deploy/dockerfile.test.ts checks the Dockerfile, and the tag is checked here',
  },
  { start: 'kind load docker-image ', covered: 'needs Docker and kind; the tag is checked here' },
  { start: 'k3d image import ', covered: 'needs Docker and k3d; the tag is checked here' },
  { start: 'helm install metacontroller oci://', covered: 'needs the network and a cluster with nodes' },
  {
    start: 'helm install kubedirector-hooks metacontroller/chart ',
    covered: 'test/cluster/manifests.test.ts: the chart through helm upgrade --install --dry-run=server on the real API server',
  },
  {
    start: 'helm dependency build metacontroller/umbrella',
    covered: 'needs the network; test/metacontroller/chart.test.ts renders the umbrella with a stub',
  },
  { start: 'helm install kubedirector-hooks metacontroller/umbrella ', covered: 'needs the dependency build above' },
  { start: "kubectl apply -k 'https://github.com/metacontroller/", covered: 'needs the network' },
  { start: 'kubectl apply -k crds', covered: 'test/cluster/crds.test.ts: crds/ applied and Established on the real API server' },
  { start: 'kubectl wait --for=condition=Established crd --all', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'openssl rand -hex 32 > metacontroller/hooks-token', covered: 'run: test/server/readme-commands.test.ts' },
  {
    start: 'kubectl apply -k metacontroller',
    covered: 'test/cluster/manifests.test.ts: the kustomize base through a server-side dry run on the real API server',
  },
  { start: 'kubectl apply -f catalog/spark/ ', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl apply -k catalog ', covered: 'run: test/cluster/readme.test.ts (both places)' },
  { start: 'kubectl get kdapp -n kubedirector', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl apply -f clusters/spark.yaml ', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl get pods', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl get service', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl get kdcluster ', covered: 'run: test/cluster/readme.test.ts, its columns compared with the ones shown' },
  { start: 'kubectl get kdcluster spark-demo -o jsonpath=', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl port-forward service/<that service>', covered: 'a placeholder to fill in, and it needs a kubelet' },
  { start: "kubectl port-forward service/<jupyter member's service>", covered: 'a placeholder to fill in, and it needs a kubelet' },
  { start: 'kubectl logs <jupyter pod>', covered: 'a placeholder to fill in, and it needs a kubelet' },
  { start: 'kubectl patch kdcluster spark-demo --type json ', covered: 'run: test/cluster/readme.test.ts' },
  { start: 'kubectl get kdcluster spark-demo -o yaml', covered: 'run: test/cluster/readme.test.ts, with the status fields it names' },
  { start: "curl -s -X POST localhost:8080/sync -H 'Content-Type", covered: 'run: test/server/readme-commands.test.ts, against npm start' },
  { start: 'curl -s -X POST localhost:8080/finalize ', covered: 'run: test/server/readme-commands.test.ts, against npm start' },
  { start: 'curl -s -X POST localhost:8080/customize ', covered: 'run: test/server/readme-commands.test.ts, against npm start' },
  { start: 'curl -s localhost:8080/metrics', covered: 'run: test/server/readme-commands.test.ts, against npm start' },
  { start: 'TOKEN=$(kubectl -n kubedirector get secret', covered: 'needs the hooks installed and running in a cluster (a kubelet)' },
  {
    start: 'curl -s -X POST localhost:8080/sync -H "Authorization',
    covered: 'needs the port-forward above; test/server checks the token itself',
  },
  { start: 'curl -s localhost:9090/metrics', covered: 'needs the port-forward above' },
  { start: 'kubectl apply -f catalog/spark/ -f clusters/spark.yaml', covered: 'run: test/cluster/readme.test.ts' },
  {
    start: 'npm run -s render -- -f clusters/spark.yaml',
    covered: 'run: test/cluster/readme.test.ts (and for every example: test/cluster/render.test.ts)',
  },
  { start: 'npm run -s render -- -f - ', covered: 'run: test/cluster/readme.test.ts, with a my-cluster.yaml' },
];

/** The coverage entry of a command: the longest start that matches. */
export function coverageOf(command: string) {
  return COVERAGE.filter((c) => command.startsWith(c.start)).sort((a, b) => b.start.length - a.start.length)[0];
}
