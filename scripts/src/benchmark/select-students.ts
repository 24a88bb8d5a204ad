import { SCHOOLS_COLLECTION, STUDENTS_COLLECTION, type SchoolDocument, type StudentDocument } from '@attendance/common';
import type { Db } from 'mongodb';
import { ATTENDANCES_COLLECTION, type StoredRecord } from './stored-attendance.ts';

export interface Student {
  userId: string;
  schoolId: string;
}

export interface StudentSelection {
  students: Student[];
  /** Schools the students were drawn from (all of them when no subset was asked for). */
  schoolIds: string[] | 'all';
  /** Seeded students passed over because `attendances` already has their check-in today (a second one would be a 409). */
  skippedAlreadyCheckedIn: number;
}

export interface SelectionOptions {
  /** The first N schools by id. */
  schools?: number;
  /** At most this many students. */
  limit: number;
  /** Today, in the platform's time zone. */
  day: string;
}

/**
 * Seeded students for one run, minus those already checked in today, so a
 * second run on the same day measures fresh check-ins instead of 409s.
 * Students come in the roster's natural order (no sort: FerretDB would sort
 * the whole collection in memory); the waves shuffle them.
 */
export async function selectStudents(db: Db, options: SelectionOptions): Promise<StudentSelection> {
  let schoolIds: string[] | 'all' = 'all';
  if (options.schools !== undefined) {
    const schools = await db.collection<SchoolDocument>(SCHOOLS_COLLECTION).find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(options.schools).toArray();
    schoolIds = schools.map((school) => school._id);
  }
  const bySchool = schoolIds === 'all' ? {} : { schoolId: { $in: schoolIds } };

  const checkedIn = new Set<string>();
  // Check-ins only: one document per student who came (equality filters FerretDB hands to PostgreSQL).
  const todays = db.collection<StoredRecord>(ATTENDANCES_COLLECTION).find({ day: options.day, type: 'checkin', ...bySchool }, { projection: { userId: 1 } });
  for await (const document of todays) checkedIn.add(document.userId);

  const students: Student[] = [];
  let skippedAlreadyCheckedIn = 0;
  const roster = db.collection<StudentDocument>(STUDENTS_COLLECTION).find(bySchool, { projection: { schoolId: 1 }, batchSize: 5000 });
  try {
    for await (const student of roster) {
      if (checkedIn.has(student._id)) {
        skippedAlreadyCheckedIn += 1;
        continue;
      }
      students.push({ userId: student._id, schoolId: student.schoolId });
      if (students.length >= options.limit) break;
    }
  } finally {
    await roster.close();
  }
  return { students, schoolIds, skippedAlreadyCheckedIn };
}
