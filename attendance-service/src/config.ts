import { attendanceStateEnv, attendanceTopicEnv, credentialsEnv, env, httpServiceEnv, loadConfig } from '@attendance/common/config';
import { z } from 'zod';

export const configSchema = z.object({
  ...httpServiceEnv(8080),
  ...credentialsEnv,
  ...attendanceStateEnv,
  ...attendanceTopicEnv,
  KAFKA_PARTITIONS: env.kafkaPartitions,
  /** Largest Kafka batch. Bigger batches cost the broker less per record; the linger caps the latency they add. */
  KAFKA_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(1000),
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(2),
  /**
   * Kafka sends in flight at once. 1 keeps one user's check-in ahead of their
   * check-out on the partition even when a send is retried; raise it only if
   * the broker's round trip, not our CPU, limits throughput.
   */
  KAFKA_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(1),
  REDIS_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(500),
  /** How old a record may be: devices that were offline send late. */
  ATTENDANCE_MAX_AGE_HOURS: z.coerce.number().positive().max(24 * 30).default(48),
  /** How far ahead a device clock may run. */
  ATTENDANCE_MAX_FUTURE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /**
   * How long a request waits for Kafka's ack and the claim's confirmation
   * before answering 503. A pending claim older than this was abandoned (its
   * request was answered 503, or its process died), so a retry takes it over
   * and publishes again. Longer than a healthy publish by far, short enough
   * that a device retrying after a crash is served within seconds.
   */
  PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Requests waiting for a Redis or Kafka flush before new ones are shed with 503. */
  MAX_QUEUED_RECORDS: z.coerce.number().int().min(1000).default(20_000),
  /**
   * Per-device token bucket (records, not requests): a gate scans a student
   * every second or two, so 20/s sustained with bursts of 200 (a batch sent
   * after an outage, or a queue at the door) never limits a real device.
   */
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(100_000).default(20),
  /** Anomaly flags (never rejections): distinct students per device and minute of record time, readings per temperature window. */
  ANOMALY_MAX_STUDENTS_PER_MINUTE: z.coerce.number().int().min(1).default(180),
  ANOMALY_TEMPERATURE_WINDOW: z.coerce.number().int().min(2).max(10_000).default(20),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
  /** Where device keys (`devices`) and the roster's schools are read from. */
  MONGO_URL: env.mongoUrl,
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, source);
