import type { Db } from 'mongodb';

export interface SchoolDayCounts {
  checkIns: number;
  checkOuts: number;
  fevers: number;
}

/** What `attendances` says each school-day should report (counted here, independently of the consumer). */
export async function countsFromAttendances(db: Db): Promise<Record<string, SchoolDayCounts>> {
  const counts: Record<string, SchoolDayCounts> = {};
  for await (const doc of db.collection('attendances').find({})) {
    const key = `${String(doc.schoolId)}|${String(doc.day)}`;
    const entry = (counts[key] ??= { checkIns: 0, checkOuts: 0, fevers: 0 });
    if (doc.checkIn) entry.checkIns += 1;
    if (doc.checkOut) entry.checkOuts += 1;
    if (doc.feverSource !== undefined) entry.fevers += 1;
  }
  return counts;
}

/** What the report shards add up to per school-day. */
export async function countsFromReports(db: Db): Promise<Record<string, SchoolDayCounts>> {
  const counts: Record<string, SchoolDayCounts> = {};
  for await (const shard of db.collection('reports').find({})) {
    const key = `${String(shard.schoolId)}|${String(shard.day)}`;
    const entry = (counts[key] ??= { checkIns: 0, checkOuts: 0, fevers: 0 });
    entry.checkIns += Number(shard.checkIns);
    entry.checkOuts += Number(shard.checkOuts);
    entry.fevers += Number(shard.fevers);
  }
  return counts;
}

export function totalOf(counts: Record<string, SchoolDayCounts>): SchoolDayCounts {
  return Object.values(counts).reduce((sum, c) => ({ checkIns: sum.checkIns + c.checkIns, checkOuts: sum.checkOuts + c.checkOuts, fevers: sum.fevers + c.fevers }), {
    checkIns: 0,
    checkOuts: 0,
    fevers: 0,
  });
}
