import { countsFromAttendances, countsFromReports, type SchoolDayCounts } from '@attendance/common';
import type { Db } from 'mongodb';
import type { RunExpectation } from './run-ledger.ts';
import { attendanceIdOf, loadAttendances } from './stored-attendance.ts';

export type Slot = 'checkIn' | 'checkOut';

/** One record that is not where the run's answers say it must be. */
export interface Finding {
  userId: string;
  day: string;
  slot: Slot;
  /** The record id the run got a 202 for (absent for an extra record). */
  expected?: string;
  /** The record id stored (absent for a missing record). */
  found?: string;
}

export interface ReportMismatch {
  schoolId: string;
  day: string;
  fromAttendances: SchoolDayCounts;
  fromReports: SchoolDayCounts;
}

export interface VerificationResult {
  ok: boolean;
  acceptedCheckIns: number;
  acceptedCheckOuts: number;
  participants: number;
  /** `attendances` documents of the run's students (those with a predictable state). */
  documents: number;
  uncertainUsers: number;
  /** Documents of uncertain students: allowed, not required. */
  uncertainDocuments: number;
  /** Accepted (202) but not stored. */
  missing: Finding[];
  /** Stored for a student of the run without a 202 for it. */
  extra: Finding[];
  /** Stored with another record id than the one accepted (or two 202s for one slot). */
  mismatched: Finding[];
  /** School-days whose report shards do not add up to what `attendances` holds. */
  reportMismatches: ReportMismatch[];
}

interface ExpectedDocument {
  userId: string;
  day: string;
  checkIn?: string;
  checkOut?: string;
}

const slotOf = (type: 'checkin' | 'checkout'): Slot => (type === 'checkin' ? 'checkIn' : 'checkOut');

/**
 * Checks that MongoDB holds exactly what the platform acknowledged: for every
 * 202 the record in its user's day document (same record id), and for the
 * run's students nothing it did not acknowledge; then that the report shards
 * of the schools involved add up to what `attendances` says. One pass, no
 * waiting: call it once the consumer has drained (see waitForPersistence).
 */
export async function verifyPersistence(db: Db, expectation: RunExpectation): Promise<VerificationResult> {
  const uncertain = new Set(expectation.uncertainUsers);
  const mismatched: Finding[] = [];
  const expected = new Map<string, ExpectedDocument>();
  for (const record of expectation.accepted) {
    const id = attendanceIdOf(record.userId, record.day);
    const entry = expected.get(id) ?? { userId: record.userId, day: record.day };
    const slot = slotOf(record.type);
    const already = entry[slot];
    if (already !== undefined) mismatched.push({ userId: record.userId, day: record.day, slot, expected: already, found: `a second 202: ${record.id}` });
    else entry[slot] = record.id;
    expected.set(id, entry);
  }

  const ids = new Set(expected.keys());
  for (const { userId } of expectation.participants) for (const day of expectation.days) ids.add(attendanceIdOf(userId, day));
  const stored = await loadAttendances(db, [...ids]);

  const missing: Finding[] = [];
  const extra: Finding[] = [];
  let documents = 0;
  let uncertainDocuments = 0;
  for (const id of ids) {
    const document = stored.get(id);
    const want = expected.get(id);
    const [userId = '', day = ''] = id.split('|');
    if (document) {
      if (uncertain.has(userId)) uncertainDocuments += 1;
      else documents += 1;
    }
    for (const slot of ['checkIn', 'checkOut'] as const) {
      const found = document?.[slot]?.recordId;
      const wanted = want?.[slot];
      if (wanted !== undefined && found === undefined) missing.push({ userId, day, slot, expected: wanted });
      else if (wanted !== undefined && found !== wanted) mismatched.push({ userId, day, slot, expected: wanted, ...(found === undefined ? {} : { found }) });
      else if (wanted === undefined && found !== undefined && !uncertain.has(userId)) extra.push({ userId, day, slot, found });
    }
  }

  const schoolIds = [...new Set(expectation.participants.map((participant) => participant.schoolId))];
  const [fromAttendances, fromReports] = await Promise.all([countsFromAttendances(db, { schoolIds, days: expectation.days }), countsFromReports(db, { schoolIds, days: expectation.days })]);
  const reportMismatches: ReportMismatch[] = [];
  for (const [key, counts] of fromAttendances) {
    const reported = fromReports.get(key) ?? { checkIns: 0, checkOuts: 0, fevers: 0 };
    if (counts.checkIns !== reported.checkIns || counts.checkOuts !== reported.checkOuts || counts.fevers !== reported.fevers) {
      const [schoolId = '', day = ''] = key.split('|');
      reportMismatches.push({ schoolId, day, fromAttendances: counts, fromReports: reported });
    }
  }

  return {
    ok: missing.length === 0 && extra.length === 0 && mismatched.length === 0 && reportMismatches.length === 0,
    acceptedCheckIns: expectation.accepted.filter((record) => record.type === 'checkin').length,
    acceptedCheckOuts: expectation.accepted.filter((record) => record.type === 'checkout').length,
    participants: expectation.participants.length,
    documents,
    uncertainUsers: uncertain.size,
    uncertainDocuments,
    missing,
    extra,
    mismatched,
    reportMismatches,
  };
}
