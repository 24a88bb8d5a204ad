import { describe, expect, it } from 'vitest';
import { mergeSchoolTotals, sortSchoolTotals } from '../../src/domain/school-summary.ts';

describe('school totals', () => {
  const rows = mergeSchoolTotals(
    [
      { _id: 'a', name: 'Alpha' },
      { _id: 'b', name: 'Beta' },
      { _id: 'c', name: 'Gamma' },
    ],
    new Map([
      ['a', { checkIns: 10, checkOuts: 4, fevers: 1, lates: 0, excused: 0 }],
      ['c', { checkIns: 10, checkOuts: 9, fevers: 0, lates: 0, excused: 0 }],
      ['z', { checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 }],
    ]),
  );

  it('shows every school, with zeros for schools without records and present = in - out', () => {
    expect(rows.find((row) => row.schoolId === 'b')).toEqual({ schoolId: 'b', name: 'Beta', checkIns: 0, checkOuts: 0, fevers: 0, presentNow: 0, lates: 0, excused: 0 });
    expect(rows.find((row) => row.schoolId === 'a')?.presentNow).toBe(6);
    expect(rows.map((row) => row.schoolId)).toContain('z');
  });

  it('sorts by any figure, ties broken by school id', () => {
    expect(sortSchoolTotals(rows, 'checkIns', 'desc').map((row) => row.schoolId)).toEqual(['a', 'c', 'z', 'b']);
    expect(sortSchoolTotals(rows, 'presentNow', 'asc').map((row) => row.schoolId)).toEqual(['b', 'c', 'z', 'a']);
  });
});
