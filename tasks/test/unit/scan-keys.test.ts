import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScanDeadlineError, scanKeys } from '../../src/data-access/scan-keys.ts';

/** A Redis whose every SCAN step matches nothing, takes `stepMs` and never reaches the end of the keyspace. */
function emptySteps(stepMs: number) {
  let steps = 0;
  const redis = {
    async scan(cursor: string) {
      steps += 1;
      vi.advanceTimersByTime(stepMs);
      return [String(Number(cursor) + 1), []];
    },
  } as unknown as Redis;
  return { redis, steps: () => steps };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('scanKeys with a deadline', () => {
  it('stops at the deadline even when the steps match no key', async () => {
    vi.useFakeTimers({ now: 0 });
    const { redis, steps } = emptySteps(100);
    const onKeys = vi.fn();
    await expect(scanKeys(redis, 'att:d:*', onKeys, { deadline: 1_000 })).rejects.toBeInstanceOf(ScanDeadlineError);
    // Ten steps of 100 ms reach the deadline (not past it), the eleventh passes it, and no twelfth is sent.
    expect(steps()).toBe(11);
    expect(onKeys).not.toHaveBeenCalled();
  });

  it('sends no step at all when the deadline has already passed', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const { redis, steps } = emptySteps(100);
    await expect(scanKeys(redis, 'att:d:*', () => undefined, { deadline: 1_000 })).rejects.toBeInstanceOf(ScanDeadlineError);
    expect(steps()).toBe(0);
  });
});
