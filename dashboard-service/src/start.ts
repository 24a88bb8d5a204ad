import { cachedRead } from '@attendance/common';
import { CredentialCache, STAFF_TOKENS_COLLECTION, type StaffTokenDocument } from '@attendance/common/credentials';
import { BearerAuth, boundPort, closeServer, createServiceApp, listen, once, serviceBasics, type ServiceHandle, type StartOptions as CommonStartOptions } from '@attendance/common/http';
import { createKafka, ensureTopic } from '@attendance/common/kafka';
import { connectMongo } from '@attendance/common/mongo';
import { createRedis } from '@attendance/common/redis';
import express from 'express';
import { Partitioners, type Admin } from 'kafkajs';
import { readConfig, type Config } from './config.ts';
import { AttendanceRepository } from './data-access/attendance-repository.ts';
import { CorrectionClaims } from './data-access/correction-claims.ts';
import { CorrectionPublisher } from './data-access/correction-publisher.ts';
import { CorrectionRepository } from './data-access/correction-repository.ts';
import { SchoolSchedule } from './data-access/school-schedule.ts';
import { DeadLetterQueue } from './data-access/dead-letter-queue.ts';
import { ReportRepository } from './data-access/report-repository.ts';
import { OpenDayFigures } from './data-access/open-day-figures.ts';
import { RosterRepository } from './data-access/roster-repository.ts';
import type { StaffCaller } from './domain/staff-access.ts';
import { dashboardContract } from './entry-points/http/contract.ts';
import { dashboardRoutes } from './entry-points/http/dashboard-routes.ts';
import { dayRosterRoutes } from './entry-points/http/day-roster-routes.ts';
import { officePageRoutes } from './entry-points/http/office-page-routes.ts';
import { DayRosterReader } from './data-access/day-roster-reader.ts';
import { exportRoutes } from './entry-points/http/export-routes.ts';
import { LiveCounters } from './entry-points/http/live-counters.ts';
import { officeRoutes } from './entry-points/http/office-routes.ts';
import { channelBody, streamRoutes } from './entry-points/http/stream-routes.ts';
import { StateJournalRepository } from './data-access/state-journal-repository.ts';
import { startAttendanceConsumer, type AttendanceConsumer } from './entry-points/kafka/attendance-consumer.ts';
import { consumerMetrics } from './entry-points/kafka/consumer-metrics.ts';
import { registerSchoolMetrics } from './entry-points/metrics/school-metrics.ts';

export type StartOptions = CommonStartOptions<Config>;

/** How long the topic's partition count is trusted: partitions are added rarely, and by hand. */
const PARTITION_COUNT_TTL_MS = 60_000;

/** The topic's partition count from the broker's metadata, read at most once a minute. */
function topicPartitionCount(admin: Admin, topic: string): () => Promise<number> {
  return cachedRead(async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0, PARTITION_COUNT_TTL_MS);
}

/** The service handle, plus its consumer when it runs one (tests wedge it through `pause()`). */
export interface DashboardHandle extends ServiceHandle {
  consumer?: Pick<AttendanceConsumer, 'pause' | 'resume'>;
}

/**
 * Connects to MongoDB and Kafka, starts the consumer and the read API.
 * `stop()` stops HTTP, then the consumer (kafkajs finishes the batch in hand,
 * whose offsets are committed only if it was stored), then the clients.
 */
