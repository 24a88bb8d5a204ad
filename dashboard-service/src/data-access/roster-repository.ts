import { cachedRead, staleWhileReading } from '@attendance/common';
import { ensureIndexes, EXPORT_TIME_LIMIT_MS, findByIds, READ_TIME_LIMIT_MS, type SchoolDocument, SCHOOLS_COLLECTION, type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import type { Collection, Db } from 'mongodb';

const SCHOOL_LIST_TTL_MS = 60_000;
/** Roster sizes change with the roster (a seed, a new term), not during a school day. */
const ROSTER_SIZE_TTL_MS = 10 * 60_000;

export class RosterRepository {
  readonly schools: Collection<SchoolDocument>;
  readonly students: Collection<StudentDocument>;
  private readonly schoolList: () => Promise<SchoolDocument[]>;
  private readonly sizes: (schoolId: string) => Promise<number>;

  constructor(db: Db) {
    this.schools = db.collection<SchoolDocument>(SCHOOLS_COLLECTION);
    this.students = db.collection<StudentDocument>(STUDENTS_COLLECTION);
    this.schoolList = cachedRead(() => this.schools.find({}, { projection: { name: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray(), SCHOOL_LIST_TTL_MS);
    this.sizes = staleWhileReading((schoolId) => this.students.countDocuments({ schoolId }, { maxTimeMS: 4 * READ_TIME_LIMIT_MS }), { ttlMs: ROSTER_SIZE_TTL_MS });
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.students, [{ key: { schoolId: 1, _id: 1 }, options: { name: 'school_student' } }]);
  }

  /**
   * Every school (id and name). Read at most once a minute and shared by
   * concurrent callers: the list of schools changes with the roster, not
   * with attendance, and 1,000 dashboards asking at once must cost one read.
   */
  allSchools(): Promise<SchoolDocument[]> {
    return this.schoolList();
  }

  school(id: string): Promise<SchoolDocument | null> {
    return this.schools.findOne({ _id: id }, { maxTimeMS: READ_TIME_LIMIT_MS });
  }

  /** A student of the school, or null when the id is not on that school's roster. */
  async student(schoolId: string, userId: string): Promise<StudentDocument | null> {
    const student = await this.students.findOne({ _id: userId }, { maxTimeMS: READ_TIME_LIMIT_MS });
    return student?.schoolId === schoolId ? student : null;
  }

  /** Students by id (names for a page of a list). */
  studentsByIds(ids: string[]): Promise<Map<string, StudentDocument>> {
    return findByIds(this.students, ids);
  }

  /**
   * How many students the school has, counted at most every 10 minutes and
   * shared by concurrent callers; a count past its age is served while the
   * next one runs in the background (a count scans the school's students on
   * FerretDB). Only the very first request for a school waits for it.
   */
  sizeOf(schoolId: string): Promise<number> {
    return this.sizes(schoolId);
  }

  /** Every student of the school in id order, read in batches (exports: constant memory). */
  streamStudents(schoolId: string, batchSize: number) {
    return this.students.find({ schoolId }, { batchSize, projection: { name: 1 }, maxTimeMS: EXPORT_TIME_LIMIT_MS }).sort({ _id: 1 });
  }

  /** The school's students after `afterId`, in id order. */
  studentsAfter(schoolId: string, afterId: string | undefined, limit: number): Promise<StudentDocument[]> {
    const filter = afterId === undefined ? { schoolId } : { schoolId, _id: { $gt: afterId } };
    return this.students.find(filter, { maxTimeMS: READ_TIME_LIMIT_MS }).sort({ _id: 1 }).limit(limit).toArray();
  }
}
