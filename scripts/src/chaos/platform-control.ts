import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'attendance-service' | 'dashboard-service' | 'tasks';
export type EngineName = 'kafka' | 'redis' | 'ferretdb';

/**
 * The operator's hands on the local platform, as `./platform` and
 * `stack/stack.sh` run it (same state directory, same ports from the
 * environment): kill a service by the pid file `./platform` wrote, start what
 * is missing again, stop and start one engine, run a job once.
 */
export class PlatformControl {
  private readonly stateDir = process.env.STACK_STATE_DIR ?? `${root}.stack`;

  async killService(name: ServiceName): Promise<number> {
    const pid = Number((await readFile(`${this.stateDir}/run/${name}.pid`, 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    // The pid file stays behind; `./platform up` checks the process, not the file.
    while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    return pid;
  }

  /** `./platform up`: starts whatever is not running and waits until every service is ready. */
  async startMissing(): Promise<void> {
    await run(`${root}platform`, ['up'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  }

  async stopEngine(name: EngineName): Promise<void> {
    await run('bash', [`${root}stack/stack.sh`, 'down', name], { cwd: root });
  }

  async startEngine(name: EngineName): Promise<void> {
    await run('bash', [`${root}stack/stack.sh`, 'up', name], { cwd: root });
  }

  /** Runs a tasks job once from the command line, as the README tells an operator to; resolves with its exit code. */
  async runJob(job: 'rebuild' | 'rollover'): Promise<number> {
    try {
      await run('pnpm', ['--filter', '@attendance/tasks', 'job', job], { cwd: root });
      return 0;
    } catch (err) {
      return typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
