import { dayOf } from '@attendance/common/records';
import { dayOfStateKey } from '@attendance/common/redis';
import type { Job, JobSummary } from '../job-runner.ts';

export interface StateKeyStore {
  /** Calls `onKeys` with each batch of attendance-state keys (SCAN, never KEYS). */
  scanStateKeys(onKeys: (keys: string[]) => Promise<void>): Promise<void>;
  /** UNLINKs the keys (freed in the background); returns how many existed. */
  unlink(keys: string[]): Promise<number>;
}

/**
 * Removes the attendance state of days before today (in the attendance time
 * zone). Only keys that parse as attendance state and carry a past day are
 * touched: today's keys and keys of anything else sharing the Redis server
 * survive. Safe to run at any time, twice, or after a missed night.
 */
export function rolloverJob(store: StateKeyStore, options: { keyPrefix: string; timeZone: string; now: () => number }): Job {
  return {
    name: 'rollover',
    async run(): Promise<JobSummary> {
      const today = dayOf(options.now(), options.timeZone);
      let scanned = 0;
      let removed = 0;
      await store.scanStateKeys(async (keys) => {
        scanned += keys.length;
        const past = keys.filter((key) => {
          const day = dayOfStateKey(options.keyPrefix, key);
          return day !== undefined && day < today;
        });
        if (past.length > 0) removed += await store.unlink(past);
      });
      return { items: removed, removedKeys: removed, scannedKeys: scanned, today };
    },
  };
}
