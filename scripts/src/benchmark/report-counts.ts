import type { Db } from 'mongodb';
import { ATTENDANCES_COLLECTION, REPORTS_COLLECTION, type StoredAttendance, type StoredReportShard } from './stored-attendance.ts';

export interface SchoolDayCounts {
  checkIns: number;
  checkOuts: number;
  fevers: number;
}

const keyOf = (schoolId: string, day: string): string => `${schoolId}|${day}`;

function zeroes(schoolIds: string[], days: string[]): Map<string, SchoolDayCounts> {
  const counts = new Map<string, SchoolDayCounts>();
  for (const schoolId of schoolIds) for (const day of days) counts.set(keyOf(schoolId, day), { checkIns: 0, checkOuts: 0, fevers: 0 });
  return counts;
}

/**
 * What `attendances` says each school-day's report should hold, counted here
 * independently of the consumer: the documents of everyone at those
 * schools that day, not only the run's students, because reports count them all.
 */
export async function countsFromAttendances(db: Db, schoolIds: string[], days: string[]): Promise<Map<string, SchoolDayCounts>> {
  const counts = zeroes(schoolIds, days);
  const documents = db
    .collection<StoredAttendance>(ATTENDANCES_COLLECTION)
    .find({ schoolId: { $in: schoolIds }, day: { $in: days } }, { projection: { schoolId: 1, day: 1, checkIn: 1, checkOut: 1, feverSource: 1 } });
  for await (const document of documents) {
    const entry = counts.get(keyOf(document.schoolId, document.day));
    if (!entry) continue;
    if (document.checkIn) entry.checkIns += 1;
    if (document.checkOut) entry.checkOuts += 1;
    if (document.feverSource !== undefined) entry.fevers += 1;
  }
  return counts;
}

/** What the report shards (one per school, day and partition) add up to per school-day. */
export async function countsFromReports(db: Db, schoolIds: string[], days: string[]): Promise<Map<string, SchoolDayCounts>> {
  const counts = zeroes(schoolIds, days);
  const shards = db
    .collection<StoredReportShard>(REPORTS_COLLECTION)
    .find({ schoolId: { $in: schoolIds }, day: { $in: days } }, { projection: { schoolId: 1, day: 1, checkIns: 1, checkOuts: 1, fevers: 1 } });
  for await (const shard of shards) {
    const entry = counts.get(keyOf(shard.schoolId, shard.day));
    if (!entry) continue;
    entry.checkIns += Number(shard.checkIns);
    entry.checkOuts += Number(shard.checkOuts);
    entry.fevers += Number(shard.fevers);
  }
  return counts;
}
