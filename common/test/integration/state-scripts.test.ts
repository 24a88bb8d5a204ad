import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis, decodeState, defineAttendanceStateCommands, encodeConfirmedState, schoolFingerprint, stateLocation } from '../../src/entries/redis.ts';
import { randomId, stack, testNamespace } from '../../../test/support/stack.ts';

/** Each script against a real Redis: the exit door is the field's value and the reply. */
const ns = testNamespace('scripts');
const day = '2026-11-23';
const TTL = 3600;
/** Takeover ages: a claim is never abandoned (young) or always (0 ms). */
const YOUNG = 3_600_000;
const ABANDONED = 0;
const school = schoolFingerprint('school-a');
const otherSchool = [0, 1, 2, 3, 4].find((fingerprint) => fingerprint !== school) ?? 0;
let redis: Redis;
let key: string;
let field: string | Buffer;

const claim = (type: 'checkin' | 'checkout', minute: number, options: { school?: number; takeoverMs?: number } = {}) =>
  redis.claimAttendance(key, field, type, minute, options.school ?? school, TTL, options.takeoverMs ?? YOUNG);
const stored = async () => {
  const raw = await redis.hget(key, field);
  return raw === null ? undefined : decodeState(Number(raw));
};

beforeAll(async () => {
  redis = await connectRedis(stack.redisUrl);
  defineAttendanceStateCommands(redis);
});

afterAll(async () => {
  await redis?.quit();
});

beforeEach(() => {
  ({ key, field } = stateLocation(ns.redisPrefix, day, randomId()));
});

describe('claimAttendance', () => {
  it('writes a pending check-in with its minute and school, sets the TTL, and returns the value it wrote', async () => {
    const reply = await claim('checkin', 478);
    expect(reply).toBeGreaterThanOrEqual(2 ** 24);
    expect(await redis.hget(key, field)).toBe(String(reply));
    expect(await stored()).toEqual({ checkInMinute: 478, school, pendingSince: expect.any(Number) });
    expect(await redis.ttl(key)).toBeGreaterThan(TTL - 5);
  });

  it('answers pending (6), never already-checked-in, to a check-in or check-out meeting a young pending check-in', async () => {
    await claim('checkin', 478);
    expect(await claim('checkin', 479)).toBe(6);
    expect(await claim('checkout', 900)).toBe(6);
  });

  it('takes over an abandoned pending check-in with the new record (negated reply)', async () => {
    await claim('checkin', 478);
    const reply = await claim('checkin', 481, { takeoverMs: ABANDONED });
    expect(reply).toBeLessThanOrEqual(-(2 ** 24));
    expect(await stored()).toMatchObject({ checkInMinute: 481, school });
  });

  it('refuses a second check-in only once the first is confirmed: 1 already-checked-in', async () => {
    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    expect(await claim('checkin', 479, { takeoverMs: ABANDONED })).toBe(1);
  });

  it('refuses a check-out without check-in (3), at another school (4), before the check-in (5), after a check-out (2)', async () => {
    expect(await claim('checkout', 900)).toBe(3);
    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    expect(await claim('checkout', 900, { school: otherSchool })).toBe(4);
    expect(await claim('checkout', 477)).toBe(5);
    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, checkOutMinute: 900, schoolId: 'school-a' }));
    expect(await claim('checkout', 901, { takeoverMs: ABANDONED })).toBe(2);
  });

  it('claims a check-out at the check-in minute and keeps the check-in; a check-in meeting it is already-checked-in', async () => {
    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    expect(await claim('checkout', 478)).toBeGreaterThanOrEqual(2 ** 24);
    expect(await stored()).toMatchObject({ checkInMinute: 478, checkOutMinute: 478, school });
    expect(await claim('checkin', 479, { takeoverMs: ABANDONED })).toBe(1);
    expect(await claim('checkout', 901)).toBe(6);
    expect(await claim('checkout', 901, { takeoverMs: ABANDONED })).toBeLessThanOrEqual(-(2 ** 24));
    expect(await stored()).toMatchObject({ checkInMinute: 478, checkOutMinute: 901 });
  });
});

