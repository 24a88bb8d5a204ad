import { createLogger } from '@attendance/common/config';
import type { ServiceHandle } from '@attendance/common/http';
import type { MongoConnection } from '@attendance/common/mongo';
import { connectRedis } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import { readConfig as readAttendanceConfig } from '../../attendance-service/src/config.ts';
import { start as startAttendance } from '../../attendance-service/src/start.ts';
import { readConfig as readDashboardConfig } from '../../dashboard-service/src/config.ts';
import { start as startDashboard, type DashboardHandle } from '../../dashboard-service/src/start.ts';
import { readConfig as readTasksConfig } from '../../tasks/src/config.ts';
import { start as startTasks } from '../../tasks/src/start.ts';
import { deviceKeyFor, provisionDevices, provisionStaffToken, registerDeviceKeys, registerStaffToken, staffTokenFor } from './credentials.ts';
import { tapTopic, type TopicMessage, type TopicTap } from './kafka-topic.ts';
import { stack, type testNamespace } from './stack.ts';

type Namespace = ReturnType<typeof testNamespace>;

export interface RunningService<H extends ServiceHandle = ServiceHandle> {
  handle: H;
  url: string;
}

const quiet = createLogger('test-service', process.env.TEST_LOG_LEVEL ?? 'silent');

function commonEnv(ns: Namespace): Record<string, string> {
  return {
    PORT: '0',
    KAFKA_BROKERS: stack.kafkaBrokers,
    KAFKA_TOPIC: ns.topic,
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: ns.redisPrefix,
    MONGO_URL: ns.mongoUrl,
  };
}

/** A rate limit no test device reaches. */
export const UNLIMITED_RATE = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '1000000' };

/** Schools a test posts for when it names none: each gets a roster entry and a device key. */
export const DEFAULT_TEST_SCHOOLS = ['school-1'];

/**
 * attendance-service on a free port, with a device key for each of `schools`
 * (created before it starts, so its first read of the keys has them);
 * `postJson` signs records with them.
 */
export async function runAttendanceService(ns: Namespace, env: Record<string, string> = {}, now?: () => number, schools = DEFAULT_TEST_SCHOOLS): Promise<RunningService & { deviceKeys: Map<string, string> }> {
  const deviceKeys = await provisionDevices(ns, schools);
  // One test device sends far more than a gate could; tests of the rate limit set their own.
  const config = readAttendanceConfig({ ...commonEnv(ns), KAFKA_PARTITIONS: '3', ...UNLIMITED_RATE, ...env });
  const handle = await startAttendance({ config, logger: quiet, ...(now ? { now } : {}) });
  const url = `http://127.0.0.1:${handle.port}`;
  registerDeviceKeys(url, deviceKeys);
  return { handle, url, deviceKeys };
}

/** dashboard-service on a free port, with an admin staff token (created before it starts) that `getJson` reads with. */
export async function runDashboardService(ns: Namespace, env: Record<string, string> = {}, now?: () => number): Promise<RunningService<DashboardHandle> & { adminToken: string }> {
  const { token } = await provisionStaffToken(ns, 'admin');
  // Schools start at 23:59 unless a test says otherwise (its roster's `startTime`, or SCHOOL_START_TIME): no check-in is late by accident of the hour the suite runs.
  const config = readDashboardConfig({ ...commonEnv(ns), KAFKA_PARTITIONS: '3', KAFKA_GROUP_ID: ns.groupId, CONSUMER_RETRY_INITIAL_MS: '200', CONSUMER_RETRY_MAX_MS: '2000', SCHOOL_START_TIME: '23:59', ...env });
  const handle = await startDashboard({ config, logger: quiet, ...(now ? { now } : {}) });
  const url = `http://127.0.0.1:${handle.port}`;
  registerStaffToken(url, token);
  return { handle, url, adminToken: token };
}

export async function runTasksService(ns: Namespace, env: Record<string, string> = {}): Promise<RunningService> {
  const config = readTasksConfig({ ...commonEnv(ns), ...env });
  const handle = await startTasks({ config, logger: quiet });
  return { handle, url: `http://127.0.0.1:${handle.port}` };
}

/** The school a body is for: a record's `schoolId`, or a batch's first record's. */
function schoolOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  if ('records' in body && Array.isArray(body.records)) return schoolOf(body.records[0]);
  return 'schoolId' in body ? body.schoolId : undefined;
}

/**
 * A test's teardown: stops its services, the consumer before the write path,
 * then drops the namespace's database and closes the client. A part whose
 * start failed (undefined) is skipped, so the rest still stops.
 */
export async function stopServices(parts: { dashboard?: RunningService | undefined; attendance?: RunningService | undefined; mongo?: MongoConnection | undefined }): Promise<void> {
  await parts.dashboard?.handle.stop();
  await parts.attendance?.handle.stop();
  await parts.mongo?.db.dropDatabase();
  await parts.mongo?.client.close();
}

/**
 * POSTs JSON. Unless `key` is given (null: no Authorization header), it is
 * signed with the device key registered for the body's school at that
 * service, as that school's device would send it.
 */
export async function postJson(url: string, body: unknown, options: { key?: string | null } = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const key = options.key === undefined ? deviceKeyFor(url, schoolOf(body)) : options.key;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/**
 * Posts records through `/attendances/batch` as their schools' devices
 * would: one batch per school and at most 500 records, each signed with its
 * school's key. Answers the records accepted and every batch's status.
 */
export async function postBatchesPerSchool(url: string, records: { schoolId: string }[]): Promise<{ accepted: number; statuses: number[] }> {
  const bySchool = new Map<string, { schoolId: string }[]>();
  for (const record of records) {
    const group = bySchool.get(record.schoolId);
    if (group) group.push(record);
    else bySchool.set(record.schoolId, [record]);
  }
  let accepted = 0;
  const statuses: number[] = [];
  for (const group of bySchool.values()) {
    for (let i = 0; i < group.length; i += 500) {
      const response = await postJson(`${url}/attendances/batch`, { records: group.slice(i, i + 500) });
      accepted += Number(response.body.accepted ?? 0);
      statuses.push(response.status);
    }
  }
  return { accepted, statuses };
}

/** GETs JSON as the admin token registered for that dashboard, unless a `token` is given (null: none). */
export async function getJson(url: string, token?: string | null): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const bearer = token === undefined ? staffTokenFor(url) : token;
  const response = await fetch(url, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** attendance-service plus what its tests look at: a Redis client and a tap on its topic. */
export interface AttendanceFixture {
  service: RunningService & { deviceKeys: Map<string, string> };
  redis: Redis;
  tap: TopicTap;
  /** The messages on the topic keyed by this user, in offset order per partition. */
  messagesFor(userId: string): Promise<TopicMessage[]>;
  stop(): Promise<void>;
}

export async function attendanceFixture(ns: Namespace, env: Record<string, string> = {}, now?: () => number, schools = DEFAULT_TEST_SCHOOLS): Promise<AttendanceFixture> {
  const service = await runAttendanceService(ns, env, now, schools);
  const redis = await connectRedis(stack.redisUrl);
  const tap = await tapTopic(ns.topic);
  return {
    service,
    redis,
    tap,
    messagesFor: async (userId) => (await tap.messages()).filter((message) => message.key === userId),
    stop: async () => {
      await service.handle.stop();
      await redis.quit();
      await tap.stop();
    },
  };
}
