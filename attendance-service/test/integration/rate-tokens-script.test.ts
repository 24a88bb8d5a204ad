import { readFileSync } from 'node:fs';
import { connectRedis } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, stack, testNamespace } from '../../../test/support/stack.ts';

/** take-rate-tokens.lua against a real Redis: the exit doors are the reply and the bucket's hash and expiry. */
const ns = testNamespace('rate-script');
const lua = readFileSync(new URL('../../src/data-access/take-rate-tokens.lua', import.meta.url), 'utf8');
let redis: Redis;
const take = (key: string, perSecond: number, burst: number, tokens = 1) => redis.eval(lua, 1, key, perSecond, burst, tokens) as Promise<number>;
const bucket = () => `${ns.redisPrefix}:rl:${randomId('dev')}`;

beforeAll(async () => {
  redis = await connectRedis(stack.redisUrl);
});

afterAll(async () => {
  await redis?.quit();
});

describe('take-rate-tokens.lua', () => {
  it('starts full: takes up to the burst at once, then answers the wait for the next token', async () => {
    const key = bucket();
    for (let i = 0; i < 5; i += 1) expect(await take(key, 1, 5)).toBe(0);
    const waitMs = await take(key, 1, 5);
    // One token per second: the next one is at most a second away (the bucket refilled a little meanwhile).
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(1000);
    expect(Number(await redis.hget(key, 't'))).toBeLessThan(1);
  });

  it('refuses a take larger than the bucket holds without taking anything', async () => {
    const key = bucket();
    expect(await take(key, 10, 3, 2)).toBe(0);
    const tokensLeft = Number(await redis.hget(key, 't'));
    expect(await take(key, 10, 3, 3)).toBeGreaterThan(0);
    expect(Number(await redis.hget(key, 't'))).toBe(tokensLeft);
  });

  it('lets the key expire once the bucket would be full again', async () => {
    const key = bucket();
    expect(await take(key, 20, 200)).toBe(0);
    // 200 tokens at 20 per second refill in 10 s; the key goes a second after that.
    const ttlMs = await redis.pttl(key);
    expect(ttlMs).toBeGreaterThan(10_000);
    expect(ttlMs).toBeLessThanOrEqual(11_000);
  });
});
