import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `results/` at the repository root (git-ignored), wherever the script is started from. */
const resultsDir = fileURLToPath(new URL('../../../results/', import.meta.url));

/** Writes `data` as pretty JSON to `results/<name>` and returns the path. */
export function writeResultsFile(name: string, data: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = `${resultsDir}${name}`;
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
