import { emptyCounts } from '@attendance/common/records';
import { countsFromAttendances, countsFromReports, type SchoolDayCounts } from '@attendance/common/report-audit';
import type { Db } from 'mongodb';
import { type ProgressReporter, silentReporter } from '../shared/progress.ts';
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
  /** `attendances` documents (one per stored record) of the run's students (those with a predictable state). */
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
  /** School-days whose partition reports do not add up to what `attendances` holds. */
  reportMismatches: ReportMismatch[];
}

interface ExpectedRecord {
  userId: string;
  day: string;
  slot: Slot;
  recordId: string;
}

const types = ['checkin', 'checkout'] as const;
const slotOf = (type: 'checkin' | 'checkout'): Slot => (type === 'checkin' ? 'checkIn' : 'checkOut');

/**
 * Checks that MongoDB holds exactly what the platform acknowledged: for every
 * 202 its document (`userId|day|type`) with the accepted record id, and for
 * the run's students no record it did not acknowledge; then that the
 * partition reports of the schools involved add up to what `attendances`
 * says. One pass, no waiting: call it once the consumer has drained (see
 * waitForCount).
 */
export async function verifyPersistence(db: Db, expectation: RunExpectation, reporter: ProgressReporter = silentReporter): Promise<VerificationResult> {
  const uncertain = new Set(expectation.uncertainUsers);
  const mismatched: Finding[] = [];
  const expected = new Map<string, ExpectedRecord>();
  for (const record of expectation.accepted) {
    const id = attendanceIdOf(record.userId, record.day, record.type);
    const slot = slotOf(record.type);
    const already = expected.get(id);
    if (already !== undefined) mismatched.push({ userId: record.userId, day: record.day, slot, expected: already.recordId, found: `a second 202: ${record.id}` });
    else expected.set(id, { userId: record.userId, day: record.day, slot, recordId: record.id });
  }

  const ids = new Map<string, { userId: string; day: string; slot: Slot }>();
  for (const [id, { userId, day, slot }] of expected) ids.set(id, { userId, day, slot });
  for (const { userId } of expectation.participants) for (const day of expectation.days) for (const type of types) ids.set(attendanceIdOf(userId, day, type), { userId, day, slot: slotOf(type) });
  // One read per record, the longest step of a design-scale run: it shows where it is.
  const reading = reporter.progress('verified', ids.size, 'records');
  const stored = await loadAttendances(db, [...ids.keys()], (done) => reading.update(done)).finally(() => reading.stop());

  const missing: Finding[] = [];
  const extra: Finding[] = [];
  let documents = 0;
  let uncertainDocuments = 0;
  for (const [id, { userId, day, slot }] of ids) {
    const found = stored.get(id)?.recordId;
    const wanted = expected.get(id)?.recordId;
    if (found !== undefined) {
      if (uncertain.has(userId)) uncertainDocuments += 1;
      else documents += 1;
    }
    if (wanted !== undefined && found === undefined) missing.push({ userId, day, slot, expected: wanted });
    else if (wanted !== undefined && found !== wanted) mismatched.push({ userId, day, slot, expected: wanted, ...(found === undefined ? {} : { found }) });
    else if (wanted === undefined && found !== undefined && !uncertain.has(userId)) extra.push({ userId, day, slot, found });
  }

  const schoolIds = [...new Set(expectation.participants.map((participant) => participant.schoolId))];
  const [fromAttendances, fromReports] = await Promise.all([countsFromAttendances(db, { schoolIds, days: expectation.days }), countsFromReports(db, { schoolIds, days: expectation.days })]);
  const reportMismatches: ReportMismatch[] = [];
  for (const [key, counts] of fromAttendances) {
    const reported = fromReports.get(key) ?? emptyCounts();
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
