import type { Logger } from '@attendance/common/config';
import { DEAD_LETTER_COLLECTION } from '@attendance/common/mongo';
import { dayStatePattern } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import { scanKeys } from '../data-access/scan-keys.ts';
import type { Db } from 'mongodb';
import { Counter, Gauge, type Registry } from 'prom-client';
import { BackgroundRead } from './background-read.ts';

/** Memory sampling walks every state key: at most once a minute, whatever the scrape interval. */
const STATE_MEMORY = { intervalMs: 60_000, timeoutMs: 30_000 };
/** Three counts that scan `dlq` on FerretDB: every 10 s, bounded well below a scrape timeout's worth of store time. */
const DLQ_COUNTS = { intervalMs: 10_000, timeoutMs: 5_000 };
const REDIS_INFO = { intervalMs: 10_000, timeoutMs: 2_000 };
const statuses = ['pending', 'parked', 'resolved'] as const;

export interface PlatformMetrics {
  /** Stops the background reads and waits for any in flight (idempotent). */
  stop(): Promise<void>;
}

/** Sums `MEMORY USAGE` of every attendance-state key, SCAN step by step; gives up (throws) at the deadline, checked before every step. */
async function sampleStateMemory(redis: Redis, keyPrefix: string, deadline: number): Promise<{ bytes: number; keys: number }> {
  let bytes = 0;
  let keys = 0;
  await scanKeys(
    redis,
    dayStatePattern(keyPrefix),
    async (batch) => {
      const pipeline = redis.pipeline();
      for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
      for (const [error, usage] of (await pipeline.exec()) ?? []) if (!error) bytes += Number(usage ?? 0);
      keys += batch.length;
    },
    { deadline },
  );
  return { bytes, keys };
}

/**
 * Gauges about the platform's stored state, owned by the tasks service since
 * it is the one that looks after that state: dead-letter queue size by
 * status, and Redis memory (all of it, and the attendance state's share).
 * Each is read in the background, one read at a time and bounded (see
 * BackgroundRead); a scrape only copies the last values, so scrapes are fast
 * and never add load on FerretDB or Redis, however often they come.
 */
export function startPlatformMetrics(registry: Registry, redis: Redis, db: Db, keyPrefix: string, logger: Logger): PlatformMetrics {
  const failures = new Counter({
    name: 'tasks_background_read_failures_total',
    help: 'Background reads behind the platform gauges that failed or overran their timeout, by read',
    labelNames: ['read'] as const,
    registers: [registry],
  });
  const onFailure = (read: string): void => failures.inc({ read });
  const dlqCounts = new BackgroundRead(
    'dlq-counts',
    async (deadline) => {
      const collection = db.collection(DEAD_LETTER_COLLECTION);
      const maxTimeMS = Math.max(1, deadline - Date.now());
      // One count after the other: one store call at a time from this read.
      const counts: Record<string, number> = {};
      for (const status of statuses) counts[status] = await collection.countDocuments({ status }, { maxTimeMS });
      return counts;
    },
    DLQ_COUNTS,
    logger,
    onFailure,
  );
  const redisMemory = new BackgroundRead('redis-info', async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0), REDIS_INFO, logger, onFailure);
  const stateMemory = new BackgroundRead('state-memory', (deadline) => sampleStateMemory(redis, keyPrefix, deadline), STATE_MEMORY, logger, onFailure);
  for (const read of ['dlq-counts', 'redis-info', 'state-memory']) failures.inc({ read }, 0);

  new Gauge({
    name: 'tasks_dlq_entries',
    help: 'Dead-letter entries by status (counted in the background every 10 s)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      const counts = dlqCounts.latest();
      if (counts) for (const status of statuses) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'tasks_redis_used_memory_bytes',
    help: 'Memory Redis uses in total (INFO memory used_memory, read every 10 s)',
    registers: [registry],
    collect() {
      const bytes = redisMemory.latest();
      if (bytes !== undefined) this.set(bytes);
    },
  });
  new Gauge({
    name: 'tasks_attendance_state_memory_bytes',
    help: 'Redis memory used by attendance state keys (MEMORY USAGE summed, refreshed every minute)',
    registers: [registry],
    collect() {
      const state = stateMemory.latest();
      if (state) this.set(state.bytes);
    },
  });
  new Gauge({
    name: 'tasks_attendance_state_keys',
    help: 'Attendance state hashes in Redis (all days still kept)',
    registers: [registry],
    collect() {
      const state = stateMemory.latest();
      if (state) this.set(state.keys);
    },
  });

  const reads = [dlqCounts, redisMemory, stateMemory];
  for (const read of reads) read.start();
  return { stop: async () => void (await Promise.all(reads.map((read) => read.stop()))) };
}