describe('confirmAttendance', () => {
  it('turns its own pending claim into the compact confirmed value', async () => {
    const pending = await claim('checkin', 478);
    expect(await redis.confirmAttendance(key, field, String(pending))).toBe(1);
    expect(Number(await redis.hget(key, field))).toBe(encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    const checkout = await claim('checkout', 900);
    expect(await redis.confirmAttendance(key, field, String(checkout))).toBe(1);
    expect(Number(await redis.hget(key, field))).toBe(encodeConfirmedState({ checkInMinute: 478, checkOutMinute: 900, schoolId: 'school-a' }));
  });

  it('leaves a claim that was taken over alone', async () => {
    const first = await claim('checkin', 478);
    const second = -(await claim('checkin', 480, { takeoverMs: ABANDONED }));
    expect(await redis.confirmAttendance(key, field, String(first))).toBe(0);
    expect(await redis.hget(key, field)).toBe(String(second));
  });
});

describe('releaseAttendance', () => {
  it('removes its own pending check-in, and puts a pending check-out back to the confirmed check-in', async () => {
    const checkIn = await claim('checkin', 478);
    expect(await redis.releaseAttendance(key, field, String(checkIn))).toBe(1);
    expect(await redis.hexists(key, field)).toBe(0);

    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    const checkOut = await claim('checkout', 900);
    expect(await redis.releaseAttendance(key, field, String(checkOut))).toBe(1);
    expect(Number(await redis.hget(key, field))).toBe(encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
  });

  it('never erases another request’s claim', async () => {
    const first = await claim('checkin', 478);
    await claim('checkin', 480, { takeoverMs: ABANDONED });
    expect(await redis.releaseAttendance(key, field, String(first))).toBe(0);
    expect(await stored()).toMatchObject({ checkInMinute: 480 });
  });
});

describe('replaceAttendanceState', () => {
  const checkedIn = encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' });
  const checkedOut = encodeConfirmedState({ checkInMinute: 478, checkOutMinute: 900, schoolId: 'school-a' });

  it('puts back the state before a correction only while the field holds what the correction wrote', async () => {
    await redis.hset(key, field, checkedOut);
    expect(await redis.replaceAttendanceState(key, field, checkedOut, checkedIn)).toBe(1);
    expect(Number(await redis.hget(key, field))).toBe(checkedIn);
    expect(await redis.replaceAttendanceState(key, field, checkedIn, '')).toBe(1);
    expect(await redis.hexists(key, field)).toBe(0);
  });

  it("never overwrites a device's later claim", async () => {
    await redis.hset(key, field, checkedIn);
    const checkOut = await claim('checkout', 900);
    expect(await redis.replaceAttendanceState(key, field, checkedIn, '')).toBe(0);
    expect(await redis.hget(key, field)).toBe(String(checkOut));
  });
});

describe('mergeAttendanceState', () => {
  const checkedIn = encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' });
  const checkedOut = encodeConfirmedState({ checkInMinute: 478, checkOutMinute: 900, schoolId: 'school-a' });

  it('writes into an empty field and sets the TTL', async () => {
    expect(await redis.mergeAttendanceState(key, field, checkedIn, TTL)).toBe(1);
    expect(Number(await redis.hget(key, field))).toBe(checkedIn);
    expect(await redis.ttl(key)).toBeGreaterThan(TTL - 5);
  });

  it('confirms a pending check-in that MongoDB holds, and adds a check-out to a check-in', async () => {
    await claim('checkin', 478);
    expect(await redis.mergeAttendanceState(key, field, checkedIn, TTL)).toBe(1);
    expect(await redis.mergeAttendanceState(key, field, checkedOut, TTL)).toBe(1);
    expect(Number(await redis.hget(key, field))).toBe(checkedOut);
  });

  it('never moves a state backwards: a pending check-out or a check-out stays', async () => {
    await redis.hset(key, field, checkedIn);
    const pendingCheckOut = await claim('checkout', 905);
    expect(await redis.mergeAttendanceState(key, field, checkedIn, TTL)).toBe(0);
    expect(await redis.hget(key, field)).toBe(String(pendingCheckOut));
    await redis.hset(key, field, checkedOut);
    expect(await redis.mergeAttendanceState(key, field, checkedIn, TTL)).toBe(0);
    expect(Number(await redis.hget(key, field))).toBe(checkedOut);
  });
});

describe('mergeCheckOutState', () => {
  const checkOutAlone = encodeConfirmedState({ checkInMinute: 900, checkOutMinute: 900, schoolId: 'school-a' });

  it('writes the check-out standing in for its check-in when the field is empty, and sets the TTL', async () => {
    expect(await redis.mergeCheckOutState(key, field, 900, checkOutAlone, TTL)).toBe(1);
    expect(await stored()).toEqual({ checkInMinute: 900, checkOutMinute: 900 });
    expect(await redis.ttl(key)).toBeGreaterThan(TTL - 5);
  });

  it('adds the check-out onto the check-in the field holds, and confirms a pending check-out', async () => {
    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    expect(await redis.mergeCheckOutState(key, field, 900, checkOutAlone, TTL)).toBe(1);
    expect(await stored()).toEqual({ checkInMinute: 478, checkOutMinute: 900 });

    ({ key, field } = stateLocation(ns.redisPrefix, day, randomId()));
    await redis.hset(key, field, encodeConfirmedState({ checkInMinute: 478, schoolId: 'school-a' }));
    await claim('checkout', 905);
    expect(await redis.mergeCheckOutState(key, field, 905, checkOutAlone, TTL)).toBe(1);
    expect(await stored()).toEqual({ checkInMinute: 478, checkOutMinute: 905 });
  });

  it('leaves a confirmed check-out alone', async () => {
    const checkedOut = encodeConfirmedState({ checkInMinute: 478, checkOutMinute: 900, schoolId: 'school-a' });
    await redis.hset(key, field, checkedOut);
    expect(await redis.mergeCheckOutState(key, field, 950, checkOutAlone, TTL)).toBe(0);
    expect(Number(await redis.hget(key, field))).toBe(checkedOut);
  });
});
