import { READ_TIME_LIMIT_MS } from '@attendance/common/mongo';
import {
  addDays,
  type AttendanceDocument,
  ATTENDANCES_COLLECTION,
  STATE_JOURNAL_COLLECTION,
  STATE_JOURNAL_START_ID,
  type StateJournalDocument,
  type StateJournalStartDocument,
} from '@attendance/common/records';
import type { Collection, Db } from 'mongodb';
import type { StateJournal } from '../domain/store-messages.ts';
import { insertNew } from './insert-new.ts';

/**
 * The state journal's documents (see `state-journal.ts` in common): one insert
 * per batch, and a batch written before is a duplicate key, left as it is.
 */
export class StateJournalRepository implements StateJournal {
  private readonly journal: Collection<StateJournalDocument>;
  private readonly starts: Collection<StateJournalStartDocument>;
  private readonly attendances: Collection<AttendanceDocument>;
  /** Written or found once per process. */
  private starting: Promise<void> | undefined;

  constructor(db: Db) {
    this.journal = db.collection<StateJournalDocument>(STATE_JOURNAL_COLLECTION);
    this.starts = db.collection<StateJournalStartDocument>(STATE_JOURNAL_COLLECTION);
    this.attendances = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION);
  }

  async start(today: string, now: Date): Promise<void> {
    this.starting ??= this.writeStart(today, now).catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    await this.starting;
  }

  async append(documents: StateJournalDocument[]): Promise<void> {
    if (documents.length === 0) return;
    const { refused } = await insertNew(this.journal, documents);
    // A batch's journal is bounded by the fetch size (1 MB of messages): a refusal is a defect, never a reason to drop it.
    if (refused.length > 0) throw new Error(`the state journal refused ${refused.map(({ id, error }) => `${id} (${error.message})`).join(', ')}`);
  }

  /**
   * Records from which day the journal is complete, unless a consumer did
   * before: today when nothing was stored before it (a new platform), else
   * tomorrow (an upgrade: today's earlier records were stored without it).
   */
  private async writeStart(today: string, now: Date): Promise<void> {
    if (await this.starts.findOne({ _id: STATE_JOURNAL_START_ID }, { maxTimeMS: READ_TIME_LIMIT_MS })) return;
    const storedBefore = (await this.attendances.findOne({}, { projection: { _id: 1 }, maxTimeMS: READ_TIME_LIMIT_MS })) !== null;
    // Another consumer may write it first (a duplicate key): its day stands.
    await insertNew(this.starts, [{ _id: STATE_JOURNAL_START_ID, since: storedBefore ? addDays(today, 1) : today, startedAt: now }]);
  }
}
