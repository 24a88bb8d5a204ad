import { type DayStatus, statusOf } from './student-day.ts';

/*
 * One school's day as the office page lists it: every student on the roster
 * with the day's status, in one compact answer (a 10,000-student school is
 * filtered and searched in the browser, not one request per filter).
 */
/** `[userId, name, status, checkInAt (epoch ms) | null, checkOutAt | null, fever (0/1)]`: arrays, not objects, to keep 10,000 rows small. */
export type DayRosterRow = [string, string, DayStatus, number | null, number | null, 0 | 1];

export const DAY_ROSTER_COLUMNS = ['userId', 'name', 'status', 'checkInAt', 'checkOutAt', 'fever'] as const;

export interface RecordOfDay {
  userId: string;
  type: 'checkin' | 'checkout';
  at: Date;
  fever: boolean;
  /** On a check-in after the school's start time. */
  lateMinutes?: number;
}

/**
 * Status of each roster student, by the rule of a student's day (`statusOf`
 * in student-day.ts; excused: in `excused`). Students with records who are not on
 * the roster (a check-in for an id the roster does not hold) are listed too,
 * after the roster, so the page shows what the counters count.
 */
export function dayRosterRows(students: readonly { _id: string; name: string }[], records: readonly RecordOfDay[], excused: ReadonlySet<string> = new Set()): DayRosterRow[] {
  const byUser = new Map<string, { in?: RecordOfDay; out?: RecordOfDay }>();
  for (const record of records) {
    const day = byUser.get(record.userId) ?? {};
    if (record.type === 'checkin') day.in = record;
    else day.out = record;
    byUser.set(record.userId, day);
  }
  const row = (userId: string, name: string): DayRosterRow => {
    const day = byUser.get(userId);
    const status = statusOf({ checkIn: day?.in, checkOut: day?.out, excuse: excused.has(userId) });
    return [userId, name, status, day?.in?.at.getTime() ?? null, day?.out?.at.getTime() ?? null, day?.in?.fever || day?.out?.fever ? 1 : 0];
  };
  const rows = students.map((student) => row(student._id, student.name));
  const onRoster = new Set(students.map((student) => student._id));
  for (const userId of byUser.keys()) if (!onRoster.has(userId)) rows.push(row(userId, userId));
  for (const userId of excused) if (!onRoster.has(userId) && !byUser.has(userId)) rows.push(row(userId, userId));
  return rows;
}
