/**
 * How many live-counter streams one dashboard-service instance holds:
 *   pnpm stream-clients --clients 1000 --schools 10
 * Opens `--clients` Server-Sent-Event streams (`/schools/:id/stream`, spread
 * over the first `--schools` schools of .secrets/credentials.json, each with
 * its school's staff token), waits for every first event, then checks in one
 * new student per school and measures how long each client waits for the
 * counters that include it. Prints the figures, the dashboard's memory before
 * and after, and writes results/stream-clients-<time>.json. Exits 1 if a
 * client could not connect or missed the update.
 */
import { request, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { exitOnUsageError, positiveInteger } from '../shared/cli-options.ts';
import { readCredentialsFile } from '../shared/credentials-file.ts';
import { pollUntil } from '../shared/poll-until.ts';
import { writeResultsFile } from '../shared/results-file.ts';

const usage = 'usage: pnpm stream-clients [--clients 1000] [--schools 10] [--dashboard http://127.0.0.1:8081] [--attendance http://127.0.0.1:8080] [--timeout 30] [--state-dir .stack]';

interface StreamClient {
  schoolId: string;
  connectedMs?: number;
  firstCheckIns?: number;
  updatedAt?: number;
  failed?: string;
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        clients: { type: 'string', default: '1000' },
        schools: { type: 'string', default: '10' },
        dashboard: { type: 'string', default: `http://127.0.0.1:${process.env.DASHBOARD_PORT ?? '8081'}` },
        attendance: { type: 'string', default: `http://127.0.0.1:${process.env.ATTENDANCE_PORT ?? '8080'}` },
        timeout: { type: 'string', default: '30' },
        'state-dir': { type: 'string', default: process.env.STACK_STATE_DIR ?? '.stack' },
      },
    });
    return {
      clients: positiveInteger('clients', values.clients),
      schools: positiveInteger('schools', values.schools),
      dashboard: values.dashboard,
      attendance: values.attendance,
      timeoutMs: positiveInteger('timeout', values.timeout) * 1000,
      stateDir: values['state-dir'],
    };
  } catch (err) {
    return exitOnUsageError(err, usage);
  }
}

/** Resident memory of the running dashboard-service (its pid file from ./platform), in MB. */
function dashboardRssMb(stateDir: string): number | undefined {
  try {
    const pid = readFileSync(`${stateDir}/run/dashboard-service.pid`, 'utf8').trim();
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

const opts = options();
const credentials = readCredentialsFile();
const schools = Object.keys(credentials.staff).sort().slice(0, opts.schools);
if (schools.length === 0) {
  process.stderr.write('no schools in the credentials file: run pnpm seed first\n');
  process.exit(2);
}

const clients: StreamClient[] = Array.from({ length: opts.clients }, (_, i) => ({ schoolId: schools[i % schools.length] as string }));
const responses: IncomingMessage[] = [];
const started = Date.now();

function open(client: StreamClient): Promise<void> {
  return new Promise((resolve) => {
    const url = new URL(`/schools/${client.schoolId}/stream`, opts.dashboard);
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${credentials.staff[client.schoolId]}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        client.failed = `HTTP ${res.statusCode}`;
        res.resume();
        resolve();
        return;
      }
      responses.push(res);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (!data) continue;
          const { checkIns } = JSON.parse(data.slice(6)) as { checkIns: number };
          if (client.firstCheckIns === undefined) {
            client.firstCheckIns = checkIns;
            client.connectedMs = Date.now() - started;
            resolve();
          } else if (checkIns > client.firstCheckIns && client.updatedAt === undefined) client.updatedAt = Date.now();
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      client.failed = err.message;
      resolve();
    });
    req.end();
  });
}

const rssBefore = dashboardRssMb(opts.stateDir);
let opened = 0;
const progress = setInterval(() => process.stderr.write(`\rstreams open: ${opened} / ${opts.clients}`), 500);
// 50 connections at a time: a burst of 1,000 handshakes at once would measure the accept queue, not the streams.
for (let i = 0; i < clients.length; i += 50) {
  await Promise.all(clients.slice(i, i + 50).map((client) => open(client).then(() => (opened += 1))));
}
clearInterval(progress);
const connectedIn = Date.now() - started;
const connected = clients.filter((client) => client.firstCheckIns !== undefined).length;
process.stderr.write(`\rstreams open: ${connected} / ${opts.clients} in ${(connectedIn / 1000).toFixed(1)} s\n`);
const rssHolding = dashboardRssMb(opts.stateDir);

// One new check-in per school; every client of that school must see it.
const sentAt = new Map<string, number>();
for (const schoolId of schools) {
  const body = { type: 'checkin', userId: `stream-${randomBytes(6).toString('hex')}`, schoolId, timestamp: Date.now(), temperature: 36.6 };
  const response = await fetch(`${opts.attendance}/attendances`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.devices[schoolId]}` }, body: JSON.stringify(body) });
  if (response.status !== 202) {
    process.stderr.write(`check-in at ${schoolId} answered ${response.status}: ${await response.text()}\n`);
    process.exit(1);
  }
  sentAt.set(schoolId, Date.now());
}
// Until every connected client saw its school's update (or the timeout: those that did not are counted below).
await pollUntil(() => Promise.resolve(clients.some((client) => client.firstCheckIns !== undefined && client.updatedAt === undefined)), (waiting) => !waiting, { timeoutMs: opts.timeoutMs, intervalMs: 100 });
const latencies = clients.flatMap((client) => (client.updatedAt === undefined ? [] : [client.updatedAt - (sentAt.get(client.schoolId) ?? 0)])).sort((a, b) => a - b);
const updated = latencies.length;
for (const res of responses) res.destroy();

const result = {
  at: new Date().toISOString(),
  clients: opts.clients,
  schools: schools.length,
  connected,
  failed: clients.filter((client) => client.failed).length,
  failures: [...new Set(clients.flatMap((client) => (client.failed ? [client.failed] : [])))],
  connectSeconds: connectedIn / 1000,
  updated,
  updateLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN },
  dashboardRssMb: { before: rssBefore, holding: rssHolding },
};
const path = writeResultsFile(`stream-clients-${result.at.replaceAll(':', '-')}.json`, result);
process.stdout.write(
  [
    `streams: ${connected} of ${opts.clients} connected (${schools.length} schools) in ${result.connectSeconds.toFixed(1)} s, ${result.failed} failed ${result.failures.join(', ')}`,
    `update after a check-in: ${updated} of ${connected} clients, p50 ${result.updateLatencyMs.p50} ms, p99 ${result.updateLatencyMs.p99} ms, max ${result.updateLatencyMs.max} ms`,
    `dashboard-service RSS: ${rssBefore?.toFixed(0) ?? '?'} MB before, ${rssHolding?.toFixed(0) ?? '?'} MB holding the streams`,
    `results: ${path}`,
  ].join('\n') + '\n',
);
process.exit(connected === opts.clients && updated === connected ? 0 : 1);
