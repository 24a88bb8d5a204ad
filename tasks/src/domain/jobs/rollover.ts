import { addDays, dayOf } from '@attendance/common/records';
import { dayOfStateKey } from '@attendance/common/redis';
import type { Job, JobSummary } from '../job-runner.ts';

export interface StateKeyStore {
  /** Calls `onKeys` with each batch of attendance-state keys (SCAN, never KEYS). */
  scanStateKeys(onKeys: (keys: string[]) => Promise<void>): Promise<void>;
  /** UNLINKs the keys (freed in the background); returns how many existed. */
  unlink(keys: string[]): Promise<number>;
}

export interface JournalStore {
  /** Removes the state journal's documents of days before `day`; returns how many. */
  removeBefore(day: string): Promise<number>;
}

/**
 * Removes the attendance state of days before today (in the attendance time
 * zone). Only keys that parse as attendance state and carry a past day are
 * touched: today's keys and keys of anything else sharing the Redis server
 * survive. Safe to run at any time, twice, or after a missed night. The
 * state journal (what `rebuild` reads) keeps yesterday too: records of
 * yesterday can still arrive just after midnight.
 */
export function rolloverJob(store: StateKeyStore, options: { keyPrefix: string; timeZone: string; now: () => number }, journal?: JournalStore): Job {
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
      const removedJournal = journal ? await journal.removeBefore(addDays(today, -1)) : 0;
      return { items: removed, removedKeys: removed, scannedKeys: scanned, removedJournalDocuments: removedJournal, today };
    },
  };
}
