import { ATTENDANCES_COLLECTION, findByIds, type AttendanceDocument } from '@attendance/common';
import type { Db } from 'mongodb';

/** The fields of the stored contract (common/src/stored-attendance.ts) the benchmark reads back. */
export type StoredAttendance = Pick<AttendanceDocument, '_id' | 'userId' | 'schoolId' | 'day' | 'checkIn' | 'checkOut' | 'feverSource'>;

export { ATTENDANCES_COLLECTION, attendanceId as attendanceIdOf } from '@attendance/common';

/** The run's day documents, read by `_id` (see `findByIds` for why not `$in`). */
export function loadAttendances(db: Db, ids: string[]): Promise<Map<string, StoredAttendance>> {
  return findByIds(db.collection<StoredAttendance>(ATTENDANCES_COLLECTION), ids, {
    concurrency: 16,
    projection: { userId: 1, schoolId: 1, day: 1, checkIn: 1, checkOut: 1, feverSource: 1 },
  });
}
