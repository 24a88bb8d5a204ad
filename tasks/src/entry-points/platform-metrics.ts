import { DEAD_LETTER_COLLECTION, dayStatePattern } from '@attendance/common';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { Gauge, type Registry } from 'prom-client';

/** Memory sampling walks every state key: at most once a minute, whatever the scrape interval. */
const STATE_MEMORY_REFRESH_MS = 60_000;
const DLQ_REFRESH_MS = 10_000;
const statuses = ['pending', 'parked', 'resolved'] as const;

/**
 * Gauges about the platform's stored state, owned by the tasks service since
 * it is the one that looks after that state: dead-letter queue size by
 * status, and Redis memory (all of it, and the attendance state's share).
 */
export function registerPlatformMetrics(registry: Registry, redis: Redis, db: Db, keyPrefix: string): void {
  let dlq: { at: number; counts: Record<string, number> } | undefined;
  new Gauge({
    name: 'tasks_dlq_entries',
    help: 'Dead-letter entries by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!dlq || Date.now() - dlq.at > DLQ_REFRESH_MS) {
        const collection = db.collection(DEAD_LETTER_COLLECTION);
        const counts = await Promise.all(statuses.map((status) => collection.countDocuments({ status })));
        dlq = { at: Date.now(), counts: Object.fromEntries(statuses.map((status, i) => [status, counts[i] ?? 0])) };
      }
      for (const status of statuses) this.set({ status }, dlq.counts[status] ?? 0);
    },
  });

  new Gauge({
    name: 'tasks_redis_used_memory_bytes',
    help: 'Memory Redis uses in total (INFO memory used_memory)',
    registers: [registry],
    async collect() {
      const info = await redis.info('memory');
      this.set(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0));
    },
  });

  let state: { at: number; bytes: number; keys: number } | undefined;
  async function sampleState(): Promise<{ bytes: number; keys: number }> {
    if (!state || Date.now() - state.at > STATE_MEMORY_REFRESH_MS) {
      let cursor = '0';
      let bytes = 0;
      let keys = 0;
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', dayStatePattern(keyPrefix), 'COUNT', 1000);
        cursor = next;
        if (batch.length === 0) continue;
        const pipeline = redis.pipeline();
        for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
        for (const [error, usage] of (await pipeline.exec()) ?? []) if (!error) bytes += Number(usage ?? 0);
        keys += batch.length;
      } while (cursor !== '0');
      state = { at: Date.now(), bytes, keys };
    }
    return state;
  }
  new Gauge({
    name: 'tasks_attendance_state_memory_bytes',
    help: 'Redis memory used by attendance state keys (MEMORY USAGE summed, refreshed every minute)',
    registers: [registry],
    async collect() {
      this.set((await sampleState()).bytes);
    },
  });
  new Gauge({
    name: 'tasks_attendance_state_keys',
    help: 'Attendance state hashes in Redis (all days still kept)',
    registers: [registry],
    async collect() {
      this.set((await sampleState()).keys);
    },
  });
}
