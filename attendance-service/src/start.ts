import { randomUUID } from 'node:crypto';
import { CredentialCache, type DeviceDocument, DEVICES_COLLECTION } from '@attendance/common/credentials';
import { BearerAuth, boundPort, bulkBufferMetrics, closeServer, createServiceApp, listen, once, serviceBasics, type ServiceHandle, type StartOptions as CommonStartOptions } from '@attendance/common/http';
import { createKafka, ensureTopic } from '@attendance/common/kafka';
import { connectMongo } from '@attendance/common/mongo';
import { connectRedis, ROSTER_GENERATION_REFRESH_MS } from '@attendance/common/redis';
import { Partitioners } from 'kafkajs';
import { readConfig, type Config } from './config.ts';
import { KafkaAttendancePublisher } from './data-access/attendance-publisher.ts';
import { AnomalyStore } from './data-access/anomaly-store.ts';
import { RosterCheck } from './data-access/roster-check.ts';
import { AttendanceStateRepository } from './data-access/attendance-state-repository.ts';
import { AnomalyRules, notOnRoster, type Anomaly } from './domain/anomaly-rules.ts';
import { KnownSchools } from './data-access/known-schools.ts';
import type { DeviceCaller } from './domain/device-access.ts';
import { InFlightRecords } from './domain/in-flight-records.ts';
import { attendanceMetrics } from './entry-points/http/attendance-metrics.ts';
import { attendanceRoutes, MAX_REQUEST_BODY_BYTES } from './entry-points/http/attendance-routes.ts';
import { attendanceContract } from './entry-points/http/contract.ts';

export type StartOptions = CommonStartOptions<Config>;


/**
 * Connects to MongoDB (device keys, the roster's schools), Redis and Kafka,
 * then serves HTTP. `stop()` stops accepting requests, lets in-flight ones
 * finish (their claims flush and their Kafka batches are acknowledged), then
 * closes the clients.
 */
export async function start(options: StartOptions = {}): Promise<ServiceHandle> {
  const { config, logger, now, registry } = serviceBasics('attendance-service', options, readConfig);
  const bulkMetrics = bulkBufferMetrics(registry, 'attendance');

  const mongo = await connectMongo(config.MONGO_URL);
  const schools = new KnownSchools(mongo.db);
  const devices = new CredentialCache<DeviceDocument, DeviceCaller>({
    collection: mongo.db.collection<DeviceDocument>(DEVICES_COLLECTION),
    toEntry: (device) => ({ id: device._id, schoolId: device.schoolId }),
    fields: ['schoolId'],
    refreshMs: config.CREDENTIALS_REFRESH_MS,
    lastSeenFlushMs: config.LAST_SEEN_FLUSH_MS,
    alsoRefresh: () => schools.refresh(),
    logger,
  });
  try {
    await devices.start();
  } catch (err) {
    await Promise.allSettled([devices.stop(), mongo.client.close()]);
    throw err;
  }

  const redis = await connectRedis(config.REDIS_URL, {}, logger);
  const kafka = createKafka('attendance-service', config.KAFKA_BROKERS, logger);
  const admin = kafka.admin();
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2_000 },
  });
  try {
    await admin.connect();
    await ensureTopic(admin, config.KAFKA_TOPIC, config.KAFKA_PARTITIONS);
    await producer.connect();
  } catch (err) {
    redis.disconnect();
    await Promise.allSettled([admin.disconnect(), producer.disconnect(), devices.stop()]);
    await mongo.client.close();
    throw err;
  }

  const state = new AttendanceStateRepository(redis, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    ttlSeconds: config.STATE_TTL_HOURS * 3600,
    takeoverMs: config.PUBLISH_TIMEOUT_MS,
    maxBatch: config.REDIS_BATCH_MAX,
    maxQueued: config.MAX_QUEUED_RECORDS,
    rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    logger,
    onFlush: bulkMetrics.onFlush,
  });
  const publisher = new KafkaAttendancePublisher(producer, {
    topic: config.KAFKA_TOPIC,
    maxBatch: config.KAFKA_BATCH_MAX,
    lingerMs: config.KAFKA_LINGER_MS,
    maxInFlight: config.KAFKA_MAX_IN_FLIGHT,
    maxQueued: config.MAX_QUEUED_RECORDS,
    onFlush: bulkMetrics.onFlush,
  });
  bulkMetrics.watch('redis-claims', state.buffer);
  bulkMetrics.watch('kafka-send', publisher.buffer);

  const anomalyRules = new AnomalyRules({ maxStudentsPerMinute: config.ANOMALY_MAX_STUDENTS_PER_MINUTE, temperatureWindow: config.ANOMALY_TEMPERATURE_WINDOW });
  const anomalies = new AnomalyStore(mongo.db, { flushMs: 2_000, logger });
  const metrics = attendanceMetrics(registry);
  const roster = new RosterCheck(redis, { keyPrefix: config.REDIS_KEY_PREFIX, refreshMs: ROSTER_GENERATION_REFRESH_MS, logger });
  await roster.start();
  const flag = (anomaly: Anomaly): void => {
    metrics.anomalies.inc({ kind: anomaly.kind });
    logger.warn({ kind: anomaly.kind, deviceId: anomaly.deviceId, schoolId: anomaly.schoolId, userId: anomaly.userId, details: anomaly.details }, 'device flagged as anomalous');
    anomalies.add(anomaly);
  };

  let stopping = false;
  const window = { maxAgeMs: config.ATTENDANCE_MAX_AGE_HOURS * 3_600_000, maxFutureMs: config.ATTENDANCE_MAX_FUTURE_SECONDS * 1000, now };
  const routes = attendanceRoutes(
    { state, publisher, inFlight: new InFlightRecords(), publishTimeoutMs: config.PUBLISH_TIMEOUT_MS, timeZone: config.ATTENDANCE_TIMEZONE, now, newId: randomUUID },
    window,
    metrics,
    {
      auth: new BearerAuth(devices),
      isKnownSchool: (schoolId) => schools.has(schoolId),
      onAccepted: (event, device) => {
        const record = { deviceId: device.id, schoolId: event.schoolId, userId: event.userId, timestamp: Date.parse(event.timestamp), temperature: event.temperature };
        for (const anomaly of anomalyRules.observe(record)) flag(anomaly);
        if (event.type === 'checkin') {
          void roster.isOnRoster(event.userId, event.schoolId).then((onRoster) => {
            if (!onRoster) flag(notOnRoster(record));
          });
        }
      },
    },
  );
  const app = createServiceApp({
    prefix: 'attendance',
    logger,
    registry,
    readiness: {
      mongodb: () => mongo.db.command({ ping: 1 }),
      redis: () => redis.ping(),
      kafka: () => admin.describeCluster(),
    },
    isStopping: () => stopping,
    corsOrigins: config.CORS_ORIGINS,
    maxBodyBytes: MAX_REQUEST_BODY_BYTES,
    openapi: attendanceContract(window),
    routes,
  });
  const server = await listen(app, config.PORT, { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS });

  const stop = once(async () => {
    stopping = true;
    await closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
    await state.close();
    await publisher.close();
    await roster.close();
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    await redis.quit().catch(() => redis.disconnect());
    await devices.stop();
    await anomalies.close();
    await mongo.client.close();
  });
  return { port: boundPort(server), stop };
}
