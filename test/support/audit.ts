// The run's audit of itself: a test that made no assertion and was not skipped passes in tap,
// silently. Read back from tap's saved results, every such test is named.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const RESULTS = '.tap/test-results';
/** Where the before script notes the run's start (ms), so that older results are not audited. */
export const RUN_STARTED = '.tap/run-started';

function resultFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? resultFiles(path) : path.endsWith('.tap') ? [path] : [];
  });
}

/** `file: subtest` for every test in results written since `since` (ms) that planned or made no assertion without a reason. */
export function testsWithoutAssertions(since: number, dir = RESULTS): string[] {
  let files: string[];
  try {
    files = resultFiles(dir).filter((file) => statSync(file).mtimeMs >= since);
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    const lines = readFileSync(file, 'utf8').split('\n');
    const name = relative(dir, file).replace(/\.tap$/, '');
    const found: string[] = [];
    const open: { name: string; indent: number }[] = [];
    for (const line of lines) {
      const indent = line.length - line.trimStart().length;
      const subtest = /^# Subtest: (.*)$/.exec(line.trim());
      if (subtest) open.push({ name: subtest[1]!, indent });
      else if (/^(not )?ok \d+/.test(line.trim()) && open.at(-1)?.indent === indent) open.pop();
      else if (line.trim() === '1..0') {
        // The plan sits one level inside the subtest it belongs to; at the top, it is the file's.
        const owner = [...open].reverse().find((o) => o.indent === indent - 4);
        found.push(`${name}: ${indent === 0 ? '(the file itself)' : (owner?.name ?? '?')}`);
      }
    }
    return [...new Set(found)];
  });
}
