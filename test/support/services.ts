import { connectRedis, createLogger, type ServiceHandle } from '@attendance/common';
import type { Redis } from 'ioredis';
import { readConfig as readAttendanceConfig } from '../../attendance-service/src/config.ts';
import { start as startAttendance } from '../../attendance-service/src/start.ts';
import { readConfig as readDashboardConfig } from '../../dashboard-service/src/config.ts';
import { start as startDashboard, type DashboardHandle } from '../../dashboard-service/src/start.ts';
import { readConfig as readTasksConfig } from '../../tasks/src/config.ts';
import { start as startTasks } from '../../tasks/src/start.ts';
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

export async function runAttendanceService(ns: Namespace, env: Record<string, string> = {}, now?: () => number): Promise<RunningService> {
  const config = readAttendanceConfig({ ...commonEnv(ns), KAFKA_PARTITIONS: '3', ...env });
  const handle = await startAttendance({ config, logger: quiet, ...(now ? { now } : {}) });
  return { handle, url: `http://127.0.0.1:${handle.port}` };
}

export async function runDashboardService(ns: Namespace, env: Record<string, string> = {}, now?: () => number): Promise<RunningService<DashboardHandle>> {
  const config = readDashboardConfig({ ...commonEnv(ns), KAFKA_PARTITIONS: '3', KAFKA_GROUP_ID: ns.groupId, CONSUMER_RETRY_INITIAL_MS: '200', CONSUMER_RETRY_MAX_MS: '2000', ...env });
  const handle = await startDashboard({ config, logger: quiet, ...(now ? { now } : {}) });
  return { handle, url: `http://127.0.0.1:${handle.port}` };
}

export async function runTasksService(ns: Namespace, env: Record<string, string> = {}): Promise<RunningService> {
  const config = readTasksConfig({ ...commonEnv(ns), ...env });
  const handle = await startTasks({ config, logger: quiet });
  return { handle, url: `http://127.0.0.1:${handle.port}` };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** attendance-service plus what its tests look at: a Redis client and a tap on its topic. */
export interface AttendanceFixture {
  service: RunningService;
  redis: Redis;
  tap: TopicTap;
  /** The messages on the topic keyed by this user, in offset order per partition. */
  messagesFor(userId: string): Promise<TopicMessage[]>;
  stop(): Promise<void>;
}

export async function attendanceFixture(ns: Namespace, env: Record<string, string> = {}, now?: () => number): Promise<AttendanceFixture> {
  const service = await runAttendanceService(ns, env, now);
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
