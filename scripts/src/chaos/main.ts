/**
 * Fault injection with device semantics against the running local platform
 * (`./platform up`), one scenario at a time:
 *
 *   pnpm chaos [--scenarios kill-attendance,kafka-stop-20s,...] [--students 2000] [--connections 50]
 *
 * Each scenario runs a morning wave of check-ins (devices retry no answer,
 * timeouts and 503s with backoff until 202/4xx), injects its fault once a
 * share of the devices has settled, then an afternoon wave of check-outs and
 * a second check-in for everyone, and checks MongoDB: every record a device
 * considers done is stored (lost = 0), reports equal attendances
 * (double-counted = 0), no second check-in is accepted.
 * Prints progress on stderr and a table on stdout; writes results/chaos-<time>.json.
 * Exit codes: 0 all scenarios passed, 1 a loss or another failed check, 2 usage.
 */
import { parseArgs } from 'node:util';
import { isTimeZone } from '@attendance/common/config';
import { exitOnUsageError, positiveInteger, share, UsageError } from '../shared/cli-options.ts';
import { terminalReporter } from '../shared/progress.ts';
import { defaultCredentialsFile, readCredentialsFile } from '../shared/credentials-file.ts';
import { writeResultsFile } from '../shared/results-file.ts';
import { formatChaosReport } from './print-chaos.ts';
import { runChaos, type ChaosOptions } from './run-chaos.ts';
import { scenarioNames, type ScenarioName } from './scenarios.ts';

const usage = `usage: pnpm chaos [options]
  --scenarios LIST     comma-separated, default all: ${scenarioNames.join(', ')}
  --url URL            attendance-service (default http://127.0.0.1:$ATTENDANCE_PORT or 8080)
  --mongo-url URL      the platform's database (default MONGO_URL or mongodb://127.0.0.1:27017/attendance)
  --redis-url URL      the platform's Redis, for FLUSHALL (default REDIS_URL or redis://127.0.0.1:6379)
  --timezone ZONE      the platform's ATTENDANCE_TIMEZONE (default that variable or UTC)
  --students N         students per scenario (default 2000)
  --schools N          seeded schools they belong to (default 10)
  --credentials FILE   device keys from pnpm seed (default CREDENTIALS_FILE or .secrets/credentials.json)
  --connections N      devices sending at once (default 50)
  --fault-after SHARE  share of the morning's devices settled before the fault (default 0.3)
  --drain-timeout S    how long to wait for the consumer to store a wave (default 300)`;

function readOptions(): Omit<ChaosOptions, 'reporter'> {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: scenarioNames.join(',') },
      url: { type: 'string', default: `http://127.0.0.1:${process.env.ATTENDANCE_PORT ?? '8080'}` },
      'mongo-url': { type: 'string', default: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/attendance' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      timezone: { type: 'string', default: process.env.ATTENDANCE_TIMEZONE ?? 'UTC' },
      students: { type: 'string', default: '2000' },
      schools: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      'fault-after': { type: 'string', default: '0.3' },
      'drain-timeout': { type: 'string', default: '300' },
      credentials: { type: 'string', default: defaultCredentialsFile() },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError('');
  const scenarios = values.scenarios.split(',').map((name) => name.trim()) as ScenarioName[];
  const unknown = scenarios.filter((name) => !scenarioNames.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown scenario(s): ${unknown.join(', ')}`);
  if (!isTimeZone(values.timezone)) throw new UsageError(`--timezone: not an IANA time zone: ${values.timezone}`);
  return {
    scenarios,
    url: values.url,
    mongoUrl: values['mongo-url'],
    redisUrl: values['redis-url'],
    timeZone: values.timezone,
    students: positiveInteger('--students', values.students),
    schools: positiveInteger('--schools', values.schools),
    connections: positiveInteger('--connections', values.connections),
    faultAfter: share('--fault-after', values['fault-after']),
    drainTimeoutMs: positiveInteger('--drain-timeout', values['drain-timeout']) * 1000,
    credentials: readCredentialsFile(values.credentials),
  };
}

let options: Omit<ChaosOptions, 'reporter'>;
try {
  options = readOptions();
} catch (err) {
  exitOnUsageError(err, usage);
}
const report = await runChaos({ ...options, reporter: terminalReporter() });
process.stdout.write(formatChaosReport(report));
const path = writeResultsFile(`chaos-${new Date().toISOString().replaceAll(':', '-')}.json`, report);
process.stdout.write(`\nresults: ${path}\n${report.passed ? 'PASSED' : 'FAILED'}: ${report.passed ? 'no record lost or counted twice' : 'see the table'}\n`);
process.exit(report.passed ? 0 : 1);
