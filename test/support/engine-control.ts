import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../stack/stack.sh', import.meta.url));

/** Stops one engine of the local stack (a real stop: the process exits and its port closes). */
export function stopEngine(engine: 'kafka' | 'ferretdb' | 'redis'): void {
  execFileSync('bash', [script, 'down', engine], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Starts it again and waits until it is ready. */
export function startEngine(engine: 'kafka' | 'ferretdb' | 'redis'): void {
  execFileSync('bash', [script, 'up', engine], { stdio: ['ignore', 'ignore', 'inherit'] });
}
