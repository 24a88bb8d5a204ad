import { ensureIndexes, SCHOOLS_COLLECTION, STUDENTS_COLLECTION, type SchoolDocument, type StudentDocument } from '@attendance/common';
import type { Collection, Db } from 'mongodb';

export class RosterRepository {
  readonly schools: Collection<SchoolDocument>;
  readonly students: Collection<StudentDocument>;

  constructor(db: Db) {
    this.schools = db.collection<SchoolDocument>(SCHOOLS_COLLECTION);
    this.students = db.collection<StudentDocument>(STUDENTS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.students, [{ key: { schoolId: 1, _id: 1 }, options: { name: 'school_student' } }]);
  }

  allSchools(): Promise<SchoolDocument[]> {
    return this.schools.find({}, { projection: { name: 1 } }).toArray();
  }

  school(id: string): Promise<SchoolDocument | null> {
    return this.schools.findOne({ _id: id });
  }

  /** The school's students after `afterId`, in id order. */
  studentsAfter(schoolId: string, afterId: string | undefined, limit: number): Promise<StudentDocument[]> {
    const filter = afterId === undefined ? { schoolId } : { schoolId, _id: { $gt: afterId } };
    return this.students.find(filter).sort({ _id: 1 }).limit(limit).toArray();
  }
}
