import { type AttendanceType, dayOf, localTime } from '@attendance/common/records';
import type { Job, JobSummary } from '../job-runner.ts';
import { writeWhileReading } from './write-while-reading.ts';

/** The parts of a stored record (one `attendances` document) the Redis state needs. */
export interface StoredRecord {
  userId: string;
  schoolId: string;
  at: Date;
}

export interface AttendanceSource {
  /** Where the day's records are read from (for the job's summary). */
  readsFrom(day: string): Promise<'journal' | 'attendances'>;
  /** Streams the day's stored records of one type in pages. */
  forEachPage(day: string, type: AttendanceType, pageSize: number, onPage: (page: StoredRecord[]) => Promise<void>): Promise<void>;
}

export interface StateEntry {
  userId: string;
  schoolId: string;
  day: string;
  /** Minute of the event in the attendance time zone, 0-1439. */
  minute: number;
}

export interface StateWriter {
  /** Sets each user's confirmed check-in (minute and school) unless Redis already holds it or a later state. */
  mergeCheckIns(entries: StateEntry[]): Promise<void>;
  /**
   * Adds each check-out to the check-in Redis holds for the user (the
   * check-out minute stands in for a missing check-in), confirmed; never
   * touches a confirmed check-out.
   */
  mergeCheckOuts(entries: StateEntry[]): Promise<void>;
}

/** Redis pipelines in flight while the next page is read: reading FerretDB and writing Redis overlap. */
const MERGES_IN_FLIGHT = 4;

/**
 * Rebuilds a day's check-in state in Redis from MongoDB, for after Redis lost
 * its data: without it, a student who already checked in could check in
 * again (the consumer would still store them once, but the device would get
 * 202 instead of 409). Two passes over the day's records, check-ins first,
 * then check-outs merged onto them in Redis: no map of the day's users is
 * ever held in memory, whatever the day's size. Merging never moves a user's
 * state backwards, so it is safe while check-ins keep arriving.
 */
export function rebuildStateJob(source: AttendanceSource, writer: StateWriter, options: { timeZone: string; now: () => number; day?: string; pageSize: number }): Job {
  return {
    name: 'rebuild',
    async run(): Promise<JobSummary> {
      const day = options.day ?? dayOf(options.now(), options.timeZone);
      const readFrom = await source.readsFrom(day);
      const restored = { checkin: 0, checkout: 0 };
      const seconds = { checkin: 0, checkout: 0 };
      for (const type of ['checkin', 'checkout'] as const) {
        const passStarted = options.now();
        const merge = type === 'checkin' ? writer.mergeCheckIns.bind(writer) : writer.mergeCheckOuts.bind(writer);
        await writeWhileReading<StoredRecord>(
          (onPage) => source.forEachPage(day, type, options.pageSize, onPage),
          async (page) => {
            const entries = page.map((record) => ({ userId: record.userId, schoolId: record.schoolId, day, minute: localTime(record.at.getTime(), options.timeZone).minute }));
            restored[type] += entries.length;
            await merge(entries);
          },
          MERGES_IN_FLIGHT,
        );
        seconds[type] = (options.now() - passStarted) / 1000;
      }
      return { items: restored.checkin + restored.checkout, restoredUsers: restored.checkin, checkIns: restored.checkin, checkOuts: restored.checkout, checkInPassSeconds: seconds.checkin, checkOutPassSeconds: seconds.checkout, day, source: readFrom };
    },
  };
}
