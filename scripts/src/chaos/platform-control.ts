import { execFile, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../shared/free-port.ts';
import { pollUntil } from '../shared/poll-until.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'attendance-service' | 'dashboard-service' | 'tasks';
export type EngineName = 'kafka' | 'redis' | 'ferretdb';

/** A second instance of a service, started beside the platform's own (same environment, so same Kafka group). */
export interface ExtraInstance {
  pid: number;
  url: string;
  /** SIGTERM, then waits for the process to end (a graceful stop: the consumer leaves its group). */
  stop(): Promise<void>;
}

/**
 * The operator's hands on the local platform, as `./platform` and
 * `stack/stack.sh` run it (same state directory, same ports from the
 * environment): kill a service by the pid file `./platform` wrote, start what
 * is missing again, stop and start one engine, run a job once.
 */
export class PlatformControl {
  private readonly stateDir = process.env.STACK_STATE_DIR ?? `${root}.stack`;

  /** Where the platform's own instance of a service listens (`./platform`'s port variables). */
  serviceUrl(name: ServiceName): string {
    const ports: Record<ServiceName, string> = {
      'attendance-service': process.env.ATTENDANCE_PORT ?? '8080',
      'dashboard-service': process.env.DASHBOARD_PORT ?? '8081',
      tasks: process.env.TASKS_PORT ?? '8082',
    };
    return `http://127.0.0.1:${ports[name]}`;
  }

  async killService(name: ServiceName): Promise<number> {
    const pid = Number((await readFile(`${this.stateDir}/run/${name}.pid`, 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    // The pid file stays behind; `./platform up` checks the process, not the file.
    if (!(await pollUntil(() => Promise.resolve(isAlive(pid)), (alive) => !alive, { timeoutMs: 30_000, intervalMs: 50 })).done) throw new Error(`${name} (pid ${pid}) still alive 30 s after SIGKILL`);
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

  /**
   * Starts a second instance of a service on a free port, as an operator
   * scaling out would (`node dist/main.js`, the build `./platform up` runs, with the platform's
   * environment), logging to `.stack/logs/<name>-2.log`; resolves once its
   * `/readyz` answers 200.
   */
  async startSecondInstance(name: ServiceName): Promise<ExtraInstance> {
    const port = await freePort();
    const log = openSync(`${this.stateDir}/logs/${name}-2.log`, 'a');
    const child = spawn('node', ['dist/main.js'], { cwd: `${root}${name}`, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    child.unref();
    // Settles on exit or on a failed spawn (whose 'error' would otherwise be thrown, or reject a promise nobody awaits yet).
    let spawnError: Error | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', (err) => {
        spawnError = err;
        resolve();
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const ready = await pollUntil(
      async () => {
        if (spawnError) throw new Error(`the second ${name} could not start: ${spawnError.message}`);
        if (child.exitCode !== null) throw new Error(`the second ${name} exited (${child.exitCode}); see .stack/logs/${name}-2.log`);
        return fetch(`${url}/readyz`).then((response) => response.ok, () => false);
      },
      (isReady) => isReady,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    if (!ready.done) {
      child.kill('SIGKILL');
      throw new Error(`the second ${name} was not ready within 60 s`);
    }
    return {
      pid: child.pid ?? 0,
      url,
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
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
