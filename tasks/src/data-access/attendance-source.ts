import { type AttendanceDocument, ATTENDANCES_COLLECTION, type AttendanceType } from '@attendance/common/records';
import type { Db } from 'mongodb';
import type { AttendanceSource, StoredRecord } from '../domain/jobs/rebuild-state.ts';
import { forEachPageOf } from './cursor-pages.ts';

/**
 * Reads a day's records of one type with one cursor. `{ day, type }` is an
 * equality filter FerretDB hands to PostgreSQL, so one pass returns only
 * those documents; the projection keeps what goes over the wire to three
 * fields (the school goes into a check-in's state, so a check-out elsewhere is refused).
 */
export class MongoAttendanceSource implements AttendanceSource {
  constructor(private readonly db: Db) {}

  async forEachPage(day: string, type: AttendanceType, pageSize: number, onPage: (page: StoredRecord[]) => Promise<void>): Promise<void> {
    const cursor = this.db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION).find({ day, type }, { projection: { _id: 0, userId: 1, schoolId: 1, at: 1 }, batchSize: pageSize });
    await forEachPageOf(cursor, pageSize, onPage);
  }
}
