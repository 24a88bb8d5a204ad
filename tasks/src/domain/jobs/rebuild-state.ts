import { dayOf, encodeConfirmedState, localTime } from '@attendance/common';
import type { Job, JobSummary } from '../job-runner.ts';

/** The parts of a stored attendance the Redis state needs. */
export interface StoredAttendance {
  userId: string;
  schoolId: string;
  day: string;
  checkIn?: { at: Date };
  checkOut?: { at: Date };
}

export interface AttendanceSource {
  /** Streams the day's attendances in pages. */
  forEachPage(day: string, pageSize: number, onPage: (page: StoredAttendance[]) => Promise<void>): Promise<void>;
}

export interface StateWriter {
  /** Writes each value unless Redis already holds the same or a later state for that user. */
  merge(entries: { userId: string; day: string; value: number }[]): Promise<void>;
}

/** The Redis state value that a stored attendance stands for: confirmed, since MongoDB holds it. */
export function stateValueOf(attendance: StoredAttendance, timeZone: string): number | undefined {
  const checkIn = attendance.checkIn ?? attendance.checkOut;
  if (!checkIn) return undefined;
  const minuteOf = (at: Date): number => localTime(at.getTime(), timeZone).minute;
  return encodeConfirmedState({
    checkInMinute: minuteOf(checkIn.at),
    checkOutMinute: attendance.checkOut ? minuteOf(attendance.checkOut.at) : undefined,
    schoolId: attendance.schoolId,
  });
}

/**
 * Rebuilds a day's check-in state in Redis from MongoDB, for after Redis lost
 * its data: without it, a student who already checked in could check in
 * again (the consumer would still store them once, but the device would get
 * 202 instead of 409). Merging never moves a user's state backwards, so it is
 * safe while check-ins keep arriving.
 */
export function rebuildStateJob(source: AttendanceSource, writer: StateWriter, options: { timeZone: string; now: () => number; day?: string; pageSize: number }): Job {
  return {
    name: 'rebuild',
    async run(): Promise<JobSummary> {
      const day = options.day ?? dayOf(options.now(), options.timeZone);
      let restored = 0;
      await source.forEachPage(day, options.pageSize, async (page) => {
        const entries = page.flatMap((attendance) => {
          const value = stateValueOf(attendance, options.timeZone);
          return value === undefined ? [] : [{ userId: attendance.userId, day: attendance.day, value }];
        });
        await writer.merge(entries);
        restored += entries.length;
      });
      return { items: restored, restoredUsers: restored, day };
    },
  };
}
