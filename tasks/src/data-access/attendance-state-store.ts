import { dayStatePattern, defineAttendanceStateCommands, encodeConfirmedState, stateLocation, type StateLocation } from '@attendance/common/redis';
import type { ChainableCommander, Redis } from 'ioredis';
import type { StateKeyStore } from '../domain/jobs/rollover.ts';
import type { StateEntry, StateWriter } from '../domain/jobs/rebuild-state.ts';
import { scanKeys } from './scan-keys.ts';

export class AttendanceStateStore implements StateKeyStore, StateWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {
    defineAttendanceStateCommands(redis);
  }

  scanStateKeys(onKeys: (keys: string[]) => Promise<void>): Promise<void> {
    return scanKeys(this.redis, dayStatePattern(this.keyPrefix), onKeys);
  }

  async unlink(keys: string[]): Promise<number> {
    return this.redis.unlink(...keys);
  }

  async mergeCheckIns(entries: StateEntry[]): Promise<void> {
    await this.exec(entries, (pipeline, { key, field }, { minute, schoolId }) => pipeline.mergeAttendanceState(key, field, encodeConfirmedState({ checkInMinute: minute, schoolId }), this.ttlSeconds));
  }

  async mergeCheckOuts(entries: StateEntry[]): Promise<void> {
    await this.exec(entries, (pipeline, { key, field }, { minute, schoolId }) =>
      pipeline.mergeCheckOutState(key, field, minute, encodeConfirmedState({ checkInMinute: minute, checkOutMinute: minute, schoolId }), this.ttlSeconds),
    );
  }

  /** One pipeline for the entries; throws the first failed reply. */
  private async exec(entries: StateEntry[], add: (pipeline: ChainableCommander, location: StateLocation, entry: StateEntry) => void): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const entry of entries) add(pipeline, stateLocation(this.keyPrefix, entry.day, entry.userId), entry);
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }
}
