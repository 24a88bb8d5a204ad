import { createLogger } from '@attendance/common/config';
import { connectRedis } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, stack, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { JobLock } from '../../src/data-access/job-lock.ts';

/** The job lock's scripts (renew and release only while we hold it) against a real Redis. */
const ns = testNamespace('job-lock');
let redis: Redis;

beforeAll(async () => {
  redis = await connectRedis(stack.redisUrl);
});

afterAll(async () => {
  await redis?.quit();
});

describe('the job lock', () => {
  it('is held by one instance at a time and released only by its holder', async () => {
    const lock = new JobLock(redis, ns.redisPrefix, 60_000, createLogger('test', 'silent'));
    const job = randomId('job');
    const held = await lock.acquire(job);
    expect(held).toBeDefined();
    expect(await lock.acquire(job)).toBeUndefined();

    // Another instance took the lock after ours expired: releasing ours must not delete theirs.
    await redis.set(lock.key(job), 'someone-else', 'PX', 60_000);
    await held?.release();
    expect(await redis.get(lock.key(job))).toBe('someone-else');

    await redis.del(lock.key(job));
    const again = await lock.acquire(job);
    await again?.release();
    expect(await redis.exists(lock.key(job))).toBe(0);
  });

  it('is renewed while the job runs, and never renews a lock another instance holds', async () => {
    const warnings: string[] = [];
    const logger = createLogger('test', 'warn', { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
    const lock = new JobLock(redis, ns.redisPrefix, 900, logger);
    const job = randomId('job');
    const held = await lock.acquire(job);
    // Renewed every 300 ms: the time left goes up again instead of running out.
    let lowest = Number.POSITIVE_INFINITY;
    await waitFor(
      async () => {
        const left = await redis.pttl(lock.key(job));
        if (left > lowest) return true;
        lowest = Math.min(lowest, left);
        return false;
      },
      { timeoutMs: 5_000, intervalMs: 50, what: 'the lock to be renewed' },
    );

    // Another instance's lock (no expiry): the next renewal tick must leave it as it is, and say so.
    await redis.set(lock.key(job), 'someone-else');
    await waitFor(() => warnings.some((msg) => msg.includes('was lost')), { timeoutMs: 5_000, what: 'a renewal tick to find the lock taken' });
    expect(await redis.pttl(lock.key(job))).toBe(-1);
    await held?.release();
    expect(await redis.get(lock.key(job))).toBe('someone-else');
    await redis.del(lock.key(job));
  });
});
