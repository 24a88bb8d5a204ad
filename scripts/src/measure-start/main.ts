/**
 * pnpm measure:start [--runs N] [--settle-ms MS]
 *
 * Start time and memory of each service, run as TypeScript through tsx
 * (`node --import tsx src/main.ts`) and as the built JavaScript
 * (`node dist/main.js`, after `pnpm build`): milliseconds from spawning the
 * process to the first `200` of its `/readyz`, and its resident memory (RSS)
 * then and `--settle-ms` later. Each start is a fresh process on a free port
 * with the caller's environment (source .env.local first), beside the running
 * platform; a second dashboard-service joins the consumer group for a moment.
 * Prints a table (medians over `--runs`) and writes results/service-start.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../shared/free-port.ts';
import { pollUntil } from '../shared/poll-until.ts';
import { exitOnUsageError, positiveInteger } from '../shared/cli-options.ts';
import { writeResultsFile } from '../shared/results-file.ts';

const SERVICES = ['attendance-service', 'dashboard-service', 'tasks'] as const;
const MODES = { tsx: ['--conditions=source', '--import', 'tsx', 'src/main.ts'], dist: ['dist/main.js'] } as const;
type Mode = keyof typeof MODES;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const usage = 'usage: pnpm measure:start [--runs 3] [--settle-ms 5000]';

interface Sample {
  readyMs: number;
  rssReadyMb: number;
  rssSettledMb: number;
}


function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function readyOnce(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false;
  }
}

async function measureOnce(service: string, mode: Mode, settleMs: number): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...MODES[mode]], { cwd: `${root}${service}`, env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ready = await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} (${mode}) exited with ${child.exitCode}: ${errors}`);
        return readyOnce(`http://127.0.0.1:${port}/readyz`);
      },
      (isReady) => isReady,
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    if (!ready.done) throw new Error(`${service} (${mode}) not ready after 60 s`);
    const readyMs = performance.now() - started;
    const rssReadyMb = rssMb(child.pid ?? 0);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return { readyMs, rssReadyMb, rssSettledMb: rssMb(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'settle-ms': { type: 'string', default: '5000' } } });
  const runs = positiveInteger('runs', values.runs);
  const settleMs = positiveInteger('settle-ms', values['settle-ms']);
  const modes = (Object.keys(MODES) as Mode[]).filter((mode) => mode !== 'dist' || SERVICES.every((s) => existsSync(`${root}${s}/dist/main.js`)));
  if (!modes.includes('dist')) process.stderr.write('no dist/main.js: run pnpm build to measure the built JavaScript too\n');
  const rows: Array<{ service: string; mode: Mode; samples: Sample[]; readyMs: number; rssReadyMb: number; rssSettledMb: number }> = [];
  for (const service of SERVICES) {
    for (const mode of modes) {
      const samples: Sample[] = [];
      for (let run = 1; run <= runs; run++) {
        process.stderr.write(`${service} ${mode} run ${run}/${runs}\n`);
        samples.push(await measureOnce(service, mode, settleMs));
      }
      rows.push({ service, mode, samples, readyMs: median(samples.map((s) => s.readyMs)), rssReadyMb: median(samples.map((s) => s.rssReadyMb)), rssSettledMb: median(samples.map((s) => s.rssSettledMb)) });
    }
  }
  console.log(`median of ${runs} starts; RSS settled = ${settleMs} ms after ready`);
  console.log(`${'service'.padEnd(20)} ${'mode'.padEnd(5)} ${'start→ready ms'.padStart(15)} ${'RSS ready MB'.padStart(13)} ${'RSS settled MB'.padStart(15)}`);
  for (const row of rows) {
    console.log(`${row.service.padEnd(20)} ${row.mode.padEnd(5)} ${row.readyMs.toFixed(0).padStart(15)} ${row.rssReadyMb.toFixed(1).padStart(13)} ${row.rssSettledMb.toFixed(1).padStart(15)}`);
  }
  console.log(`written ${writeResultsFile('service-start.json', { at: new Date().toISOString(), runs, settleMs, rows })}`);
}

main().catch((err: unknown) => {
  try {
    exitOnUsageError(err, usage);
  } catch {
    console.error(err);
    process.exit(1);
  }
});
