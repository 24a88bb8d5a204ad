import { attendanceStateEnv, attendanceTopicEnv, env, httpServiceEnv, loadConfig } from '@attendance/common/config';
import cron from 'node-cron';
import { z } from 'zod';

const cronExpression = z.string().refine((value) => cron.validate(value), 'expected a cron expression such as "5 0 * * *"');

export const configSchema = z.object({
  ...httpServiceEnv(8082),
  ...attendanceStateEnv,
  ...attendanceTopicEnv,
  MONGO_URL: env.mongoUrl,
  /** Time zone the schedules are read in (defaults to the attendance time zone, so "00:05" is local midnight). */
  CRON_TIMEZONE: z.string().optional(),
  ROLLOVER_CRON: cronExpression.default('5 0 * * *'),
  DLQ_RETRY_CRON: cronExpression.default('*/5 * * * *'),
  /** The rebuild runs on demand; a schedule is optional. */
  REBUILD_CRON: cronExpression.optional(),
  /** Hourly: a day's partition reports can still change until records older than 48 h are refused, so re-check recent days. */
  CLOSE_REPORTS_CRON: cronExpression.default('20 * * * *'),
  /** Copies the roster into Redis for the not-on-roster flag: nightly, it reads every student. */
  ROSTER_SYNC_CRON: cronExpression.default('30 3 * * *'),
  /** How many days before today the scheduled `close-reports` looks at (a day whose partition state did not change costs a few reads). */
  CLOSE_REPORTS_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(366).default(7),
  DLQ_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** First retry delay; each later attempt waits twice as long. */
  DLQ_BACKOFF_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Entries handled per run at most, so one run stays short even with a huge queue. */
  DLQ_MAX_PER_RUN: z.coerce.number().int().min(1).default(100_000),
  /** Lock lifetime; renewed while the job runs, so it only matters when an instance dies holding it. */
  JOB_LOCK_TTL_SECONDS: z.coerce.number().int().min(5).default(60),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, source);
