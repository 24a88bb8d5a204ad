import { ATTENDANCES_COLLECTION, READ_TIME_LIMIT_MS, STUDENTS_COLLECTION, type StudentDocument } from '@attendance/common';
import type { Collection, Db } from 'mongodb';
import type { AttendanceDocument } from '../domain/attendance-document.ts';
import type { RecordOfDay } from '../domain/day-roster.ts';

/** A school's roster changes with enrolment, not with attendance: read once a minute at most. */
const STUDENTS_TTL_MS = 60_000;
/** Schools whose student list is kept (an office page open per school; the oldest read is dropped first). */
const MAX_CACHED_SCHOOLS = 50;

/**
 * Reads what the office page's day roster is made of: the school's students
 * (cached a minute, shared by concurrent readers) and that day's records
 * (read for every request, so a check-in shows as soon as it is stored).
 */
export class DayRosterReader {
  private readonly students: Collection<StudentDocument>;
  private readonly attendances: Collection<AttendanceDocument>;
  private readonly cached = new Map<string, { at: number; read: Promise<{ _id: string; name: string }[]> }>();
  private readonly recordReads = new Map<string, Promise<RecordOfDay[]>>();

  constructor(db: Db) {
    this.students = db.collection<StudentDocument>(STUDENTS_COLLECTION);
    this.attendances = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION);
  }

  /**
   * The school's students in id order. Older than a minute, the list is read
   * again in the background while the known one is answered (a 10,000-student
   * roster takes about a second to read from FerretDB); only the first read
   * of a school waits.
   */
  studentsOf(schoolId: string): Promise<{ _id: string; name: string }[]> {
    const known = this.cached.get(schoolId);
    if (known && Date.now() - known.at < STUDENTS_TTL_MS) return known.read;
    const read = this.students.find({ schoolId }, { projection: { name: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).sort({ _id: 1 }).toArray();
    const entry = { at: Date.now(), read };
    read.then(
      () => {
        // Only now replaces the known list, so readers meanwhile keep getting it.
        if (this.cached.get(schoolId) === known || !known) {
          this.cached.delete(schoolId);
          this.cached.set(schoolId, entry);
          if (this.cached.size > MAX_CACHED_SCHOOLS) this.cached.delete(this.cached.keys().next().value as string);
        }
      },
      () => {
        if (this.cached.get(schoolId) === entry) this.cached.delete(schoolId);
      },
    );
    if (known) {
      // Stale but answered at once; the refresh above is not started again for a minute.
      known.at = Date.now();
      return known.read;
    }
    this.cached.set(schoolId, entry);
    return read;
  }

  /** The day's records of the school; readers asking while a read runs share it (several office tabs cost one read). */
  recordsOf(schoolId: string, day: string): Promise<RecordOfDay[]> {
    const key = `${schoolId}|${day}`;
    const running = this.recordReads.get(key);
    if (running) return running;
    const read = this.readRecords(schoolId, day).finally(() => this.recordReads.delete(key));
    this.recordReads.set(key, read);
    return read;
  }

  private async readRecords(schoolId: string, day: string): Promise<RecordOfDay[]> {
    const documents = await this.attendances
      .find({ schoolId, day }, { projection: { userId: 1, type: 1, at: 1, fever: 1 }, maxTimeMS: READ_TIME_LIMIT_MS })
      .toArray();
    return documents.map((document) => ({ userId: document.userId, type: document.type, at: document.at, fever: Boolean(document.fever) }));
  }
}
