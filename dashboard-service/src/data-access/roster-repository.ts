import { cachedRead, ensureIndexes, READ_TIME_LIMIT_MS, SCHOOLS_COLLECTION, STUDENTS_COLLECTION, type SchoolDocument, type StudentDocument } from '@attendance/common';
import type { Collection, Db } from 'mongodb';

const SCHOOL_LIST_TTL_MS = 60_000;

export class RosterRepository {
  readonly schools: Collection<SchoolDocument>;
  readonly students: Collection<StudentDocument>;
  private readonly schoolList: () => Promise<SchoolDocument[]>;

  constructor(db: Db) {
    this.schools = db.collection<SchoolDocument>(SCHOOLS_COLLECTION);
    this.students = db.collection<StudentDocument>(STUDENTS_COLLECTION);
    this.schoolList = cachedRead(() => this.schools.find({}, { projection: { name: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray(), SCHOOL_LIST_TTL_MS);
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

  /** The school's students after `afterId`, in id order. */
  studentsAfter(schoolId: string, afterId: string | undefined, limit: number): Promise<StudentDocument[]> {
    const filter = afterId === undefined ? { schoolId } : { schoolId, _id: { $gt: afterId } };
    return this.students.find(filter, { maxTimeMS: READ_TIME_LIMIT_MS }).sort({ _id: 1 }).limit(limit).toArray();
  }
}
