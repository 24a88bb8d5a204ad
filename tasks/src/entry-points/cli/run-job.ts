/**
 * Runs one job once, under the same lock as the scheduled runs:
 *   pnpm --filter @attendance/tasks job rollover
 *   pnpm --filter @attendance/tasks job rebuild --day 2026-11-21
 * Exit codes: 0 success, 1 failure, 2 usage, 3 skipped (another instance holds the lock).
 */
import { parseArgs } from 'node:util';
import { configOrExit, createLogger } from '@attendance/common';
import { readConfig } from '../../config.ts';
import { jobNames, runJob, type JobName } from '../../domain/job-runner.ts';
import { createJobContext } from '../../jobs.ts';

const usage = `usage: job <${jobNames.join('|')}> [--day YYYY-MM-DD (rebuild only)]`;
const { positionals, values } = parseArgs({ allowPositionals: true, options: { day: { type: 'string' } } });
const name = positionals[0];
if (!jobNames.includes(name as JobName) || (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day))) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const config = configOrExit(readConfig, 'tasks');
const logger = createLogger('tasks', config.LOG_LEVEL);
const context = await createJobContext(config, logger, values.day ? { rebuildDay: values.day } : {});
const run = await runJob(context.jobs[name as JobName], context.lock, logger, { finished: () => undefined });
await context.close();
const seconds = (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000;
process.stdout.write(`${name}: ${run.outcome} in ${seconds.toFixed(2)} s ${JSON.stringify(run.summary ?? { error: run.error })}\n`);
process.exit({ success: 0, failure: 1, skipped: 3 }[run.outcome]);
