import { execFileSync } from 'node:child_process';
import { engineEnv, stackScript } from './support/engine-control.ts';

/**
 * Integration tests run against the real local stack. Starting it is
 * idempotent and takes a second when it already runs, so the test command
 * works on a fresh machine and on a developer's running platform alike.
 */
export default function setup(): void {
  execFileSync('bash', [stackScript, 'up'], { stdio: ['ignore', 'inherit', 'inherit'], env: engineEnv() });
}
