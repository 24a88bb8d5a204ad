import { describe, expect, it } from 'vitest';
import { dayRosterRows, type RecordOfDay } from '../../src/domain/day-roster.ts';

const at = (hhmm: string) => new Date(`2026-11-23T${hhmm}:00Z`);
const students = [
  { _id: 's1', name: 'Ada' },
  { _id: 's2', name: 'Bo' },
  { _id: 's3', name: 'Cy' },
  { _id: 's4', name: 'Di' },
  { _id: 's5', name: 'Ed' },
];
const records: RecordOfDay[] = [
  { userId: 's1', type: 'checkin', at: at('07:50'), fever: false },
  { userId: 's2', type: 'checkin', at: at('07:55'), fever: true },
  { userId: 's2', type: 'checkout', at: at('15:00'), fever: false },
  { userId: 's4', type: 'checkin', at: at('08:40'), fever: false, lateMinutes: 10 },
  { userId: 'stranger', type: 'checkin', at: at('08:00'), fever: false },
];

describe("the office page's day roster", () => {
  it('gives each roster student a status: checked out, present, late (minutes late on the check-in), excused or absent', () => {
    const rows = dayRosterRows(students, records, new Set(['s3']));
    expect(rows).toEqual([
      ['s1', 'Ada', 'present', at('07:50').getTime(), null, 0],
      ['s2', 'Bo', 'checked-out', at('07:55').getTime(), at('15:00').getTime(), 1],
      ['s3', 'Cy', 'excused', null, null, 0],
      ['s4', 'Di', 'late', at('08:40').getTime(), null, 0],
      ['s5', 'Ed', 'absent', null, null, 0],
      ['stranger', 'stranger', 'present', at('08:00').getTime(), null, 0],
    ]);
  });

  it('without excuses, a checked-in student is present and one without records absent', () => {
    const rows = dayRosterRows(students.slice(0, 3), records.slice(0, 1));
    expect(rows.map((row) => row[2])).toEqual(['present', 'absent', 'absent']);
  });
});
