/**
 * Seeds the roster (schools and students) into MongoDB:
 *
 *   pnpm seed [--schools 1000] [--students 10000] [--id-format objectid|numeric|uuid] [--drop] [--preset small] [--json]
 *   pnpm seed --credentials-only [same flags as the roster was seeded with]
 *
 * Idempotent: ids follow from the flags and existing documents are skipped.
 * Then one device key and one staff token per school and an admin token are
 * created (the previous seed's are revoked) and written to the git-ignored
 * `.secrets/credentials.json` (`CREDENTIALS_FILE`), which `pnpm benchmark`
 * and `pnpm chaos` read. MONGO_URL names the server and database (default mongodb://127.0.0.1:27017/attendance).
 */
import { parseArgs } from 'node:util';
import { connectMongo } from '@attendance/common/mongo';
import { exitOnUsageError, oneOf, positiveInteger, UsageError } from '../shared/cli-options.ts';
import { terminalReporter, type ProgressReporter } from '../shared/progress.ts';
import { writeCredentialsFile } from '../shared/credentials-file.ts';
import { writeResultsFile } from '../shared/results-file.ts';
import { idFormats, schoolIdOf } from './id-formats.ts';
import { seedCredentials } from './seed-credentials.ts';
import { assertRosterMatches, writeRosterDescriptor } from './roster-descriptor.ts';
import { seedRoster, type SeedOptions, type SeedResult } from './seed-roster.ts';
import type { Db } from 'mongodb';

const usage = `usage: pnpm seed [--schools N] [--students N per school] [--id-format ${idFormats.join('|')}] [--drop] [--preset small] [--json] [--mongo-url URL] [--credentials-only]
  defaults: 1,000 schools x 10,000 students, objectid ids; --preset small = 10 x 100; --json writes results/seed.json
  --credentials-only: keep the roster already seeded with these flags (checked); renew the credentials file and the roster's description only`;

const presets: Record<string, { schools: number; students: number }> = { small: { schools: 10, students: 100 } };

function readOptions(): { options: Omit<SeedOptions, 'reporter'>; json: boolean; mongoUrl: string; credentialsOnly: boolean } {
  const { values } = parseArgs({
    options: {
      schools: { type: 'string' },
      students: { type: 'string' },
      'id-format': { type: 'string', default: 'objectid' },
      drop: { type: 'boolean', default: false },
      preset: { type: 'string' },
      json: { type: 'boolean', default: false },
      'mongo-url': { type: 'string', default: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/attendance' },
      'credentials-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const preset = values.preset === undefined ? { schools: 1000, students: 10_000 } : presets[values.preset];
  if (!preset) throw new UsageError(`--preset expects one of ${Object.keys(presets).join(', ')}, got "${values.preset}"`);
  return {
    options: {
      schools: values.schools === undefined ? preset.schools : positiveInteger('schools', values.schools),
      studentsPerSchool: values.students === undefined ? preset.students : positiveInteger('students', values.students),
      idFormat: oneOf('id-format', values['id-format'], idFormats),
      drop: values.drop,
    },
    json: values.json,
    mongoUrl: values['mongo-url'],
    credentialsOnly: values['credentials-only'],
  };
}

function seedRosterLoudly(db: Db, options: Omit<SeedOptions, 'reporter'>, reporter: ProgressReporter): Promise<SeedResult> {
  process.stderr.write(`seeding ${options.schools} schools x ${options.studentsPerSchool} students (${options.idFormat} ids) into ${db.databaseName}${options.drop ? ', dropping the roster first' : ''}\n`);
  return seedRoster(db, { ...options, reporter });
}

let parsed: ReturnType<typeof readOptions>;
try {
  parsed = readOptions();
} catch (err) {
  exitOnUsageError(err, usage);
}

const { client, db } = await connectMongo(parsed.mongoUrl);
try {
  const { schools, studentsPerSchool, idFormat } = parsed.options;
  const reporter = terminalReporter();
  if (parsed.credentialsOnly) {
    await assertRosterMatches(db, { schools, studentsPerSchool, idFormat });
    await writeRosterDescriptor(db, { schools, studentsPerSchool, idFormat });
    process.stderr.write(`the roster of ${db.databaseName} is ${schools} schools x ${studentsPerSchool} students (${idFormat} ids): kept; renewing the credentials\n`);
  }
  const result = parsed.credentialsOnly ? undefined : await seedRosterLoudly(db, parsed.options, reporter);
  const schoolIds = Array.from({ length: schools }, (_, i) => schoolIdOf(i));
  const progress = reporter.progress('credentials', schoolIds.length, 'schools');
  const credentials = await seedCredentials(db, schoolIds, { progress });
  progress.stop();
  const credentialsFile = writeCredentialsFile(credentials);
  const line = (name: string, counts: { inserted: number; existing: number }): string => `${name.padEnd(9)} ${String(counts.inserted).padStart(10)} inserted ${String(counts.existing).padStart(10)} already there`;
  process.stdout.write(
    [
      ...(result
        ? [line('schools', result.schools), line('students', result.students), `${result.documents} documents in ${result.elapsedSeconds.toFixed(2)} s = ${result.documentsPerSecond} docs/s`]
        : []),
      'next: pnpm --filter @attendance/tasks job roster-sync   (copies the roster into Redis, so check-ins of students not on it are flagged)',
      `credentials: ${schoolIds.length} device keys, ${schoolIds.length} school staff tokens and 1 admin token (earlier seed credentials revoked) written to ${credentialsFile}`,
      '',
    ].join('\n'),
  );
  if (parsed.json && result) process.stdout.write(`wrote ${writeResultsFile('seed.json', { ...result, at: new Date().toISOString(), schoolsRequested: schools, studentsPerSchool })}\n`);
} finally {
  await client.close();
}
