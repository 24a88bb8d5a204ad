import { emptyCounts } from '@attendance/common/records';
import { countsFromAttendances, countsFromReports, type SchoolDayCounts } from '@attendance/common/report-audit';
import type { Db } from 'mongodb';
import { attendanceIdOf, loadAttendances } from '../benchmark/stored-attendance.ts';

/**
 * What MongoDB holds for a chaos run's students, by the user and day (not by
 * record id: a device whose request was taken over after a crash holds the
 * id of its last attempt, while the consumer keeps the first copy Kafka got).
 * The only place chaos reads the stored layout, so a storage change touches
 * this file alone.
 */
export interface StoredSlots {
  checkedIn: Set<string>;
  checkedOut: Set<string>;
}

export async function loadStoredSlots(db: Db, userIds: string[], day: string): Promise<StoredSlots> {
  const documents = await loadAttendances(
    db,
    userIds.flatMap((userId) => [attendanceIdOf(userId, day, 'checkin'), attendanceIdOf(userId, day, 'checkout')]),
  );
  const slots: StoredSlots = { checkedIn: new Set(), checkedOut: new Set() };
  for (const document of documents.values()) (document.type === 'checkin' ? slots.checkedIn : slots.checkedOut).add(document.userId);
  return slots;
}

export interface ReportAudit {
  equal: boolean;
  /** Check-ins, check-outs and fevers the reports count beyond what `attendances` holds. */
  doubleCounted: number;
}

/** Reports against attendances for the run's schools on its day. */
export async function auditReports(db: Db, schoolIds: string[], day: string): Promise<ReportAudit> {
  const scope = { schoolIds, days: [day] };
  const [fromAttendances, fromReports] = await Promise.all([countsFromAttendances(db, scope), countsFromReports(db, scope)]);
  let equal = true;
  let doubleCounted = 0;
  for (const [key, truth] of fromAttendances) {
    const reported: SchoolDayCounts = fromReports.get(key) ?? emptyCounts();
    for (const field of ['checkIns', 'checkOuts', 'fevers'] as const) {
      if (reported[field] !== truth[field]) equal = false;
      doubleCounted += Math.max(0, reported[field] - truth[field]);
    }
  }
  return { equal, doubleCounted };
}
