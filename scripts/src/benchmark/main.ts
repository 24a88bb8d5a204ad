/**
 * Load and correctness benchmark against a running platform:
 *
 *   pnpm benchmark [--count N | --duration S] [--connections 100] [--rate R] [--duplicates 0.05] [--invalid 0.02]
 *                  [--schools N] [--limit N] [--batch] [--baseline] [--url ...] [--dashboard-url ...]
 *
 * Prints each wave's rate, latency and answers, the time from the last 202 to
 * full persistence and the verification; writes results/benchmark-<time>.json.
 * Exit codes: 0 verified, 1 verification failed or the run could not start, 2 usage.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isTimeZone } from '@attendance/common/config';
import { exitOnUsageError, positiveInteger, share, UsageError } from '../shared/cli-options.ts';
import { defaultCredentialsFile, readCredentialsFile } from '../shared/credentials-file.ts';
import { terminalReporter } from '../shared/progress.ts';
import { writeResultsFile } from '../shared/results-file.ts';
import { formatReport } from './print-report.ts';
import { MAX_NOISE_SHARE } from './request-mix.ts';
import { MAX_WATCHED_SCHOOLS } from './visible-lag.ts';
import { runBenchmark, type BenchmarkOptions } from './run-benchmark.ts';

const usage = `usage: pnpm benchmark [options]
  --url URL              attendance-service (default http://127.0.0.1:$ATTENDANCE_PORT or 8080)
  --dashboard-url URL    dashboard-service (default http://127.0.0.1:$DASHBOARD_PORT or 8081)
  --mongo-url URL        the platform's database (default MONGO_URL or mongodb://127.0.0.1:27017/attendance)
  --timezone ZONE        the platform's ATTENDANCE_TIMEZONE (default that variable or UTC)
  --count N              records per wave (duplicates and invalid ones included)
  --duration S           seconds per wave when no --count is given (default 10)
  --connections N        concurrent connections (default 100)
  --rate R               target requests per second over all connections
  --duplicates SHARE     repeats of check-ins already sent, answered 409 (default 0.05)
  --invalid SHARE        invalid bodies, answered 400 (default 0.02)
  --schools N            only students of the first N schools
  --limit N              at most N students (default 100000 without --count, or rate x duration if more)
  --batch                replay through POST /attendances/batch instead
  --batch-size N         records per batch request (default 1000)
  --batch-concurrency N  batch requests in flight (default 4)
  --baseline             also load a bare Express app and print the ratio
  --retry                device semantics: after each wave, retry no answer and 5xx until settled
  --drain-timeout S      how long to wait for the consumer to store everything (default 120)
  --lag-schools N        schools whose GET /schools/:id is polled for the 202-to-visible lag (default 20, at most 20; 0: off)
  --kafka-brokers LIST   where to read the consumer group's lag (default KAFKA_BROKERS or 127.0.0.1:9092)
  --redis-url URL        the platform's Redis: which students are checked in today (default REDIS_URL or redis://127.0.0.1:6379)
  --redis-prefix P       its key prefix (default REDIS_KEY_PREFIX or att)
  --topic T, --group G   the attendance topic and consumer group (default KAFKA_TOPIC or attendance, dashboard)
  --credentials FILE     device keys and staff tokens from pnpm seed (default CREDENTIALS_FILE or .secrets/credentials.json)
  --state-dir DIR        the stack's state directory with the pid files for CPU per process (default STACK_STATE_DIR or .stack)`;

function readOptions(): Omit<BenchmarkOptions, 'reporter'> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.ATTENDANCE_PORT ?? '8080'}` },
      'dashboard-url': { type: 'string', default: `http://127.0.0.1:${process.env.DASHBOARD_PORT ?? '8081'}` },
      credentials: { type: 'string', default: defaultCredentialsFile() },
      'mongo-url': { type: 'string', default: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/attendance' },
      timezone: { type: 'string', default: process.env.ATTENDANCE_TIMEZONE ?? 'UTC' },
      count: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '100' },
      rate: { type: 'string' },
      duplicates: { type: 'string', default: '0.05' },
      invalid: { type: 'string', default: '0.02' },
      schools: { type: 'string' },
      limit: { type: 'string' },
      batch: { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '1000' },
      'batch-concurrency': { type: 'string', default: '4' },
      baseline: { type: 'boolean', default: false },
      retry: { type: 'boolean', default: false },
      'drain-timeout': { type: 'string', default: '120' },
      'lag-schools': { type: 'string', default: '20' },
      'kafka-brokers': { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      'redis-prefix': { type: 'string', default: process.env.REDIS_KEY_PREFIX ?? 'att' },
      topic: { type: 'string', default: process.env.KAFKA_TOPIC ?? 'attendance' },
      group: { type: 'string', default: process.env.KAFKA_GROUP_ID ?? 'dashboard' },
      'state-dir': { type: 'string', default: process.env.STACK_STATE_DIR ?? fileURLToPath(new URL('../../../.stack', import.meta.url)) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (values.count !== undefined && values.duration !== undefined) throw new UsageError('give --count or --duration, not both');
  if (values.batch && values.duration !== undefined) throw new UsageError('--batch sends every selected record (or --count of them); --duration applies to single requests only');
  if (!isTimeZone(values.timezone)) throw new UsageError(`--timezone expects an IANA time zone such as Europe/Paris, got "${values.timezone}"`);
  const shares = { duplicates: share('duplicates', values.duplicates), invalid: share('invalid', values.invalid) };
  if (shares.duplicates + shares.invalid > MAX_NOISE_SHARE) throw new UsageError(`--duplicates plus --invalid must stay at or below ${MAX_NOISE_SHARE}`);
  const batchSize = positiveInteger('batch-size', values['batch-size']);
  if (batchSize > 1000) throw new UsageError('--batch-size is at most 1000 (what POST /attendances/batch takes)');
  const optional = (flag: string, value: string | undefined): number | undefined => (value === undefined ? undefined : positiveInteger(flag, value));
  const count = optional('count', values.count);
  const durationSeconds = optional('duration', values.duration);
  const rate = optional('rate', values.rate);
  const schools = optional('schools', values.schools);
  const limit = optional('limit', values.limit);
  return {
    url: values.url.replace(/\/$/, ''),
    dashboardUrl: values['dashboard-url'].replace(/\/$/, ''),
    mongoUrl: values['mongo-url'],
    credentials: readCredentialsFile(values.credentials),
    timeZone: values.timezone,
    connections: positiveInteger('connections', values.connections),
    shares,
    drainTimeoutMs: positiveInteger('drain-timeout', values['drain-timeout']) * 1000,
    visibleLagSchools: values['lag-schools'] === '0' ? 0 : Math.min(positiveInteger('lag-schools', values['lag-schools']), MAX_WATCHED_SCHOOLS),
    kafka: { brokers: values['kafka-brokers'].split(','), topic: values.topic, groupId: values.group },
    stateDir: values['state-dir'],
    redis: { url: values['redis-url'], prefix: values['redis-prefix'] },
    ...(count === undefined ? {} : { count }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    ...(rate === undefined ? {} : { rate }),
    ...(schools === undefined ? {} : { schools }),
    ...(limit === undefined ? {} : { limit }),
    ...(values.batch ? { batch: { size: batchSize, concurrency: positiveInteger('batch-concurrency', values['batch-concurrency']) } } : {}),
    ...(values.baseline ? { baseline: true } : {}),
    ...(values.retry ? { retry: true } : {}),
  };
}

let options: ReturnType<typeof readOptions>;
try {
  options = readOptions();
} catch (err) {
  exitOnUsageError(err, usage);
}

try {
  const { report } = await runBenchmark({ ...options, reporter: terminalReporter() });
  process.stdout.write(formatReport(report));
  const file = writeResultsFile(`benchmark-${report.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`, report);
  process.stdout.write(`results    ${file}\n`);
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`benchmark failed: ${(err as Error).message}\n`);
  process.exit(1);
}
