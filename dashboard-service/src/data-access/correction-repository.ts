import { ensureIndexes, EXPORT_TIME_LIMIT_MS, findByIds, READ_TIME_LIMIT_MS } from '@attendance/common/mongo';
import { type AttendanceDocument, attendanceId, ATTENDANCES_COLLECTION, type CorrectionDocument, CORRECTIONS_COLLECTION, type DayState, type ExcuseDocument, excuseId, EXCUSES_COLLECTION } from '@attendance/common/records';
import type { Collection, Db } from 'mongodb';
import type { CorrectionStore } from '../domain/store-messages.ts';
import { isDuplicateKey } from './mongo-errors.ts';

/**
 * Corrections, excused absences and the student-day documents a correction
 * changes. Everything here is read and written by `_id`, one student-day at
 * a time: corrections are rare, and the hot path (device records) never
 * comes here.
 */
export class CorrectionRepository implements CorrectionStore {
  readonly corrections: Collection<CorrectionDocument>;
  readonly excuses: Collection<ExcuseDocument>;
  readonly attendances: Collection<AttendanceDocument>;

  constructor(db: Db) {
    this.corrections = db.collection<CorrectionDocument>(CORRECTIONS_COLLECTION);
    this.excuses = db.collection<ExcuseDocument>(EXCUSES_COLLECTION);
    this.attendances = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.corrections, [{ key: { userId: 1, day: 1 }, options: { name: 'user_day' } }]);
    await ensureIndexes(this.excuses, [{ key: { schoolId: 1, day: 1, userId: 1 }, options: { name: 'school_day_user' } }]);
  }

  async loadDay(userId: string, day: string): Promise<DayState> {
    const options = { maxTimeMS: READ_TIME_LIMIT_MS };
    const [checkIn, checkOut, excuse] = await Promise.all([
      this.attendances.findOne({ _id: attendanceId(userId, day, 'checkin') }, options),
      this.attendances.findOne({ _id: attendanceId(userId, day, 'checkout') }, options),
      this.excuses.findOne({ _id: excuseId(userId, day) }, options),
    ]);
    return { checkIn, checkOut, excuse };
  }

  async load(id: string): Promise<CorrectionDocument | undefined> {
    return (await this.corrections.findOne({ _id: id }, { maxTimeMS: READ_TIME_LIMIT_MS })) ?? undefined;
  }

  async insertNew(correction: CorrectionDocument): Promise<CorrectionDocument> {
    try {
      await this.corrections.insertOne(correction);
      return correction;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.load(correction._id);
      if (!existing) throw new Error(`correction ${correction._id} existed on insert but could not be read`, { cause: err });
      return existing;
    }
  }

  async writeSlots(userId: string, day: string, after: DayState, slots: readonly (keyof DayState)[]): Promise<void> {
    for (const slot of slots) {
      const collection = (slot === 'excuse' ? this.excuses : this.attendances) as unknown as Collection<{ _id: string }>;
      const document = after[slot];
      if (document) await collection.replaceOne({ _id: document._id }, document, { upsert: true });
    }
    // Deletions by the ids the slots hold (an undone added record, a withdrawn excuse).
    for (const slot of slots.filter((name) => after[name] === null)) {
      if (slot === 'excuse') await this.excuses.deleteOne({ _id: excuseId(userId, day) });
      else await this.attendances.deleteOne({ _id: attendanceId(userId, day, slot === 'checkIn' ? 'checkin' : 'checkout') });
    }
  }

  async markUndone(id: string, undoneBy: string): Promise<void> {
    await this.corrections.updateOne({ _id: id }, { $set: { undoneBy } });
  }

  /** Excused students of a school's day in user id order after `afterUserId`. */
  excusesOf(schoolId: string, day: string, afterUserId: string | undefined, limit: number): Promise<ExcuseDocument[]> {
    const filter = { schoolId, day, ...(afterUserId === undefined ? {} : { userId: { $gt: afterUserId } }) };
    return this.excuses.find(filter, { maxTimeMS: READ_TIME_LIMIT_MS }).sort({ userId: 1 }).limit(limit).toArray();
  }

  /** The school's excuses of the day in user id order, read in batches (exports). */
  streamExcuses(schoolId: string, day: string, batchSize: number) {
    return this.excuses.find({ schoolId, day }, { batchSize, maxTimeMS: EXPORT_TIME_LIMIT_MS }).sort({ userId: 1 });
  }

  /** Excuses of the given students' day, by `_id`. */
  async excusesByUser(userIds: string[], day: string): Promise<Map<string, ExcuseDocument>> {
    const found = await findByIds(this.excuses, userIds.map((userId) => excuseId(userId, day)));
    return new Map([...found.values()].map((excuse) => [excuse.userId, excuse]));
  }

  /** Every correction of a student's day, oldest first (few: at most a handful per student and day). */
  async ofDay(userId: string, day: string): Promise<CorrectionDocument[]> {
    return this.corrections.find({ userId, day }, { maxTimeMS: READ_TIME_LIMIT_MS }).sort({ receivedAt: 1 }).toArray();
  }
}
