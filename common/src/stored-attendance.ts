/**
 * What the consumer stores in MongoDB, the contract that dashboard-service
 * writes and tasks, scripts and tests read (DESIGN.md "MongoDB").
 */

/** Where a message came from: `partition:offset`. What makes its effects idempotent. */
export type Source = string;

export interface EventDetails {
  recordId: string;
  at: Date;
  temperature: number;
  image?: string;
  receivedAt: Date;
  source: Source;
}

/** One document per user per day (`_id` = `userId|day`). */
export interface AttendanceDocument {
  _id: string;
  userId: string;
  schoolId: string;
  day: string;
  checkIn?: EventDetails;
  checkOut?: EventDetails;
  /** Source of the first reading at or above the fever threshold that day, if any. */
  feverSource?: Source;
  updatedAt: Date;
}

/**
 * A school's report for one day is kept as one shard per Kafka partition
 * (`_id` = `schoolId|day|partition`) and summed when read; see the README
 * ("The consumer: exactly once without transactions") for why.
 */
export interface ReportShard {
  _id: string;
  schoolId: string;
  day: string;
  partition: number;
  checkIns: number;
  checkOuts: number;
  fevers: number;
  /** Offset of the last message applied; -1 before any. */
  offset: number;
  updatedAt: Date;
}

export const ATTENDANCES_COLLECTION = 'attendances';
export const REPORTS_COLLECTION = 'reports';

export const attendanceId = (userId: string, day: string): string => `${userId}|${day}`;

export const reportShardId = (schoolId: string, day: string, partition: number): string => `${schoolId}|${day}|${partition}`;
