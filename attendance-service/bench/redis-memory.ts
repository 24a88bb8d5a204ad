/**
 * Redis memory per record of the attendance state, measured through the
 * repository the service uses (the same Lua claim, the same bucketing).
 *
 *   pnpm --filter @attendance/attendance-service bench:redis-memory [--records 10000000] [--formats objectid,numeric,uuid]
 *
 * Each format writes `records` records = records/2 students checking in and
 * out, into its own key prefix, and reports used_memory growth / records.
 * Prints progress, a table, and writes results/redis-memory.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger } from '@attendance/common/config';
import type { AttendanceEvent } from '@attendance/common/records';
import { connectRedis } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import { AttendanceStateRepository } from '../src/data-access/attendance-state-repository.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    formats: { type: 'string', default: 'objectid,numeric,uuid' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    out: { type: 'string', default: '../results/redis-memory.json' },
  },
});
const records = Number(values.records);
const students = Math.floor(records / 2);
const formats = values.formats.split(',') as ('objectid' | 'numeric' | 'uuid')[];
const day = new Date().toISOString().slice(0, 10);

/** Ids as each system would hand them out: a seeded range of ObjectIds or numbers, or random v4 UUIDs. */
function idGenerator(format: 'objectid' | 'numeric' | 'uuid'): (i: number) => string {
  if (format === 'numeric') return (i) => String(1_000_000 + i);
  if (format === 'uuid') return () => randomUUID();
  const prefix = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0') + randomBytes(5).toString('hex');
  const start = randomBytes(3).readUIntBE(0, 3) & 0x7fffff;
  return (i) => prefix + ((start + i) & 0xffffff).toString(16).padStart(6, '0');
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

/** Removes the benchmark's keys; returns how many there were. */
async function removePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

const redis = await connectRedis(values['redis-url'], { enableOfflineQueue: true });
const logger = createLogger('bench', 'warn');
const results: Record<string, unknown>[] = [];
for (const format of formats) {
  const prefix = `bench:mem:${format}:${randomBytes(3).toString('hex')}`;
  const repository = new AttendanceStateRepository(redis, { keyPrefix: prefix, ttlSeconds: 3600, takeoverMs: 10_000, maxBatch: 1000, maxQueued: 50_000, rateLimit: { perSecond: 20, burst: 200 }, logger });
  const nextId = idGenerator(format);
  const ids: string[] = [];
  const before = await usedMemory(redis);
  const started = Date.now();
  let written = 0;
  const event = (userId: string, type: 'checkin' | 'checkout'): AttendanceEvent => ({ id: '', type, userId, schoolId: 's', timestamp: '', day, temperature: 36.6, receivedAt: '' });
  /** As the service does: a pending claim, then its confirmation once "published". */
  const record = async (userId: string, type: 'checkin' | 'checkout', minute: number): Promise<boolean> => {
    const claim = await repository.claim(event(userId, type), minute);
    if (claim.outcome !== 'claimed') return false;
    await repository.confirm(event(userId, type), claim.ticket);
    return true;
  };
  let afterCheckIns = 0;
  for (const type of ['checkin', 'checkout'] as const) {
    for (let i = 0; i < students; i += 10_000) {
      const chunk: Promise<boolean>[] = [];
      for (let j = i; j < Math.min(students, i + 10_000); j += 1) {
        if (type === 'checkin') ids[j] = nextId(j);
        chunk.push(record(ids[j] as string, type, type === 'checkin' ? 7 * 60 + (j % 120) : 15 * 60 + (j % 120)));
      }
      const outcomes = await Promise.all(chunk);
      if (outcomes.some((claimed) => !claimed)) throw new Error(`unexpected claim outcome in ${format}`);
      written += chunk.length;
      if (written % 500_000 < 10_000) process.stderr.write(`\r${format}: ${written.toLocaleString()} / ${records.toLocaleString()} records (${Math.round(written / ((Date.now() - started) / 1000)).toLocaleString()}/s)   `);
    }
    // The morning's state alone (one record per student so far): what Redis holds at the peak before check-outs.
    if (type === 'checkin') afterCheckIns = await usedMemory(redis);
  }
  await repository.close();
  const after = await usedMemory(redis);
  const encoding = await redis.object('ENCODING', (await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 100))[1][0] ?? '');
  ids.length = 0;
  const keys = await removePrefix(redis, prefix);
  const result = { format, records: written, students, keys, encoding, bytes: after - before, bytesPerRecord: Number(((after - before) / written).toFixed(2)), bytesPerCheckInOnly: Number(((afterCheckIns - before) / students).toFixed(2)), seconds: (Date.now() - started) / 1000 };
  process.stderr.write(`\r${format}: done${' '.repeat(60)}\n`);
  results.push(result);
}
await redis.quit();
console.table(results);
mkdirSync(new URL('../../results/', import.meta.url), { recursive: true });
writeFileSync(new URL(values.out, new URL('../', import.meta.url)), `${JSON.stringify({ measuredAt: new Date().toISOString(), results }, null, 2)}\n`);
