import type { AttendanceType } from './attendance-record.ts';

/**
 * What the consumer stores in MongoDB, the contract that dashboard-service
 * writes and tasks, scripts and tests read (DESIGN.md "MongoDB", README
 * "The consumer: exactly once without transactions").
 */

/** Where a message came from: `partition:offset`. What makes its effects idempotent. */
export type Source = string;

/**
 * One document per stored record: a student's check-in of a day, or their
 * check-out (`_id` = `userId|day|type`). Inserted once and never updated, so
 * storing a record costs one insert and a redelivered record is a duplicate
 * key, not an update (updates are what a MongoDB-wire store pays most for).
 * Every field costs FerretDB about 4 µs per insert, so nothing derivable is
 * stored twice (when it was stored: `receivedAt` and the Kafka `source` say).
 */
export interface AttendanceDocument {
  _id: string;
  userId: string;
  schoolId: string;
  day: string;
  type: AttendanceType;
  recordId: string;
  at: Date;
  /** Always there on a device's record; absent on a record the office added without a reading. */
  temperature?: number;
  image?: string;
  receivedAt: Date;
  /** The message that stored it: the first message for a slot wins. */
  source: Source;
  /**
   * This reading is the one that counts the student's fever that day: the
   * check-in's when it is at or above the threshold, else the check-out's.
   * So a student counts once in `fevers` however many readings were high.
   */
  fever: boolean;
  /** A check-in after the school's start time: minutes late (absent when on time, so on-time records cost no field). */
  lateMinutes?: number;
  /** Set when a staff correction stored this document (a missed record added by the office). */
  correction?: { id: string; by: StaffRef };
  /**
   * What the record's own message stored, kept when a correction changed the
   * document afterwards: a redelivered device record recomputes its effect
   * from these, never from the corrected values (see README, corrections).
   */
  recorded?: { at: Date; temperature?: number; fever: boolean; lateMinutes?: number };
}

/** Who made a correction: a staff token's role and id (never the token). */
export interface StaffRef {
  role: string;
  id: string;
}

export interface SchoolCounts {
  checkIns: number;
  checkOuts: number;
  fevers: number;
  /** Check-ins after the school's start time. */
  lates: number;
  /** Absences excused by the office. */
  excused: number;
}

/**
 * The counts of one day from one Kafka partition, every school in one
 * document (`_id` = `day|partition`). One writer (the consumer that owns the
 * partition) and one conditional write per batch: `offset` is the last message
 * applied, and a write only lands while the stored offset is the one it read,
 * so a redelivered message is never counted twice.
 */
export interface PartitionReport {
  _id: string;
  day: string;
  partition: number;
  /** Offset of the last message applied; -1 before any. */
  offset: number;
  schools: Record<string, SchoolCounts>;
  updatedAt: Date;
}

/**
 * A partition report as stored: `schools` as JSON text,
 * `{"school-0001":[checkIns,checkOuts,fevers,lates,excused],...}` (reports
 * written before lates and excused existed have three numbers: those read as 0). FerretDB v1 handles a
 * document field by field: 1,000 schools as sub-documents took 65 ms to read
 * and 67 ms to replace, as one string 3.5 ms and 6.5 ms. Only the consumer
 * writes it and only code reads it, always whole, so nothing is lost by that.
 */
export interface PartitionReportDocument extends Omit<PartitionReport, 'schools'> {
  schools: string;
}

export function toPartitionReportDocument(report: PartitionReport): PartitionReportDocument {
  const schools: Record<string, number[]> = {};
  for (const [schoolId, counts] of Object.entries(report.schools)) schools[schoolId] = [counts.checkIns, counts.checkOuts, counts.fevers, counts.lates, counts.excused];
  return { ...report, schools: JSON.stringify(schools) };
}

export function fromPartitionReportDocument(document: PartitionReportDocument): PartitionReport {
  const schools: Record<string, SchoolCounts> = {};
  for (const [schoolId, [checkIns = 0, checkOuts = 0, fevers = 0, lates = 0, excused = 0]] of Object.entries(JSON.parse(document.schools) as Record<string, number[]>)) {
    schools[schoolId] = { checkIns, checkOuts, fevers, lates, excused };
  }
  return { ...document, schools };
}

/**
 * A school's day (`_id` = `schoolId|day`): the sum of that day's partition
 * reports, written by the tasks job `close-reports` for days no new record can
 * reach any more, so reading a school's history is one document per day.
 */
export interface SchoolReport extends SchoolCounts {
  _id: string;
  schoolId: string;
  day: string;
  closedAt: Date;
}

export const ATTENDANCES_COLLECTION = 'attendances';
export const PARTITION_REPORTS_COLLECTION = 'partition_reports';
export const REPORTS_COLLECTION = 'reports';
/** One document per closed day: when `close-reports` last wrote it, and from which partition state. */
export const CLOSED_DAYS_COLLECTION = 'closed_days';

export const attendanceId = (userId: string, day: string, type: AttendanceType): string => `${userId}|${day}|${type}`;

export const partitionReportId = (day: string, partition: number): string => `${day}|${partition}`;

export const schoolReportId = (schoolId: string, day: string): string => `${schoolId}|${day}`;

export const countKeys = ['checkIns', 'checkOuts', 'fevers', 'lates', 'excused'] as const;

export const emptyCounts = (): SchoolCounts => ({ checkIns: 0, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });

/**
 * What one stored record counts in its school's report: the one counting
 * rule, used by the consumer (a message's effect), staff corrections (a
 * day's before and after) and the `reprocess` job (the recount). A fever
 * counts on the record flagged with it; a check-in after the school's start
 * time counts late.
 */
export function countsOfRecord(record: { type: AttendanceType; fever: boolean; lateMinutes?: number | undefined }): SchoolCounts {
  return {
    checkIns: record.type === 'checkin' ? 1 : 0,
    checkOuts: record.type === 'checkout' ? 1 : 0,
    fevers: record.fever ? 1 : 0,
    lates: record.type === 'checkin' && (record.lateMinutes ?? 0) > 0 ? 1 : 0,
    excused: 0,
  };
}

/** Adds `counts` into `into` (mutates it); counts written before lates and excused existed add 0 for them. */
export function addCounts(into: SchoolCounts, counts: Partial<SchoolCounts>): SchoolCounts {
  for (const key of countKeys) into[key] += counts[key] ?? 0;
  return into;
}

/** Per-school counts of one day: the sum over its partition reports. */
export function sumPartitionReports(reports: Iterable<Pick<PartitionReport, 'schools'>>): Map<string, SchoolCounts> {
  const bySchool = new Map<string, SchoolCounts>();
  for (const report of reports) {
    for (const [schoolId, counts] of Object.entries(report.schools)) {
      let total = bySchool.get(schoolId);
      if (!total) bySchool.set(schoolId, (total = emptyCounts()));
      addCounts(total, counts);
    }
  }
  return bySchool;
}
