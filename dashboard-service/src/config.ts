import { attendanceStateEnv, attendanceTopicEnv, credentialsEnv, env, httpServiceEnv, loadConfig } from '@attendance/common/config';
import { z } from 'zod';
import { CLOCK_TIME } from './domain/late-arrival.ts';

export const configSchema = z.object({
  ...httpServiceEnv(8081),
  ...credentialsEnv,
  /** Redis: the write path's claim state, which staff corrections keep in step (a check-in added by the office lets the device's check-out through). */
  ...attendanceStateEnv,
  ...attendanceTopicEnv,
  KAFKA_PARTITIONS: env.kafkaPartitions,
  KAFKA_GROUP_ID: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/).default('dashboard'),
  /** Partitions this instance stores at once; each partition's batches stay in order. */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3),
  CONSUMER_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(500),
  CONSUMER_RETRY_MAX_MS: z.coerce.number().int().min(100).default(10_000),
  /** Not ready (and `dashboard_consumer_up 0`) once the consumer has been outside its group, or has not fetched, this long while records wait. */
  CONSUMER_STALL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** How often the group's lag is read from Kafka (in the background, one reading at a time). */
  CONSUMER_LAG_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  /**
   * A fetch returns once the broker holds this many bytes for the consumer or
   * after CONSUMER_FETCH_MAX_WAIT_MS: larger batches, far fewer report writes
   * at a steady rate, at most that wait added to what a dashboard sees.
   */
  CONSUMER_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(52_428_800).default(1_048_576),
  CONSUMER_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  /** Run the read API without consuming (a read replica of the dashboard). */
  CONSUMER_ENABLED: z.stringbool().default(true),
  MONGO_URL: env.mongoUrl,
  /** How often today's figures are read from the partition reports: the most a dashboard lags behind the store. */
  FIGURES_REFRESH_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /**
   * Days before today whose figures still come from the partition reports
   * (records may arrive up to 48 h late); older days are read from the
   * per-school reports the tasks job `close-reports` writes.
   */
  REPORT_OPEN_DAYS: z.coerce.number().int().min(1).max(30).default(3),
  /** Local start time of a school without its own `startTime` in `schools`: a check-in after it is late. */
  SCHOOL_START_TIME: z
    .string()
    .regex(CLOCK_TIME, 'expected HH:MM (24 h)')
    .default('08:00'),
  /** How often the schools' start times are read again (in the background). */
  SCHOOLS_REFRESH_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Live counters (`/stats/stream`, `/schools/:id/stream`): at most this many open streams per instance, then 503. */
  STREAM_MAX_CLIENTS: z.coerce.number().int().min(1).max(100_000).default(5_000),
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, source);
