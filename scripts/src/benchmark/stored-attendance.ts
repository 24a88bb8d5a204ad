import { findByIds } from '@attendance/common/mongo';
import { type AttendanceDocument, ATTENDANCES_COLLECTION } from '@attendance/common/records';
import type { Db } from 'mongodb';

/** The fields of the stored contract (common/src/stored-attendance.ts) the benchmark reads back: one document per stored record. */
export type StoredRecord = Pick<AttendanceDocument, '_id' | 'userId' | 'schoolId' | 'day' | 'type' | 'recordId'>;

export { ATTENDANCES_COLLECTION, attendanceId as attendanceIdOf } from '@attendance/common/records';

/** The run's records, read by `_id` (`userId|day|type`; see `findByIds` for why not `$in`). */
export function loadAttendances(db: Db, ids: string[], onRead?: (done: number) => void): Promise<Map<string, StoredRecord>> {
  return findByIds(db.collection<StoredRecord>(ATTENDANCES_COLLECTION), ids, {
    concurrency: 16,
    ...(onRead ? { onRead } : {}),
    projection: { userId: 1, schoolId: 1, day: 1, type: 1, recordId: 1 },
  });
}
