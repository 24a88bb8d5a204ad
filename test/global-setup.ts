import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Integration tests run against the real local stack. Starting it is
 * idempotent and takes a second when it already runs, so the test command
 * works on a fresh machine and on a developer's running platform alike.
 */
export default function setup(): void {
  const script = fileURLToPath(new URL('../stack/stack.sh', import.meta.url));
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
