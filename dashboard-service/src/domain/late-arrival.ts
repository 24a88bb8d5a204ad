import { localTime } from '@attendance/common/records';

/** A school's start time: `HH:MM`, 24 h. */
export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `HH:MM` (24 h) as minutes since midnight. */
export function minuteOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * Minutes a check-in at `atMs` is after the school's start time (local time
 * in `timeZone`), or 0 when on time. A check-in in the start minute itself is on time.
 */
export function lateMinutesOf(atMs: number, startTime: string, timeZone: string): number {
  return Math.max(0, localTime(atMs, timeZone).minute - minuteOfDay(startTime));
}

/** The start time of each school, as the consumer knows it (read in the background). */
export type StartTimeOf = (schoolId: string) => string;
