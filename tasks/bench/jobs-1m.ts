/**
 * Time of the rollover and rebuild jobs for a day of N records (default 1M =
 * 500k students checking in and out, one `attendances` document per record), against the local Redis and MongoDB,
 * in a namespace of their own (key prefix and database), removed afterwards.
 *
 * The records go in as the consumer stores them: the documents, and each
 * batch of 5,000 in the state journal, which `rebuild` reads
 * (`--source attendances` leaves the journal out, so it reads `attendances`).
 *
 *   pnpm --filter @attendance/tasks bench:jobs [--records 1000000] [--page-size 5000] [--source journal|attendances]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectMongo } from '@attendance/common/mongo';
import {
  addDays,
  type AttendanceDocument,
  attendanceId,
  dayOf,
  journalDocumentsOf,
  STATE_JOURNAL_COLLECTION,
  STATE_JOURNAL_START_ID,
  type StateJournalDocument,
  type StateJournalStartDocument,
} from '@attendance/common/records';
import { connectRedis, encodeConfirmedState, stateLocation } from '@attendance/common/redis';
import { AttendanceStateStore } from '../src/data-access/attendance-state-store.ts';
import { MongoAttendanceSource } from '../src/data-access/attendance-source.ts';
import { rebuildStateJob } from '../src/domain/jobs/rebuild-state.ts';
import { rolloverJob } from '../src/domain/jobs/rollover.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, 'page-size': { type: 'string', default: '5000' }, source: { type: 'string', default: 'journal' } } });
if (values.source !== 'journal' && values.source !== 'attendances') throw new Error('--source is journal or attendances');
const journaled = values.source === 'journal';
const pageSize = Number(values['page-size']);
const students = Math.floor(Number(values.records) / 2);
const run = randomBytes(3).toString('hex');
const prefix = `bench:jobs:${run}`;
const today = dayOf(Date.now(), 'UTC');
const yesterday = addDays(today, -1);
const redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableOfflineQueue: true });
const { client, db } = await connectMongo(`${process.env.MONGO_BASE_URL ?? 'mongodb://127.0.0.1:27017'}/bench_jobs_${run}`);
const store = new AttendanceStateStore(redis, prefix, 3600);
const value = encodeConfirmedState({ checkInMinute: 480, checkOutMinute: 900, schoolId: 'school-0001' });
const idOf = (i: number): string => String(5_000_000 + i);

// Yesterday's state for every student (what rollover removes) and today's for a few (what it keeps).
process.stderr.write(`writing ${students.toLocaleString()} students' state for ${yesterday}…\n`);
for (let i = 0; i < students; i += 10_000) {
  const pipeline = redis.pipeline();
  for (let j = i; j < Math.min(students, i + 10_000); j += 1) {
    const { key, field } = stateLocation(prefix, yesterday, idOf(j));
    pipeline.hset(key, field, value);
  }
  await pipeline.exec();
}
const keep = stateLocation(prefix, today, idOf(0));
await redis.hset(keep.key, keep.field, value);
let started = Date.now();
const rollover = await rolloverJob(store, { keyPrefix: prefix, timeZone: 'UTC', now: Date.now }).run();
const rolloverSeconds = (Date.now() - started) / 1000;
if ((await redis.exists(keep.key)) !== 1) throw new Error("rollover removed today's key");

process.stderr.write(`inserting ${(students * 2).toLocaleString()} attendance documents (${students.toLocaleString()} check-ins and as many check-outs) for ${today}…\n`);
const midnight = new Date(`${today}T00:00:00Z`).getTime();
const at = (minute: number): Date => new Date(midnight + minute * 60_000);
const inserts = new Set<Promise<unknown>>();
for (const [type, minute] of [['checkin', 480], ['checkout', 900]] as const) {
  for (let i = 0; i < students; i += 5000) {
    const documents: AttendanceDocument[] = [];
    for (let j = i; j < Math.min(students, i + 5000); j += 1) {
      documents.push({ _id: attendanceId(idOf(j), today, type), userId: idOf(j), schoolId: `school-${j % 1000}`, day: today, type, recordId: `r${j}-${type}`, at: at(minute), temperature: 36.6, receivedAt: at(minute), source: `${type === 'checkin' ? 0 : 1}:${j}`, fever: false });
    }
    // Four inserts in flight: the set-up is not what is measured, only its length.
    const journal = journaled ? journalDocumentsOf({ partition: (i / 5000) % 12, firstOffset: i, lastOffset: i + documents.length - 1 }, documents, new Date()) : [];
    const insert = Promise.all([
      db.collection<AttendanceDocument>('attendances').insertMany(documents, { ordered: false }),
      journal.length > 0 ? db.collection<StateJournalDocument>(STATE_JOURNAL_COLLECTION).insertMany(journal) : undefined,
    ]);
    inserts.add(insert);
    void insert.finally(() => inserts.delete(insert));
    if (inserts.size >= 4) await Promise.race(inserts);
  }
}
await Promise.all(inserts);
if (journaled) await db.collection<StateJournalStartDocument>(STATE_JOURNAL_COLLECTION).insertOne({ _id: STATE_JOURNAL_START_ID, since: today, startedAt: new Date() });
await redis.unlink(keep.key);
started = Date.now();
const rebuild = await rebuildStateJob(new MongoAttendanceSource(db), store, { timeZone: 'UTC', now: Date.now, pageSize }).run();
const rebuildSeconds = (Date.now() - started) / 1000;
const probe = stateLocation(prefix, today, idOf(students - 1));
const restored = Number(await redis.hget(probe.key, probe.field));
if (restored !== value) throw new Error(`rebuild wrote ${restored}, expected ${value}`);

const result = { records: students * 2, students, pageSize, source: values.source, rollover: { ...rollover, seconds: rolloverSeconds }, rebuild: { ...rebuild, seconds: rebuildSeconds } };
console.log(JSON.stringify(result, null, 2));
await rolloverJob(store, { keyPrefix: prefix, timeZone: 'UTC', now: () => Date.now() + 2 * 86_400_000 }).run();
await db.dropDatabase();
await client.close();
await redis.quit();
mkdirSync(new URL('../../results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../../results/jobs-1m-${values.source}.json`, import.meta.url), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`);
