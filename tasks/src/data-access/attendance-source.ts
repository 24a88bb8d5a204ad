import type { Db } from 'mongodb';
import type { AttendanceSource, StoredAttendance } from '../domain/jobs/rebuild-state.ts';

/** Reads a day's attendances with one cursor (one pass over the collection, also on FerretDB). */
export class MongoAttendanceSource implements AttendanceSource {
  constructor(private readonly db: Db) {}

  async forEachPage(day: string, pageSize: number, onPage: (page: StoredAttendance[]) => Promise<void>): Promise<void> {
    const cursor = this.db
      .collection<StoredAttendance>('attendances')
      .find({ day }, { projection: { _id: 0, userId: 1, schoolId: 1, day: 1, 'checkIn.at': 1, 'checkOut.at': 1 }, batchSize: pageSize });
    let page: StoredAttendance[] = [];
    for await (const attendance of cursor) {
      page.push(attendance);
      if (page.length >= pageSize) {
        await onPage(page);
        page = [];
      }
    }
    if (page.length > 0) await onPage(page);
  }
}
