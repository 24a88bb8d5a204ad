import type { Db } from 'mongodb';
import { EXCUSES_COLLECTION, type ExcuseDocument } from './correction-event.ts';
import { addCounts, ATTENDANCES_COLLECTION, emptyCounts, PARTITION_REPORTS_COLLECTION, type AttendanceDocument, fromPartitionReportDocument, type PartitionReportDocument, type SchoolCounts } from './stored-attendance.ts';

export type SchoolDayCounts = SchoolCounts;

/** Which school-days to audit; every school-day when left out (small databases only). */
export interface AuditScope {
  schoolIds: string[];
  days: string[];
}

const keyOf = (schoolId: string, day: string): string => `${schoolId}|${day}`;

/**
 * The reads of a scope: one per day, each an equality (and the school's,
 * when there is one school). FerretDB hands equalities to PostgreSQL, but a
 * filter with `$in` anywhere reads the whole collection (every day ever
 * stored); schools outside the scope are passed over while counting.
 */
function scopeFilters(scope: AuditScope | undefined): { day?: string; schoolId?: string }[] {
  if (!scope) return [{}];
  if (scope.schoolIds.length === 0) return [];
  const [onlySchool] = scope.schoolIds;
  return scope.days.map((day) => (scope.schoolIds.length === 1 && onlySchool !== undefined ? { day, schoolId: onlySchool } : { day }));
}

function startCounts(scope: AuditScope | undefined): Map<string, SchoolDayCounts> {
  const counts = new Map<string, SchoolDayCounts>();
  for (const schoolId of scope?.schoolIds ?? []) for (const day of scope?.days ?? []) counts.set(keyOf(schoolId, day), emptyCounts());
  return counts;
}

function entryFor(counts: Map<string, SchoolDayCounts>, scope: AuditScope | undefined, schoolId: string, day: string): SchoolDayCounts | undefined {
  const key = keyOf(schoolId, day);
  let entry = counts.get(key);
  if (!entry && !scope) {
    entry = emptyCounts();
    counts.set(key, entry);
  }
  return entry;
}

/**
 * What `attendances` says each school-day's report must hold, counted
 * independently of the consumer (keys `schoolId|day`). The audit that proves
 * reports exact: tests and the benchmark compare it with {@link countsFromReports}.
 */
export async function countsFromAttendances(db: Db, scope?: AuditScope): Promise<Map<string, SchoolDayCounts>> {
  const counts = startCounts(scope);
  for (const filter of scopeFilters(scope)) {
    const documents = db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION).find(filter, { projection: { schoolId: 1, day: 1, type: 1, fever: 1, lateMinutes: 1 } });
    for await (const document of documents) {
      const entry = entryFor(counts, scope, document.schoolId, document.day);
      if (!entry) continue;
      if (document.type === 'checkin') entry.checkIns += 1;
      else entry.checkOuts += 1;
      if (document.fever) entry.fevers += 1;
      if (document.type === 'checkin' && (document.lateMinutes ?? 0) > 0) entry.lates += 1;
    }
    for await (const excuse of db.collection<ExcuseDocument>(EXCUSES_COLLECTION).find(filter, { projection: { schoolId: 1, day: 1 } })) {
      const entry = entryFor(counts, scope, excuse.schoolId, excuse.day);
      if (entry) entry.excused += 1;
    }
  }
  return counts;
}

/** What the partition reports (the consumer's counters) add up to per school-day (keys `schoolId|day`). */
export async function countsFromReports(db: Db, scope?: AuditScope): Promise<Map<string, SchoolDayCounts>> {
  const counts = startCounts(scope);
  for (const { day } of scopeFilters(scope)) {
    for await (const document of db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION).find(day === undefined ? {} : { day })) {
      const report = fromPartitionReportDocument(document);
      for (const [schoolId, school] of Object.entries(report.schools)) {
        const entry = entryFor(counts, scope, schoolId, report.day);
        if (!entry) continue;
        addCounts(entry, school);
      }
    }
  }
  return counts;
}

export function totalOf(counts: Map<string, SchoolDayCounts>): SchoolDayCounts {
  const total = emptyCounts();
  for (const entry of counts.values()) addCounts(total, entry);
  return total;
}
