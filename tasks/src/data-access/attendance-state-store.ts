import { dayStatePattern, defineAttendanceStateCommands, stateLocation } from '@attendance/common';
import type { Redis } from 'ioredis';
import type { StateKeyStore } from '../domain/jobs/rollover.ts';
import type { StateWriter } from '../domain/jobs/rebuild-state.ts';

/** How many keys one SCAN step asks for: small steps keep Redis responsive for check-ins. */
const SCAN_COUNT = 1000;

export class AttendanceStateStore implements StateKeyStore, StateWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {
    defineAttendanceStateCommands(redis);
  }

  async scanStateKeys(onKeys: (keys: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', dayStatePattern(this.keyPrefix), 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) await onKeys(keys);
    } while (cursor !== '0');
  }

  async unlink(keys: string[]): Promise<number> {
    return this.redis.unlink(...keys);
  }

  async merge(entries: { userId: string; day: string; value: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { userId, day, value } of entries) {
      const { key, field } = stateLocation(this.keyPrefix, day, userId);
      pipeline.mergeAttendanceState(key, field, value, this.ttlSeconds);
    }
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }
}
