import { z } from 'zod';
import { entityId, temperature } from './attendance-record.ts';
import type { AttendanceDocument, SchoolCounts, Source, StaffRef } from './stored-attendance.ts';

/**
 * Staff corrections of a student's day (issue 13): the body of
 * `POST /schools/:id/students/:userId/days/:day/corrections`, the Kafka
 * event it becomes, and what the consumer stores of it. A correction travels
 * the same topic (key = user id) and the same consumer as a device record,
 * so it is ordered with that user's records and counted exactly once by the
 * same partition-report watermark.
 */

export const excuseReasons = ['sick', 'appointment', 'family', 'other'] as const;
export type ExcuseReason = (typeof excuseReasons)[number];

const correctionAt = z.iso.datetime({ offset: true, error: 'expected ISO-8601 with an offset (2026-11-21T07:58:00Z)' });

export const correctionInputSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('excuse'), reason: z.enum(excuseReasons), note: z.string().max(500).optional() }),
  z.strictObject({ action: z.literal('checkin'), at: correctionAt, temperature: temperature.optional() }),
  z.strictObject({ action: z.literal('checkout'), at: correctionAt, temperature: temperature.optional() }),
  z.strictObject({ action: z.literal('undo'), correctionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
]);

export type CorrectionInput = z.infer<typeof correctionInputSchema>;
export type CorrectionAction = CorrectionInput['action'];

/** The Kafka message value of a correction; `kind` tells it from a device record. */
export const correctionEventSchema = z.strictObject({
  kind: z.literal('correction'),
  /** The correction's id, as the 202 answered it. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  userId: entityId,
  schoolId: entityId,
  day: z.iso.date(),
  by: z.strictObject({ role: z.string().min(1).max(32), id: z.string().min(1).max(64) }),
  receivedAt: z.iso.datetime({ offset: true }),
  change: correctionInputSchema,
});

export type CorrectionEvent = z.infer<typeof correctionEventSchema>;

/** An excused absence (`_id` = `userId|day`), written only by the consumer, from a correction. */
export interface ExcuseDocument {
  _id: string;
  userId: string;
  schoolId: string;
  day: string;
  reason: ExcuseReason;
  note?: string;
  by: StaffRef;
  correctionId: string;
  source: Source;
}

/** What a student's day holds: each slot is one document or nothing. */
export interface DayState {
  checkIn: AttendanceDocument | null;
  checkOut: AttendanceDocument | null;
  excuse: ExcuseDocument | null;
}

export const daySlots = ['checkIn', 'checkOut', 'excuse'] as const;
export type DaySlot = (typeof daySlots)[number];

/**
 * One stored correction (`_id` = its id), inserted once by the consumer like
 * a device record: the first message with that id wins (`source`), a copy
 * delivered again finds it and changes nothing. It keeps the day before and
 * after it and its effect on the counts, so a redelivery re-applies exactly
 * what the first delivery decided and never recomputes it.
 */
export interface CorrectionDocument {
  _id: string;
  userId: string;
  schoolId: string;
  day: string;
  action: CorrectionAction;
  change: CorrectionInput;
  by: StaffRef;
  receivedAt: Date;
  source: Source;
  status: 'applied' | 'refused';
  /** Why the consumer refused it (the day had changed since the API checked it). */
  error?: string;
  before: DayState;
  after: DayState;
  effect: SchoolCounts;
  /** The undo that reverted it. */
  undoneBy?: string;
}

export const CORRECTIONS_COLLECTION = 'corrections';
export const EXCUSES_COLLECTION = 'excuses';

export const excuseId = (userId: string, day: string): string => `${userId}|${day}`;
