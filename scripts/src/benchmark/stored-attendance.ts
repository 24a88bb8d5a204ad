import { ATTENDANCES_COLLECTION, type AttendanceDocument } from '@attendance/common';
import type { Db } from 'mongodb';

/** The fields of the stored contract (common/src/stored-attendance.ts) the benchmark reads back. */
export type StoredAttendance = Pick<AttendanceDocument, '_id' | 'userId' | 'schoolId' | 'day' | 'checkIn' | 'checkOut' | 'feverSource'>;

export { ATTENDANCES_COLLECTION, attendanceId as attendanceIdOf } from '@attendance/common';

/**
 * Single-document reads in parallel: FerretDB pushes an `_id` equality down to
 * its backend but scans the collection for `$in`, so this costs what the run
 * holds, not what the database holds.
 */
const READ_CONCURRENCY = 16;

export async function loadAttendances(db: Db, ids: string[]): Promise<Map<string, StoredAttendance>> {
  const collection = db.collection<StoredAttendance>(ATTENDANCES_COLLECTION);
  const found = new Map<string, StoredAttendance>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const document = await collection.findOne({ _id: id }, { projection: { userId: 1, schoolId: 1, day: 1, checkIn: 1, checkOut: 1, feverSource: 1 } });
      if (document) found.set(id, document);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, worker));
  return found;
}
