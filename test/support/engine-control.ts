import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = fileURLToPath(new URL('../../stack/stack.sh', import.meta.url));
const run = promisify(execFile);

/**
 * Stops one engine of the local stack (a real stop: the process exits and its
 * port closes). Asynchronous: the services under test run in this process,
 * and a blocked event loop would hold their requests past the servers'
 * headers timeout.
 */
export async function stopEngine(engine: 'kafka' | 'ferretdb' | 'redis'): Promise<void> {
  await run('bash', [script, 'down', engine]);
}

/** Starts it again and waits until it is ready. */
export async function startEngine(engine: 'kafka' | 'ferretdb' | 'redis'): Promise<void> {
  await run('bash', [script, 'up', engine]);
}
