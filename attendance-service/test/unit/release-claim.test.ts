import { createLogger } from '@attendance/common/config';
import type { AttendanceEvent } from '@attendance/common/records';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttendanceStateRepository } from '../../src/data-access/attendance-state-repository.ts';

/** A Redis whose release script always fails; the repository defines its scripts on it and nothing else. */
function failingRedis(): { redis: Redis; releaseCalls: () => number } {
  let calls = 0;
  const redis = {
    defineCommand: () => undefined,
    releaseAttendance: () => {
      calls += 1;
      return Promise.reject(new Error('Connection is closed.'));
    },
  } as unknown as Redis;
  return { redis, releaseCalls: () => calls };
}

const event = { id: 'r1', type: 'checkin', userId: '42', schoolId: 'school-1', day: '2026-11-23', timestamp: 0, temperature: 36.6 } as unknown as AttendanceEvent;

describe('undoing the claim of a record Kafka did not take', () => {
  afterEach(() => vi.useRealTimers());

  it('gives up after four attempts and 350 ms of backoff, so the failed request is answered promptly', async () => {
    vi.useFakeTimers();
    const { redis, releaseCalls } = failingRedis();
    const lines: string[] = [];
    const logger = createLogger('test', 'error', { write: (line: string) => void lines.push(line) });
    const repository = new AttendanceStateRepository(redis, { keyPrefix: 'att', ttlSeconds: 60, takeoverMs: 10_000, maxBatch: 10, maxQueued: 10, rateLimit: { perSecond: 1, burst: 1 }, logger });
    let settled = false;
    const releasing = repository.release(event, '123').then(() => (settled = true));

    await vi.advanceTimersByTimeAsync(349);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await releasing;

    expect(releaseCalls()).toBe(4);
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['could not undo the claim of an unpublished record']);
    await repository.close();
  });
});
