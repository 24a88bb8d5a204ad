import type { AttendanceDocument, ExcuseDocument } from '@attendance/common/records';
import { describe, expect, it } from 'vitest';
import { studentDays } from '../../src/domain/student-days.ts';

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const record = (userId: string, type: 'checkin' | 'checkout') => ({ _id: `${userId}|2026-11-21|${type}`, userId, type }) as AttendanceDocument;
const excuse = (userId: string) => ({ _id: `${userId}|2026-11-21`, userId, reason: 'sick' }) as ExcuseDocument;

describe('studentDays, the roster walked beside the day', () => {
  it("gives each roster student their day's records and excuse, skipping ids the roster does not hold", async () => {
    const days = [];
    const roster = from([{ _id: 'a' }, { _id: 'c' }, { _id: 'e' }]);
    const records = from([record('a', 'checkin'), record('a', 'checkout'), record('b', 'checkin'), record('e', 'checkin')]);
    for await (const { student, state } of studentDays(roster, records, from([excuse('c'), excuse('d')]))) {
      days.push([student._id, state.checkIn?.userId ?? null, state.checkOut?.userId ?? null, state.excuse?.userId ?? null]);
    }
    expect(days).toEqual([
      ['a', 'a', 'a', null],
      ['c', null, null, 'c'],
      ['e', 'e', null, null],
    ]);
  });
});
