import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.ts';

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Runs a service as a real process (for tests that SIGKILL it), on a free
 * port, and resolves once its `started` log line names the port.
 */
export async function spawnService(service: 'attendance-service' | 'dashboard-service' | 'tasks', env: Record<string, string>): Promise<ServiceProcess> {
  const cwd = fileURLToPath(new URL(`../../${service}/`, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${service} exited: ${output}`);
      const match = /"port":(\d+),"msg":"[a-z-]+ started"/.exec(output);
      return match ? Number(match[1]) : undefined;
    },
    { timeoutMs: 60_000, what: `${service} to start` },
  );
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}
