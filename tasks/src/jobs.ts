import type { Logger } from '@attendance/common/config';
import { createKafka } from '@attendance/common/kafka';
import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { connectRedis, ROSTER_GENERATION_REFRESH_MS } from '@attendance/common/redis';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { MongoAttendanceSource } from './data-access/attendance-source.ts';
import { AttendanceStateStore } from './data-access/attendance-state-store.ts';
import { KafkaRepublisher, RetryableDeadLetters } from './data-access/retryable-dead-letters.ts';
import { JobLock } from './data-access/job-lock.ts';
import { MongoClosedReports, MongoPartitionReports, MongoRecountSource } from './data-access/report-store.ts';
import type { Job, JobName } from './domain/job-runner.ts';
import { closeReportsJob } from './domain/jobs/close-reports.ts';
import { deadLetterRetryJob } from './domain/jobs/dead-letter-retry.ts';
import { rebuildStateJob } from './domain/jobs/rebuild-state.ts';
import { reprocessJob } from './domain/jobs/reprocess.ts';
import { rolloverJob } from './domain/jobs/rollover.ts';
import { rosterSyncJob } from './domain/jobs/roster-sync.ts';
import { MongoRosterSource, RedisRosterWriter } from './data-access/roster-store.ts';

export interface JobContext {
  jobs: Record<JobName, Job>;
  lock: JobLock;
  redis: Redis;
  mongo: MongoConnection;
  producer: Producer;
  admin: Admin;
  close(): Promise<void>;
}

export interface JobContextOptions {
  now?: () => number;
  /** The day `rebuild` restores (default today). */
  rebuildDay?: string;
  /** The days `close-reports` closes (default the lookback up to yesterday). */
  closeDays?: { from: string; to: string };
  /** Students copied so far by `roster-sync` (the command line prints it). */
  onRosterProgress?: (students: number) => void;
  /** The days (and school) `reprocess` recounts (required to run it); progress lines for the command line. */
  reprocess?: { from: string; to: string; schoolId?: string; onProgress?: (line: string) => void };
}

/** Connects the clients the jobs need and builds every job; shared by the cron service and the command line. */
export async function createJobContext(config: Config, logger: Logger, options: JobContextOptions = {}): Promise<JobContext> {
  const now = options.now ?? Date.now;
  const redis = await connectRedis(config.REDIS_URL, {}, logger);
  const mongo = await connectMongo(config.MONGO_URL).catch((err: unknown) => {
    redis.disconnect();
    throw err;
  });
  const kafka = createKafka('tasks', config.KAFKA_BROKERS, logger);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  // close-reports reads the topic's partition count from the broker: which `day|p` reports can exist.
  const admin = kafka.admin();
  try {
    await producer.connect();
    await admin.connect();
  } catch (err) {
    redis.disconnect();
    await Promise.allSettled([producer.disconnect(), mongo.client.close()]);
    throw err;
  }
  const partitionReports = new MongoPartitionReports(mongo.db, admin, config.KAFKA_TOPIC);
  const closedReports = new MongoClosedReports(mongo.db);
  const state = new AttendanceStateStore(redis, config.REDIS_KEY_PREFIX, config.STATE_TTL_HOURS * 3600);
  const attendanceSource = new MongoAttendanceSource(mongo.db);
  const jobs: Record<JobName, Job> = {
    rollover: rolloverJob(state, { keyPrefix: config.REDIS_KEY_PREFIX, timeZone: config.ATTENDANCE_TIMEZONE, now }, attendanceSource),
    'dlq-retry': deadLetterRetryJob(new RetryableDeadLetters(mongo.db), new KafkaRepublisher(producer, config.KAFKA_TOPIC), {
      maxAttempts: config.DLQ_MAX_ATTEMPTS,
      backoffSeconds: config.DLQ_BACKOFF_SECONDS,
      maxPerRun: config.DLQ_MAX_PER_RUN,
      pageSize: 500,
      now,
    }),
    rebuild: rebuildStateJob(attendanceSource, state, {
      timeZone: config.ATTENDANCE_TIMEZONE,
      now,
      // One cursor batch and one Redis pipeline per 5,000 records: fewer round trips, at most four pages (20,000 records) in memory.
      pageSize: 5000,
      ...(options.rebuildDay ? { day: options.rebuildDay } : {}),
    }),
    'close-reports': closeReportsJob(partitionReports, closedReports, {
      timeZone: config.ATTENDANCE_TIMEZONE,
      now,
      lookbackDays: config.CLOSE_REPORTS_LOOKBACK_DAYS,
      ...(options.closeDays ? { days: options.closeDays } : {}),
    }),
    // Never scheduled: the command line always names the days (`--from`, `--to`), so a context built without them has no range to recount.
    reprocess: options.reprocess
      ? reprocessJob(partitionReports, partitionReports, new MongoRecountSource(mongo.db), closedReports, {
          from: options.reprocess.from,
          to: options.reprocess.to,
          ...(options.reprocess.schoolId === undefined ? {} : { schoolId: options.reprocess.schoolId }),
          ...(options.reprocess.onProgress ? { onProgress: options.reprocess.onProgress } : {}),
          timeZone: config.ATTENDANCE_TIMEZONE,
          now,
        })
      : { name: 'reprocess', run: () => Promise.reject(new Error('reprocess needs its days: job reprocess --from YYYY-MM-DD --to YYYY-MM-DD')) },
    'roster-sync': rosterSyncJob(new MongoRosterSource(mongo.db), new RedisRosterWriter(redis, config.REDIS_KEY_PREFIX), {
      pageSize: 5000,
      readersRefreshMs: ROSTER_GENERATION_REFRESH_MS,
      ...(options.onRosterProgress ? { onProgress: options.onRosterProgress } : {}),
    }),
  };
  return {
    jobs,
    lock: new JobLock(redis, config.REDIS_KEY_PREFIX, config.JOB_LOCK_TTL_SECONDS * 1000, logger),
    redis,
    mongo,
    producer,
    admin,
    close: async () => {
      await Promise.allSettled([producer.disconnect(), admin.disconnect(), mongo.client.close(), redis.quit()]);
    },
  };
}
