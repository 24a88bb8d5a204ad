import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BaselineServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL('./baseline-server.ts', import.meta.url));
const scriptsDir = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** Starts baseline-server.ts in a child process and resolves with its URL once it listens. */
export function startBaseline(): Promise<BaselineServer> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry], { cwd: scriptsDir, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    }
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the baseline server did not start within ${START_TIMEOUT_MS / 1000} s: ${output}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the baseline server exited with ${code}: ${output}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${match[1]}`, stop });
      }
    });
  });
}
