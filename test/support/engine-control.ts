import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The local stack's script: every test starts and stops engines through it. */
export const stackScript = fileURLToPath(new URL('../../stack/stack.sh', import.meta.url));
const run = promisify(execFile);

/**
 * The environment for stack.sh: this process's, without libfaketime. A test
 * run under `faketime` (README "Tests") fakes the clock of the test process
 * and what it spawns, but the engines keep the real one (redis-cli, among
 * others, hangs under libfaketime).
 */
export function engineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.LD_PRELOAD?.includes('faketime')) delete env.LD_PRELOAD;
  for (const name of Object.keys(env)) if (name.startsWith('FAKETIME')) delete env[name];
  return env;
}

/**
 * Stops one engine of the local stack (a real stop: the process exits and its
 * port closes). Asynchronous: the services under test run in this process,
 * and a blocked event loop would hold their requests past the servers'
 * headers timeout.
 */
export async function stopEngine(engine: 'kafka' | 'ferretdb' | 'redis'): Promise<void> {
  await run('bash', [stackScript, 'down', engine], { env: engineEnv() });
}

/** Starts it again and waits until it is ready. */
export async function startEngine(engine: 'kafka' | 'ferretdb' | 'redis'): Promise<void> {
  await run('bash', [stackScript, 'up', engine], { env: engineEnv() });
}
