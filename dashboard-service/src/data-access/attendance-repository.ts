import { chunksOf, ensureIndexes, EXPORT_TIME_LIMIT_MS, findByIds, READ_TIME_LIMIT_MS } from '@attendance/common/mongo';
import { attendanceId, ATTENDANCES_COLLECTION } from '@attendance/common/records';
import type { Collection, Db } from 'mongodb';
import pMap from 'p-map';
import type { AttendanceDocument } from '../domain/attendance-document.ts';
import type { AttendanceStore } from '../domain/store-messages.ts';
import { insertNew } from './insert-new.ts';

/** What the read API lists of one student's day. */
export interface StudentDay {
  userId: string;
  checkIn?: AttendanceDocument;
  checkOut?: AttendanceDocument;
}

/**
 * How many documents one `insertMany` command carries. FerretDB inserts a
 * command in one PostgreSQL transaction; a few large commands in flight keep
 * both of its cores busy without one command holding a connection for long.
 */
const INSERT_CHUNK = 1000;
const INSERTS_IN_FLIGHT = 2;

export class AttendanceRepository implements AttendanceStore {
  readonly collection: Collection<AttendanceDocument>;

  constructor(db: Db) {
    this.collection = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    // One document per record now: the old one-per-user-day unique index would refuse every check-out.
    const indexes: { name?: unknown }[] = await this.collection.listIndexes().toArray().catch(() => []);
    if (indexes.some((index) => index.name === 'user_day_unique')) await this.collection.dropIndex('user_day_unique');
    await ensureIndexes(this.collection, [{ key: { schoolId: 1, day: 1, type: 1, userId: 1 }, options: { name: 'school_day_type_user' } }]);
  }

  async insertNew(documents: AttendanceDocument[]): Promise<{ existing: string[]; refused: { id: string; error: { code: string; message: string } }[] }> {
    const results = await pMap(chunksOf(documents, INSERT_CHUNK), (chunk) => insertNew(this.collection, chunk), { concurrency: INSERTS_IN_FLIGHT });
    return { existing: results.flatMap((result) => result.existing), refused: results.flatMap((result) => result.refused) };
  }

  load(ids: string[]): Promise<Map<string, AttendanceDocument>> {
    return findByIds(this.collection, ids);
  }

  /** User ids with a check-in at the school that day (for "absent" = roster minus these). */
  async userIdsOf(schoolId: string, day: string): Promise<string[]> {
    const documents = await this.collection.find({ schoolId, day, type: 'checkin' }, { projection: { userId: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray();
    return documents.map((document) => document.userId);
  }

  /** Late check-ins of a school's day (whether or not the student left since), in user id order after `afterUserId`. */
  async lateOf(schoolId: string, day: string, afterUserId: string | undefined, limit: number): Promise<StudentDay[]> {
    const filter = { schoolId, day, type: 'checkin' as const, lateMinutes: { $gt: 0 }, ...(afterUserId === undefined ? {} : { userId: { $gt: afterUserId } }) };
    const page = await this.collection.find(filter, { maxTimeMS: READ_TIME_LIMIT_MS }).sort({ userId: 1 }).limit(limit).toArray();
    const checkOuts = await findByIds(this.collection, page.map((document) => attendanceId(document.userId, day, 'checkout')));
    return page.map((document) => {
      const checkOut = checkOuts.get(attendanceId(document.userId, day, 'checkout'));
      return { userId: document.userId, checkIn: document, ...(checkOut ? { checkOut } : {}) };
    });
  }

  /** The school's records of the day in user id order, read in batches (exports; bounded like a report read). */
  streamDay(schoolId: string, day: string, batchSize: number) {
    return this.collection.find({ schoolId, day }, { batchSize, maxTimeMS: EXPORT_TIME_LIMIT_MS }).sort({ userId: 1 });
  }

  /**
   * Present (checked in, not out) or checked-out students of a school's day,
   * in user id order after `afterUserId`. A page of the listed type is read
   * first, then the other record of just those students by `_id`.
   */
  async listOf(schoolId: string, day: string, status: 'present' | 'checked-out', afterUserId: string | undefined, limit: number): Promise<StudentDay[]> {
    const listed = status === 'present' ? 'checkin' : 'checkout';
    const other = status === 'present' ? 'checkout' : 'checkin';
    const days: StudentDay[] = [];
    let after = afterUserId;
    while (days.length < limit) {
      const filter = { schoolId, day, type: listed, ...(after === undefined ? {} : { userId: { $gt: after } }) } as const;
      // Present students: some of a page may have left, so read a little more than asked.
      const page = await this.collection.find(filter, { maxTimeMS: READ_TIME_LIMIT_MS }).sort({ userId: 1 }).limit(status === 'present' ? limit * 2 : limit).toArray();
      if (page.length === 0) break;
      const others = await findByIds(this.collection, page.map((document) => attendanceId(document.userId, day, other)));
      for (const document of page) {
        const otherDocument = others.get(attendanceId(document.userId, day, other));
        if (status === 'present' && otherDocument) continue;
        if (days.length < limit) days.push(status === 'present' ? { userId: document.userId, checkIn: document } : { userId: document.userId, checkOut: document, ...(otherDocument ? { checkIn: otherDocument } : {}) });
      }
      after = page.at(-1)?.userId;
    }
    return days;
  }
}
