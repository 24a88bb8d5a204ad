import { findByIds } from '@attendance/common/mongo';
import {
  type AttendanceDocument,
  attendanceId,
  ATTENDANCES_COLLECTION,
  type AttendanceType,
  type CorrectionDocument,
  CORRECTIONS_COLLECTION,
  journalRecordsOf,
  STATE_JOURNAL_COLLECTION,
  STATE_JOURNAL_START_ID,
  type StateJournalDocument,
  type StateJournalStartDocument,
} from '@attendance/common/records';
import type { Collection, Db } from 'mongodb';
import type { AttendanceSource, StoredRecord } from '../domain/jobs/rebuild-state.ts';
import type { JournalStore } from '../domain/jobs/rollover.ts';
import { forEachPageOf } from './cursor-pages.ts';

/** Journal documents per cursor batch: each holds one batch's records of a day and type (up to a few thousand). */
const JOURNAL_DOCUMENTS_PER_READ = 8;

/**
 * A day's stored records of one type, from the state journal when it holds
 * every record of that day (see `state-journal.ts` in common), else from
 * `attendances`.
 *
 * From the journal: one document per consumer batch instead of one per
 * record. Students a staff correction touched that day are read from
 * `attendances` instead (a correction changes or removes slots after the
 * journal recorded them), by `_id`: there are few.
 *
 * From `attendances`: one cursor; `{ day, type }` is an equality filter
 * FerretDB hands to PostgreSQL, so one pass returns only those documents; the
 * projection keeps what goes over the wire to three fields (the school goes
 * into a check-in's state, so a check-out elsewhere is refused).
 */
export class MongoAttendanceSource implements AttendanceSource, JournalStore {
  private readonly attendances: Collection<AttendanceDocument>;
  private readonly journal: Collection<StateJournalDocument>;
  private readonly starts: Collection<StateJournalStartDocument>;
  private readonly corrections: Collection<CorrectionDocument>;
  /** The journal's first complete day, once a consumer has written it (it never changes afterwards). */
  private journalSince: string | undefined;

  constructor(db: Db) {
    this.attendances = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION);
    this.journal = db.collection<StateJournalDocument>(STATE_JOURNAL_COLLECTION);
    this.starts = db.collection<StateJournalStartDocument>(STATE_JOURNAL_COLLECTION);
    this.corrections = db.collection<CorrectionDocument>(CORRECTIONS_COLLECTION);
  }

  /** The journal when it holds every record of the day (it started on or before it), else `attendances`. */
  async readsFrom(day: string): Promise<'journal' | 'attendances'> {
    this.journalSince ??= (await this.starts.findOne({ _id: STATE_JOURNAL_START_ID }))?.since;
    return this.journalSince !== undefined && this.journalSince <= day ? 'journal' : 'attendances';
  }

  async removeBefore(day: string): Promise<number> {
    return (await this.journal.deleteMany({ day: { $lt: day } })).deletedCount;
  }

  async forEachPage(day: string, type: AttendanceType, pageSize: number, onPage: (page: StoredRecord[]) => Promise<void>): Promise<void> {
    if ((await this.readsFrom(day)) === 'attendances') {
      const cursor = this.attendances.find({ day, type }, { projection: { _id: 0, userId: 1, schoolId: 1, at: 1 }, batchSize: pageSize });
      await forEachPageOf(cursor, pageSize, onPage);
      return;
    }
    const corrected = new Set((await this.corrections.find({ day }, { projection: { _id: 0, userId: 1 } }).toArray()).map((correction) => correction.userId));
    await forEachPageOf(this.journaled(day, type, corrected), pageSize, onPage);
    const stored = await findByIds(this.attendances, [...corrected].map((userId) => attendanceId(userId, day, type)));
    if (stored.size > 0) await onPage([...stored.values()].map(({ userId, schoolId, at }) => ({ userId, schoolId, at })));
  }

  private async *journaled(day: string, type: AttendanceType, skip: Set<string>): AsyncGenerator<StoredRecord> {
    for await (const document of this.journal.find({ day, type }, { batchSize: JOURNAL_DOCUMENTS_PER_READ })) {
      for (const record of journalRecordsOf(document)) if (!skip.has(record.userId)) yield record;
    }
  }
}
