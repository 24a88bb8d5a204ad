import { addCounts, emptyCounts, type SchoolCounts } from '@attendance/common/records';

/** A school's figures for one day, as the dashboard shows them. */
export interface SchoolTotals {
  schoolId: string;
  name: string;
  checkIns: number;
  checkOuts: number;
  fevers: number;
  /** Checked in and not yet checked out. */
  presentNow: number;
  lates: number;
  excused: number;
}

export const sortKeys = ['checkIns', 'checkOuts', 'fevers', 'presentNow', 'lates', 'excused', 'schoolId', 'name'] as const;
export type SortKey = (typeof sortKeys)[number];

export type Counts = SchoolCounts;

/** A day's counts as the dashboard shows them: the stored counts and who is present now. */
export type DayFigures = Omit<SchoolTotals, 'schoolId' | 'name'>;

/** The one place `presentNow` is computed: checked in and not yet out, floored at 0. The HTTP routes, the SSE streams and the gauges all take it from here. */
export function dayFigures(counts: Counts | undefined): DayFigures {
  const checkIns = counts?.checkIns ?? 0;
  const checkOuts = counts?.checkOuts ?? 0;
  return { checkIns, checkOuts, fevers: counts?.fevers ?? 0, presentNow: Math.max(0, checkIns - checkOuts), lates: counts?.lates ?? 0, excused: counts?.excused ?? 0 };
}

export function toTotals(schoolId: string, name: string, counts: Counts | undefined): SchoolTotals {
  return { schoolId, name, ...dayFigures(counts) };
}

/** A school's day with its roster. */
export type SchoolTotalsWithRoster = SchoolTotals & { absent: number; rosterSize: number };

/** The body of `GET /schools/:id` and of each event of its stream; the office page reads it with this type. */
export type SchoolToday = SchoolTotalsWithRoster & { day: string };

/** A school's day with its roster: `absent` = roster size - check-ins - excused, floored at 0. */
export function withRoster(totals: SchoolTotals, rosterSize: number): SchoolTotalsWithRoster {
  return { ...totals, absent: Math.max(0, rosterSize - totals.checkIns - totals.excused), rosterSize };
}

/**
 * Every known school (a school with no records yet shows zeros), plus any
 * school that has records but is missing from the roster.
 */
export function mergeSchoolTotals(schools: { _id: string; name: string }[], counts: Map<string, Counts>): SchoolTotals[] {
  const rows = schools.map((school) => toTotals(school._id, school.name, counts.get(school._id)));
  const known = new Set(schools.map((school) => school._id));
  for (const [schoolId, count] of counts) if (!known.has(schoolId)) rows.push(toTotals(schoolId, schoolId, count));
  return rows;
}

/** Sorted by the key, ties broken by school id so pages are stable. */
export function sortSchoolTotals(rows: SchoolTotals[], key: SortKey, order: 'asc' | 'desc'): SchoolTotals[] {
  const direction = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const left = a[key];
    const right = b[key];
    const byKey = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
    return byKey !== 0 ? byKey * direction : a.schoolId.localeCompare(b.schoolId);
  });
}

export function sumCounts(rows: Counts[]): Counts {
  return rows.reduce((sum, row) => addCounts(sum, row), emptyCounts());
}
