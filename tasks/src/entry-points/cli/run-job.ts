/**
 * Runs one job once, under the same lock as the scheduled runs:
 *   pnpm --filter @attendance/tasks job rollover
 *   pnpm --filter @attendance/tasks job rebuild --day 2026-11-21
 *   pnpm --filter @attendance/tasks job close-reports --from 2026-11-01 --to 2026-11-21
 *   pnpm --filter @attendance/tasks job roster-sync
 * and manages device keys and staff tokens (see credential-commands.ts):
 *   pnpm --filter @attendance/tasks job device:create --school school-0001 --label gate-1
 * Exit codes: 0 success, 1 failure, 2 usage, 3 skipped (another instance holds the lock).
 */
import { parseArgs } from 'node:util';
import { configOrExit, createLogger } from '@attendance/common';
import { readConfig } from '../../config.ts';
import { jobNames, runJob, type JobName } from '../../domain/job-runner.ts';
import { createJobContext, type JobContextOptions } from '../../jobs.ts';
import { credentialUsage, isCredentialCommand, runCredentialCommand } from './credential-commands.ts';

if (isCredentialCommand(process.argv[2])) {
  const config = configOrExit(readConfig, 'tasks');
  process.exit(await runCredentialCommand(process.argv[2], process.argv.slice(3), config.MONGO_URL));
}

const usage = `usage: job <${jobNames.join('|')}> [--day YYYY-MM-DD (rebuild, close-reports)] [--from YYYY-MM-DD --to YYYY-MM-DD (close-reports)]\n${credentialUsage}`;
const { positionals, values } = parseArgs({ allowPositionals: true, options: { day: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
const name = positionals[0];
const isDay = (value: string | undefined): boolean => value === undefined || /^\d{4}-\d{2}-\d{2}$/.test(value);
const rangeGiven = values.from !== undefined || values.to !== undefined;
const usable =
  jobNames.includes(name as JobName) &&
  isDay(values.day) &&
  isDay(values.from) &&
  isDay(values.to) &&
  (!rangeGiven || (name === 'close-reports' && values.from !== undefined && values.to !== undefined && values.from <= values.to && values.day === undefined)) &&
  (values.day === undefined || name === 'rebuild' || name === 'close-reports');
if (!usable) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const config = configOrExit(readConfig, 'tasks');
const logger = createLogger('tasks', config.LOG_LEVEL);
const options: JobContextOptions = {};
if (values.day !== undefined && name === 'rebuild') options.rebuildDay = values.day;
if (values.day !== undefined && name === 'close-reports') options.closeDays = { from: values.day, to: values.day };
if (values.from !== undefined && values.to !== undefined) options.closeDays = { from: values.from, to: values.to };
if (name === 'roster-sync') {
  let printedAt = 0;
  options.onRosterProgress = (students) => {
    if (Date.now() - printedAt < 5_000) return;
    printedAt = Date.now();
    process.stderr.write(`roster-sync: ${students} students copied to Redis\n`);
  };
}
const context = await createJobContext(config, logger, options);
const run = await runJob(context.jobs[name as JobName], context.lock, logger, { finished: () => undefined });
await context.close();
const seconds = (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000;
process.stdout.write(`${name}: ${run.outcome} in ${seconds.toFixed(2)} s ${JSON.stringify(run.summary ?? { error: run.error })}\n`);
process.exit({ success: 0, failure: 1, skipped: 3 }[run.outcome]);
