// Runs the command line as users do: tsx on the TypeScript entry point, in the repository.
import { spawnSync } from 'node:child_process';
import { repoPath } from './fixtures.js';

export const cli = (args: string[], input?: string, timeout?: number) =>
  spawnSync(repoPath('node_modules/.bin/tsx').pathname, [repoPath('src/cli/main.ts').pathname, ...args], {
    encoding: 'utf8',
    input,
    cwd: repoPath('').pathname,
    timeout,
  });
