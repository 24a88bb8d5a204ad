/**
 * One school's day as the office page lists it: every student on the roster
 * with the day's status, in one compact answer (a 10,000-student school is
 * filtered and searched in the browser, not one request per filter).
 */
export type RosterStatus = 'present' | 'late' | 'absent' | 'excused' | 'checked-out';

/** `[userId, name, status, checkInAt (epoch ms) | null, checkOutAt | null, fever (0/1)]`: arrays, not objects, to keep 10,000 rows small. */
export type DayRosterRow = [string, string, RosterStatus, number | null, number | null, 0 | 1];

export const DAY_ROSTER_COLUMNS = ['userId', 'name', 'status', 'checkInAt', 'checkOutAt', 'fever'] as const;

export interface RecordOfDay {
  userId: string;
  type: 'checkin' | 'checkout';
  at: Date;
  fever: boolean;
}

/** What the day adds beyond device records (corrections): whom the office excused, who came late. */
export interface DayMarks {
  excused: ReadonlySet<string>;
  late: ReadonlySet<string>;
}

export const NO_MARKS: DayMarks = { excused: new Set(), late: new Set() };

/**
 * Status of each roster student: checked out, else late or present when
 * checked in, else excused or absent. Students with records who are not on
 * the roster (a check-in for an id the roster does not hold) are listed too,
 * after the roster, so the page shows what the counters count.
 */
export function dayRosterRows(students: readonly { _id: string; name: string }[], records: readonly RecordOfDay[], marks: DayMarks = NO_MARKS): DayRosterRow[] {
  const byUser = new Map<string, { in?: RecordOfDay; out?: RecordOfDay }>();
  for (const record of records) {
    const day = byUser.get(record.userId) ?? {};
    if (record.type === 'checkin') day.in = record;
    else day.out = record;
    byUser.set(record.userId, day);
  }
  const row = (userId: string, name: string): DayRosterRow => {
    const day = byUser.get(userId);
    const status: RosterStatus = day?.out ? 'checked-out' : day?.in ? (marks.late.has(userId) ? 'late' : 'present') : marks.excused.has(userId) ? 'excused' : 'absent';
    return [userId, name, status, day?.in?.at.getTime() ?? null, day?.out?.at.getTime() ?? null, day?.in?.fever || day?.out?.fever ? 1 : 0];
  };
  const rows = students.map((student) => row(student._id, student.name));
  const onRoster = new Set(students.map((student) => student._id));
  for (const userId of byUser.keys()) if (!onRoster.has(userId)) rows.push(row(userId, userId));
  return rows;
}
