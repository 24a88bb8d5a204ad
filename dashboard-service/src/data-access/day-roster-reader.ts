import { staleWhileReading } from '@attendance/common';
import { READ_TIME_LIMIT_MS, type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import { ATTENDANCES_COLLECTION, type ExcuseDocument, EXCUSES_COLLECTION } from '@attendance/common/records';
import type { Collection, Db } from 'mongodb';
import type { AttendanceDocument } from '../domain/attendance-document.ts';
import type { RecordOfDay } from '../domain/day-roster.ts';

/** A school's roster changes with enrolment, not with attendance: read once a minute at most. */
const STUDENTS_TTL_MS = 60_000;
/** Schools whose student list and day are kept (an office page open per school; the oldest is dropped first). */
const MAX_CACHED_SCHOOLS = 50;
/** A day's records read under the same figures are reused at most this long (a safety net: changes move the figures). */
const RECORDS_TTL_MS = 30_000;

/** A school's day: its records (device and office-added) and the students the office excused. */
export interface DayRecords {
  records: RecordOfDay[];
  excused: Set<string>;
}

/**
 * Reads what the office page's day roster is made of: the school's students
 * (cached a minute, shared by concurrent readers), that day's records and
 * its excused absences.
 */
export class DayRosterReader {
  private readonly students: Collection<StudentDocument>;
  private readonly attendances: Collection<AttendanceDocument>;
  private readonly excuses: Collection<ExcuseDocument>;
  private readonly studentLists: (schoolId: string) => Promise<{ _id: string; name: string }[]>;
  private readonly recordReads = new Map<string, Promise<DayRecords>>();
  private readonly lastRecords = new Map<string, { version: string; at: number; records: DayRecords }>();

  constructor(db: Db) {
    this.students = db.collection<StudentDocument>(STUDENTS_COLLECTION);
    this.attendances = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION);
    this.excuses = db.collection<ExcuseDocument>(EXCUSES_COLLECTION);
    this.studentLists = staleWhileReading((schoolId) => this.students.find({ schoolId }, { projection: { name: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).sort({ _id: 1 }).toArray(), { ttlMs: STUDENTS_TTL_MS, maxKeys: MAX_CACHED_SCHOOLS });
  }

  /**
   * The school's students in id order. Older than a minute, the list is read
   * again in the background while the known one is answered (a 10,000-student
   * roster takes about a second to read from FerretDB); only the first read
   * of a school waits.
   */
  studentsOf(schoolId: string): Promise<{ _id: string; name: string }[]> {
    return this.studentLists(schoolId);
  }

  /**
   * The day's records and excuses of the school. `version` names the school's figures
   * for the day (the counts the consumer writes after the records they
   * count): while they stay the same the last read is answered again, so a
   * reload or a second tab costs no read; readers asking while a read runs
   * share it.
   */
  recordsOf(schoolId: string, day: string, version: string): Promise<DayRecords> {
    const key = `${schoolId}|${day}`;
    const last = this.lastRecords.get(key);
    if (last && last.version === version && Date.now() - last.at < RECORDS_TTL_MS) return Promise.resolve(last.records);
    const running = this.recordReads.get(key);
    if (running) return running;
    const at = Date.now();
    const read = this.readRecords(schoolId, day).finally(() => this.recordReads.delete(key));
    read.then(
      (records) => {
        this.lastRecords.delete(key);
        this.lastRecords.set(key, { version, at, records });
        if (this.lastRecords.size > MAX_CACHED_SCHOOLS) this.lastRecords.delete(this.lastRecords.keys().next().value as string);
      },
      () => undefined,
    );
    this.recordReads.set(key, read);
    return read;
  }

  private async readRecords(schoolId: string, day: string): Promise<DayRecords> {
    const [documents, excuses] = await Promise.all([
      this.attendances.find({ schoolId, day }, { projection: { userId: 1, type: 1, at: 1, fever: 1, lateMinutes: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray(),
      this.excuses.find({ schoolId, day }, { projection: { userId: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray(),
    ]);
    return {
      records: documents.map((document) => ({
        userId: document.userId,
        type: document.type,
        at: document.at,
        fever: Boolean(document.fever),
        ...(document.lateMinutes === undefined ? {} : { lateMinutes: document.lateMinutes }),
      })),
      excused: new Set(excuses.map((excuse) => excuse.userId)),
    };
  }
}