export async function start(options: StartOptions = {}): Promise<DashboardHandle> {
  const { config, logger, now, registry } = serviceBasics('dashboard-service', options, readConfig);
  // Bundled before any connection is opened: a page that does not build fails the start with nothing to close.
  const officePage = await officePageRoutes();

  const mongo = await connectMongo(config.MONGO_URL);
  const attendances = new AttendanceRepository(mongo.db);
  const reports = new ReportRepository(mongo.db);
  const deadLetters = new DeadLetterQueue(mongo.db);
  const roster = new RosterRepository(mongo.db);
  const corrections = new CorrectionRepository(mongo.db);
  const schedule = new SchoolSchedule(mongo.db, config.SCHOOL_START_TIME, config.SCHOOLS_REFRESH_MS, logger);
  await Promise.all([attendances.ensureIndexes(), deadLetters.ensureIndexes(), roster.ensureIndexes(), corrections.ensureIndexes()]);
  const staffTokens = new CredentialCache<StaffTokenDocument, StaffCaller>({
    collection: mongo.db.collection<StaffTokenDocument>(STAFF_TOKENS_COLLECTION),
    toEntry: (token) => ({ id: token._id, role: token.role, schoolId: token.schoolId }),
    fields: ['role', 'schoolId'],
    refreshMs: config.CREDENTIALS_REFRESH_MS,
    lastSeenFlushMs: config.LAST_SEEN_FLUSH_MS,
    logger,
  });
  try {
    await staffTokens.start();
    await schedule.start();
  } catch (err) {
    await Promise.allSettled([staffTokens.stop(), schedule.stop(), mongo.client.close()]);
    throw err;
  }

  const kafka = createKafka('dashboard-service', config.KAFKA_BROKERS, logger);
  const admin = kafka.admin();
  // Corrections are published like device records: acknowledged by every in-sync replica before the 202.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2_000 } });
  let claims: CorrectionClaims | undefined;
  let consumer: AttendanceConsumer | undefined;
  let figures: OpenDayFigures | undefined;
  try {
    // Best effort (see CorrectionClaims): Redis being away must not keep the consumer and the read API from starting.
    claims = new CorrectionClaims(createRedis(config.REDIS_URL, {}, logger), config.REDIS_KEY_PREFIX, config.STATE_TTL_HOURS * 3600);
    await admin.connect();
    await ensureTopic(admin, config.KAFKA_TOPIC, config.KAFKA_PARTITIONS);
    await producer.connect();
    figures = new OpenDayFigures(reports, topicPartitionCount(admin, config.KAFKA_TOPIC), {
      timeZone: config.ATTENDANCE_TIMEZONE,
      now,
      refreshMs: config.FIGURES_REFRESH_MS,
      openDays: config.REPORT_OPEN_DAYS,
      slowMs: 2_000,
      logger,
    });
    await figures.start();
    if (config.CONSUMER_ENABLED) {
      consumer = await startAttendanceConsumer(kafka, admin, {
        topic: config.KAFKA_TOPIC,
        groupId: config.KAFKA_GROUP_ID,
        partitionsConsumedConcurrently: config.CONSUMER_CONCURRENCY,
        logger,
        metrics: consumerMetrics(registry),
        ports: { attendances, journal: new StateJournalRepository(mongo.db), reports, deadLetters, corrections, schedule: { startTimeOf: schedule.startTimeOf, timeZone: config.ATTENDANCE_TIMEZONE } },
        retryInitialMs: config.CONSUMER_RETRY_INITIAL_MS,
        retryMaxMs: config.CONSUMER_RETRY_MAX_MS,
        stallMs: config.CONSUMER_STALL_SECONDS * 1000,
        lagIntervalMs: config.CONSUMER_LAG_INTERVAL_SECONDS * 1000,
        fetchMinBytes: config.CONSUMER_FETCH_MIN_BYTES,
        fetchMaxWaitMs: config.CONSUMER_FETCH_MAX_WAIT_MS,
      });
    }
  } catch (err) {
    await figures?.stop();
    await Promise.allSettled([consumer?.stop(), admin.disconnect(), producer.disconnect(), claims?.close(), staffTokens.stop(), schedule.stop()]);
    await mongo.client.close();
    throw err;
  }
  const auth = new BearerAuth(staffTokens);
  // The office's routes first: each route authenticates itself, while the dashboard router authenticates every request it sees.
  const live = new LiveCounters({
    bodyOf: channelBody(figures, roster),
    checkEveryMs: Math.min(config.FIGURES_REFRESH_MS, 1_000),
    heartbeatMs: config.STREAM_HEARTBEAT_MS,
    maxClients: config.STREAM_MAX_CLIENTS,
    logger,
  });
  figures.onRefreshed(live.checkNow);
  // The office page's HTML and assets need no credential at all, so they come before every other route.
  const routes = express.Router();
  routes.use(officePage);
  const openFigures = figures;
  routes.use(
    dayRosterRoutes({
      reader: new DayRosterReader(mongo.db),
      auth,
      today: () => openFigures.today(),
      figuresVersion: (schoolId, day) => JSON.stringify(openFigures.bySchool(day).get(schoolId) ?? null),
    }),
  );
  routes.use(streamRoutes({ figures, roster, auth, live }));
  routes.use(exportRoutes({ attendances, corrections, reports, roster, figures, auth }));
  routes.use(officeRoutes({ corrections, roster, publisher: new CorrectionPublisher(producer, config.KAFKA_TOPIC), claims, auth, timeZone: config.ATTENDANCE_TIMEZONE, now, logger }));
  routes.use(dashboardRoutes({ attendances, corrections, reports, roster, figures, auth }));

  registerSchoolMetrics(registry, figures);

  let stopping = false;
  const app = createServiceApp({
    prefix: 'dashboard',
    logger,
    registry,
    readiness: {
      mongodb: () => mongo.db.command({ ping: 1 }),
      kafka: () => admin.describeCluster(),
      ...(consumer ? { 'kafka-consumer': consumer.assertHealthy } : {}),
    },
    isStopping: () => stopping,
    corsOrigins: config.CORS_ORIGINS,
    openapi: dashboardContract(),
    routes,
  });
  const server = await listen(app, config.PORT, { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS });

  const stop = once(async () => {
    stopping = true;
    // Open streams would hold the server open until the shutdown timeout: end them first (clients reconnect elsewhere).
    live.close();
    await closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
    await consumer?.stop();
    await figures?.stop();
    await schedule.stop();
    await staffTokens.stop();
    await Promise.allSettled([admin.disconnect(), producer.disconnect(), claims?.close(), mongo.client.close()]);
  });
  return { port: boundPort(server), stop, ...(consumer ? { consumer } : {}) };
}
