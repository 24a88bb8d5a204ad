import { type SchoolDocument, SCHOOLS_COLLECTION, type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import type { Db } from 'mongodb';
import type { ProgressReporter } from '../shared/progress.ts';
import { silentReporter } from '../shared/progress.ts';
import { schoolIdOf, studentIdOf, type IdFormat } from './id-formats.ts';
import { insertSkippingDuplicates, type InsertCounts } from './insert-skipping-duplicates.ts';
import { writeRosterDescriptor } from './roster-descriptor.ts';

export interface SeedOptions {
  schools: number;
  studentsPerSchool: number;
  idFormat: IdFormat;
  /** Drop `schools` and `students` first. */
  drop?: boolean;
  /** Documents per `insertMany`; ~1,000 keeps each command small enough for FerretDB and big enough to be cheap. */
  chunkSize?: number;
  /** `insertMany` commands in flight at once. */
  concurrency?: number;
  reporter?: ProgressReporter;
}

export interface SeedResult {
  database: string;
  idFormat: IdFormat;
  dropped: boolean;
  schools: InsertCounts;
  students: InsertCounts;
  documents: number;
  elapsedSeconds: number;
  documentsPerSecond: number;
}

const DEFAULT_CHUNK_SIZE = 1000;
/**
 * Four commands in flight keep the database busy while the next chunk is
 * built and sent, and stay well within connectMongo's pool of ten (FerretDB
 * deadlocks a client that fills its pool).
 */
const DEFAULT_CONCURRENCY = 4;

/** The roster's students, chunk by chunk, so ten million never sit in memory at once. */
function* studentChunks(options: SeedOptions, createdAt: Date, chunkSize: number): Generator<StudentDocument[]> {
  let chunk: StudentDocument[] = [];
  for (let school = 0; school < options.schools; school += 1) {
    const schoolId = schoolIdOf(school);
    for (let student = 0; student < options.studentsPerSchool; student += 1) {
      chunk.push({ _id: studentIdOf(options.idFormat, school, student, options.studentsPerSchool), schoolId, name: `Student ${school + 1}-${student + 1}`, createdAt });
      if (chunk.length === chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function dropIfPresent(db: Db, name: string): Promise<void> {
  const present = await db.listCollections({ name }, { nameOnly: true }).toArray();
  if (present.length > 0) await db.dropCollection(name);
}

/** Waits for every insert of a round (none left running unobserved), then throws the first failure. */
async function settle(round: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(round)).find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

function add(sum: InsertCounts, more: InsertCounts): void {
  sum.inserted += more.inserted;
  sum.existing += more.existing;
}

/**
 * Writes the roster the dashboard reads (to list who is absent) and the
 * benchmark draws its students from. Ids are derived from the flags, and
 * inserts skip documents that already exist, so running it twice leaves the
 * same roster: the second run reports everything as already there.
 */
export async function seedRoster(db: Db, options: SeedOptions): Promise<SeedResult> {
  const reporter = options.reporter ?? silentReporter;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const startedAt = Date.now();
  const createdAt = new Date(startedAt);
  if (options.drop) {
    await dropIfPresent(db, SCHOOLS_COLLECTION);
    await dropIfPresent(db, STUDENTS_COLLECTION);
  }

  const schools: InsertCounts = { inserted: 0, existing: 0 };
  const schoolDocuments: SchoolDocument[] = Array.from({ length: options.schools }, (_, i) => ({ _id: schoolIdOf(i), name: `School ${i + 1}`, createdAt }));
  for (let i = 0; i < schoolDocuments.length; i += chunkSize) {
    add(schools, await insertSkippingDuplicates(db.collection<SchoolDocument>(SCHOOLS_COLLECTION), schoolDocuments.slice(i, i + chunkSize)));
  }

  const students: InsertCounts = { inserted: 0, existing: 0 };
  const total = options.schools * options.studentsPerSchool;
  const progress = reporter.progress('students', total, 'docs');
  const collection = db.collection<StudentDocument>(STUDENTS_COLLECTION);
  let round: Promise<void>[] = [];
  try {
    for (const chunk of studentChunks(options, createdAt, chunkSize)) {
      round.push(
        insertSkippingDuplicates(collection, chunk).then((counts) => {
          add(students, counts);
          progress.update(students.inserted + students.existing);
        }),
      );
      if (round.length === concurrency) {
        await settle(round);
        round = [];
      }
    }
    await settle(round);
  } finally {
    progress.stop();
  }
  await writeRosterDescriptor(db, { idFormat: options.idFormat, schools: options.schools, studentsPerSchool: options.studentsPerSchool });

  const elapsedSeconds = (Date.now() - startedAt) / 1000;
  const documents = schools.inserted + schools.existing + students.inserted + students.existing;
  return {
    database: db.databaseName,
    idFormat: options.idFormat,
    dropped: options.drop ?? false,
    schools,
    students,
    documents,
    elapsedSeconds,
    documentsPerSecond: Math.round(documents / Math.max(elapsedSeconds, 0.001)),
  };
}
