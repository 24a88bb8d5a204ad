import { type SchoolDocument, SCHOOLS_COLLECTION, type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import type { Db } from 'mongodb';
import pMap from 'p-map';
import { schoolIdOf, studentIdOf } from '../seed/id-formats.ts';
import { readRosterDescriptor, type RosterDescriptor } from '../seed/roster-descriptor.ts';
import type { Progress } from '../shared/progress.ts';
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
  /** `spread`: the same number from every school (the seed described its roster); `roster-order`: the roster's first students. */
  how: 'spread' | 'roster-order';
}

export interface SelectionOptions {
  /** The first N schools by id. */
  schools?: number;
  /** At most this many students. */
  limit: number;
  /** Today, in the platform's time zone. */
  day: string;
  /** Schools whose check-ins of today have been read (spread selection). */
  progress?: (total: number) => Progress;
  /**
   * Which of these students hold a check-in of today (the platform's Redis
   * state, what decides a 409): asked in growing windows of each school's
   * roster order. Without it each school's check-ins of today are read from
   * `attendances` (minutes at 1,000 schools on FerretDB).
   */
  checkedIn?: (students: Student[]) => Promise<boolean[]>;
}

/** Schools whose check-ins of today are read at once (each a small indexed read). */
const READ_CONCURRENCY = 4;

/** The first window of a school's roster asked of `checkedIn`, beyond what the school must give; each next window doubles. */
const FIRST_WINDOW_SLACK = 256;

/**
 * Seeded students for one run, minus those already checked in today, so a
 * second run on the same day measures fresh check-ins instead of 409s.
 *
 * When the seed described the roster it wrote (`seed_info`), the students
 * are spread evenly over the schools, as devices at every school's gate
 * would send them (each device has its own rate limit): their ids follow
 * from the seed's flags, and whether each is checked in today is asked of
 * the platform's Redis state (or read from `attendances` school by
 * school). Otherwise they come in the roster's natural order (no sort:
 * FerretDB would sort the whole collection in memory), which is school by
 * school. The waves shuffle them either way.
 */
export async function selectStudents(db: Db, options: SelectionOptions): Promise<StudentSelection> {
  const descriptor = await readRosterDescriptor(db);
  return descriptor ? spreadSelection(db, descriptor, options) : rosterOrderSelection(db, options);
}

async function checkInsOfToday(db: Db, day: string, schoolId?: string[] | string): Promise<Set<string>> {
  const checkedIn = new Set<string>();
  const bySchool = schoolId === undefined ? {} : { schoolId: typeof schoolId === 'string' ? schoolId : { $in: schoolId } };
  // Check-ins only: one document per student who came.
  const todays = db.collection<StoredRecord>(ATTENDANCES_COLLECTION).find({ day, type: 'checkin', ...bySchool }, { projection: { userId: 1 } });
  for await (const document of todays) checkedIn.add(document.userId);
  return checkedIn;
}

/** `checkedIn` for one school from its check-ins of today in `attendances`, read once. */
async function checkedInFromAttendances(db: Db, day: string, schoolId: string): Promise<(students: Student[]) => Promise<boolean[]>> {
  const ids = await checkInsOfToday(db, day, schoolId);
  return (students) => Promise.resolve(students.map((student) => ids.has(student.userId)));
}

async function spreadSelection(db: Db, roster: RosterDescriptor, options: SelectionOptions): Promise<StudentSelection> {
  const schoolCount = Math.min(options.schools ?? roster.schools, roster.schools);
  // Fewer students than schools: one from each of the first `limit` schools.
  const used = Math.min(schoolCount, options.limit);
  const perSchool = Math.min(Math.ceil(options.limit / used), roster.studentsPerSchool);
  const bySchool: Student[][] = Array.from({ length: used }, () => []);
  let skippedAlreadyCheckedIn = 0;
  const progress = options.progress?.(used);
  let done = 0;
  const pickFrom = async (school: number): Promise<void> => {
    const schoolId = schoolIdOf(school);
    const studentAt = (student: number): Student => ({ userId: studentIdOf(roster.idFormat, school, student, roster.studentsPerSchool), schoolId });
    const checkedIn = options.checkedIn ?? (await checkedInFromAttendances(db, options.day, schoolId));
    const picked: Student[] = [];
    let window = perSchool + FIRST_WINDOW_SLACK;
    for (let from = 0; from < roster.studentsPerSchool && picked.length < perSchool; from += window, window *= 2) {
      const candidates = Array.from({ length: Math.min(window, roster.studentsPerSchool - from) }, (_, i) => studentAt(from + i));
      const held = await checkedIn(candidates);
      for (const [i, student] of candidates.entries()) {
        if (picked.length >= perSchool) break;
        if (held[i]) skippedAlreadyCheckedIn += 1;
        else picked.push(student);
      }
    }
    bySchool[school] = picked;
    progress?.update((done += 1));
  };
  try {
    await pMap(bySchool.keys(), pickFrom, { concurrency: READ_CONCURRENCY });
  } finally {
    progress?.stop();
  }
  // Round robin over the schools, so a limit cut keeps the spread.
  const students: Student[] = [];
  for (let rank = 0; rank < perSchool && students.length < options.limit; rank += 1) {
    for (const picked of bySchool) {
      const student = picked[rank];
      if (student && students.length < options.limit) students.push(student);
    }
  }
  const schoolIds = options.schools === undefined ? 'all' : Array.from({ length: schoolCount }, (_, i) => schoolIdOf(i));
  return { students, schoolIds, skippedAlreadyCheckedIn, how: 'spread' };
}

async function rosterOrderSelection(db: Db, options: SelectionOptions): Promise<StudentSelection> {
  let schoolIds: string[] | 'all' = 'all';
  if (options.schools !== undefined) {
    const schools = await db.collection<SchoolDocument>(SCHOOLS_COLLECTION).find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(options.schools).toArray();
    schoolIds = schools.map((school) => school._id);
  }
  const checkedIn = await checkInsOfToday(db, options.day, schoolIds === 'all' ? undefined : schoolIds);
  const students: Student[] = [];
  let skippedAlreadyCheckedIn = 0;
  const roster = db.collection<StudentDocument>(STUDENTS_COLLECTION).find(schoolIds === 'all' ? {} : { schoolId: { $in: schoolIds } }, { projection: { schoolId: 1 }, batchSize: 5000 });
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
  return { students, schoolIds, skippedAlreadyCheckedIn, how: 'roster-order' };
}
