import { bulkWriteInChunks, ensureIndexes, findByIds } from '@attendance/common';
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
import type { AttendanceDocument } from '../domain/attendance-document.ts';
import type { AttendanceStore } from '../domain/store-messages.ts';
import { DUPLICATE_KEY_CODE, isOutage } from './mongo-errors.ts';

/**
 * FerretDB, stopped while a write command runs, can answer "ok" for
 * statements it never applied. Counting what the server says it wrote turns
 * that into an outage (the batch is retried) instead of a lost record.
 */
function assertAllWritten(operation: string, written: number, expected: number): void {
  if (written !== expected) throw new IncompleteWriteError(`${operation}: the server acknowledged ${written} of ${expected} documents`);
}

/** A write the server acknowledged only in part: treated as an outage and retried. */
export class IncompleteWriteError extends Error {
  override name = 'IncompleteWriteError';
}

export class AttendanceRepository implements AttendanceStore {
  readonly collection: Collection<AttendanceDocument>;

  constructor(db: Db) {
    this.collection = db.collection<AttendanceDocument>('attendances');
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.collection, [
      { key: { userId: 1, day: 1 }, options: { unique: true, name: 'user_day_unique' } },
      { key: { schoolId: 1, day: 1 }, options: { name: 'school_day' } },
    ]);
  }

  async insertNew(documents: AttendanceDocument[]): Promise<{ existing: string[]; refused: { id: string; error: { code: string; message: string } }[] }> {
    if (documents.length === 0) return { existing: [], refused: [] };
    try {
      const result = await this.collection.insertMany(documents, { ordered: false });
      assertAllWritten('insert', result.insertedCount, documents.length);
      return { existing: [], refused: [] };
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError) || isOutage(err)) throw err;
      const errors = err.writeErrors instanceof Array ? err.writeErrors : [err.writeErrors];
      assertAllWritten('insert', err.result.insertedCount + errors.length, documents.length);
      const existing: string[] = [];
      const refused: { id: string; error: { code: string; message: string } }[] = [];
      for (const writeError of errors) {
        const id = documents[writeError.index]?._id;
        if (id === undefined) continue;
        if (writeError.code === DUPLICATE_KEY_CODE) existing.push(id);
        else refused.push({ id, error: { code: 'rejected-by-database', message: writeError.errmsg ?? 'refused' } });
      }
      return { existing, refused };
    }
  }

  load(ids: string[]): Promise<Map<string, AttendanceDocument>> {
    return findByIds(this.collection, ids);
  }

  /**
   * Whole-document upserts: writing the same document twice is harmless.
   * FerretDB stops a bulk write at the first failing statement, so when the
   * bulk write fails for a reason other than an outage, the documents are
   * written one by one to find which ones the database refuses.
   */
  async save(documents: AttendanceDocument[]): Promise<{ id: string; error: { code: string; message: string } }[]> {
    if (documents.length === 0) return [];
    const operations: AnyBulkWriteOperation<AttendanceDocument>[] = documents.map((document) => ({
      replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true },
    }));
    try {
      // One document per user and day: the statements touch distinct documents.
      const results = await bulkWriteInChunks(this.collection, operations, 3);
      assertAllWritten('replace', results.reduce((sum, result) => sum + result.matchedCount + result.upsertedCount, 0), documents.length);
      return [];
    } catch (err) {
      if (isOutage(err)) throw err;
    }
    const refused: { id: string; error: { code: string; message: string } }[] = [];
    for (const document of documents) {
      try {
        const result = await this.collection.replaceOne({ _id: document._id }, document, { upsert: true });
        assertAllWritten('replace', result.matchedCount + result.upsertedCount, 1);
      } catch (err) {
        if (isOutage(err)) throw err;
        refused.push({ id: document._id, error: { code: 'rejected-by-database', message: (err as Error).message } });
      }
    }
    return refused;
  }

  /** User ids with any record at the school that day (for "absent" = roster minus these). */
  async userIdsOf(schoolId: string, day: string): Promise<string[]> {
    const documents = await this.collection.find({ schoolId, day }, { projection: { userId: 1 } }).toArray();
    return documents.map((document) => document.userId);
  }

  /** Present (checked in, not out) or checked-out users of a school's day, in user id order after `afterUserId`. */
  listOf(schoolId: string, day: string, status: 'present' | 'checked-out', afterUserId: string | undefined, limit: number): Promise<AttendanceDocument[]> {
    const byStatus = status === 'present' ? { checkIn: { $exists: true }, checkOut: { $exists: false } } : { checkOut: { $exists: true } };
    const filter = { schoolId, day, ...byStatus, ...(afterUserId === undefined ? {} : { userId: { $gt: afterUserId } }) };
    return this.collection.find(filter).sort({ userId: 1 }).limit(limit).toArray();
  }
}
