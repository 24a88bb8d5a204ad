import { type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import type { Db } from 'mongodb';
import { studentIdOf, type IdFormat } from './id-formats.ts';

/** Where the seed says what roster it wrote; read by the benchmark to draw students from every school. */
export const SEED_INFO_COLLECTION = 'seed_info';

export interface RosterDescriptor {
  idFormat: IdFormat;
  schools: number;
  studentsPerSchool: number;
}

interface RosterDescriptorDocument extends RosterDescriptor {
  _id: 'roster';
  seededAt: Date;
}

/** Written once the roster is complete, so a reader never trusts a half-written one. */
export async function writeRosterDescriptor(db: Db, descriptor: RosterDescriptor): Promise<void> {
  await db
    .collection<RosterDescriptorDocument>(SEED_INFO_COLLECTION)
    .replaceOne({ _id: 'roster' }, { ...descriptor, seededAt: new Date() }, { upsert: true });
}

export async function readRosterDescriptor(db: Db): Promise<RosterDescriptor | undefined> {
  const document = await db.collection<RosterDescriptorDocument>(SEED_INFO_COLLECTION).findOne({ _id: 'roster' });
  return document ? { idFormat: document.idFormat, schools: document.schools, studentsPerSchool: document.studentsPerSchool } : undefined;
}

/**
 * Checks that the roster holds what the flags describe: the first and the
 * last student (by `_id`, which FerretDB looks up by index). Throws when not,
 * naming the flags that do not match.
 */
export async function assertRosterMatches(db: Db, descriptor: RosterDescriptor): Promise<void> {
  const { idFormat, schools, studentsPerSchool } = descriptor;
  const students = db.collection<StudentDocument>(STUDENTS_COLLECTION);
  for (const [school, student] of [
    [0, 0],
    [schools - 1, studentsPerSchool - 1],
  ] as const) {
    const id = studentIdOf(idFormat, school, student, studentsPerSchool);
    if (!(await students.findOne({ _id: id }, { projection: { _id: 1 } }))) {
      throw new Error(`the roster in ${db.databaseName} has no student ${id}: it was not seeded with --schools ${schools} --students ${studentsPerSchool} --id-format ${idFormat}`);
    }
  }
}
