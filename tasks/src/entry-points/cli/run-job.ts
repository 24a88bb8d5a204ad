/**
 * Runs one job once, under the same lock as the scheduled runs:
 *   pnpm --filter @attendance/tasks job rollover
 *   pnpm --filter @attendance/tasks job rebuild --day 2026-11-21
 *   pnpm --filter @attendance/tasks job close-reports --from 2026-11-01 --to 2026-11-21
 *   pnpm --filter @attendance/tasks job reprocess --from 2026-11-01 --to 2026-11-21 [--school school-0001]
 *   pnpm --filter @attendance/tasks job roster-sync
 * and manages device keys and staff tokens (see credential-commands.ts):
 *   pnpm --filter @attendance/tasks job device:create --school school-0001 --label gate-1
 * Exit codes: 0 success, 1 failure, 2 usage, 3 skipped (another instance holds the lock).
 */
import { parseArgs } from 'node:util';
import { configOrExit, createLogger } from '@attendance/common/config';
import { readConfig } from '../../config.ts';
import { jobNames, runJob, type JobName } from '../../domain/job-runner.ts';
import { createJobContext, type JobContextOptions } from '../../jobs.ts';
import { credentialUsage, isCredentialCommand, runCredentialCommand } from './credential-commands.ts';

if (isCredentialCommand(process.argv[2])) {
  const config = configOrExit(readConfig, 'tasks');
  process.exit(await runCredentialCommand(process.argv[2], process.argv.slice(3), config.MONGO_URL));
}

const usage = `usage: job <${jobNames.join('|')}> [--day YYYY-MM-DD (rebuild, close-reports)] [--from YYYY-MM-DD --to YYYY-MM-DD (close-reports, reprocess)] [--school ID (reprocess)]\n${credentialUsage}`;
const { positionals, values } = parseArgs({ allowPositionals: true, options: { day: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, school: { type: 'string' } } });
const name = positionals[0];
const isDay = (value: string | undefined): boolean => value === undefined || /^\d{4}-\d{2}-\d{2}$/.test(value);
const rangeGiven = values.from !== undefined || values.to !== undefined;
const usable =
  jobNames.includes(name as JobName) &&
  isDay(values.day) &&
  isDay(values.from) &&
  isDay(values.to) &&
  (!rangeGiven || ((name === 'close-reports' || name === 'reprocess') && values.from !== undefined && values.to !== undefined && values.from <= values.to && values.day === undefined)) &&
  (values.day === undefined || name === 'rebuild' || name === 'close-reports') &&
  (values.school === undefined || (name === 'reprocess' && /^[A-Za-z0-9_-]{1,64}$/.test(values.school))) &&
  (name !== 'reprocess' || rangeGiven);
if (!usable) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const config = configOrExit(readConfig, 'tasks');
const logger = createLogger('tasks', config.LOG_LEVEL);
const options: JobContextOptions = {};
if (values.day !== undefined && name === 'rebuild') options.rebuildDay = values.day;
if (values.day !== undefined && name === 'close-reports') options.closeDays = { from: values.day, to: values.day };
if (values.from !== undefined && values.to !== undefined && name === 'close-reports') options.closeDays = { from: values.from, to: values.to };
if (values.from !== undefined && values.to !== undefined && name === 'reprocess') {
  options.reprocess = { from: values.from, to: values.to, onProgress: (line) => process.stderr.write(`reprocess: ${line}\n`), ...(values.school === undefined ? {} : { schoolId: values.school }) };
}
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
if (name === 'reprocess' && run.summary) {
  // The summary of what changed, one line per figure, then the totals.
  const { changes, ...totals } = run.summary as { changes?: { day: string; schoolId: string; field: string; before: number; after: number }[] };
  for (const change of changes ?? []) process.stdout.write(`changed ${change.day} ${change.schoolId} ${change.field}: ${change.before} -> ${change.after}\n`);
  process.stdout.write(`${name}: ${run.outcome} in ${seconds.toFixed(2)} s ${JSON.stringify(totals)}\n`);
} else process.stdout.write(`${name}: ${run.outcome} in ${seconds.toFixed(2)} s ${JSON.stringify(run.summary ?? { error: run.error })}\n`);
process.exit({ success: 0, failure: 1, skipped: 3 }[run.outcome]);
