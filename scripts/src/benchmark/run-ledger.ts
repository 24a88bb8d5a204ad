import { type AttendanceType, dayOf } from '@attendance/common/records';
import type { RequestKind } from './request-mix.ts';
import type { Student } from './select-students.ts';

export type WaveName = 'morning' | 'afternoon';

/** One record sent to the platform, and what the platform answered. */
export interface SentRecord {
  wave: WaveName;
  kind: RequestKind;
  type: AttendanceType;
  /** Always the real student, even when the body sent mangled it (invalid kind). */
  userId: string;
  schoolId: string;
  timestamp: number;
  temperature: number;
  /** HTTP status; undefined when no answer came (timed out, or in flight when a timed wave stopped). */
  status?: number;
  /** The record id of a 202. */
  recordId?: string;
  /** The error code of a refusal (`already-checked-in`, `validation-failed`, ...). */
  error?: string;
  answeredAt?: number;
}

/** A record the platform acknowledged with 202: it must end up in `attendances` exactly like this. */
export interface AcceptedRecord {
  id: string;
  type: AttendanceType;
  userId: string;
  schoolId: string;
  day: string;
  /** When the 202 arrived (epoch ms). */
  acceptedAt: number;
}

/** Everything verification needs to know about a run. */
export interface RunExpectation {
  accepted: AcceptedRecord[];
  /** Every student the run sent anything for: none of them may have a record the run did not get a 202 for. */
  participants: Student[];
  /**
   * Students whose stored state the run cannot predict: a request without an
   * answer or with a 5xx (it may or may not have been stored), or a first
   * check-in refused as `already-checked-in` (checked in before the run,
   * though not yet in `attendances` when students were selected).
   */
  uncertainUsers: string[];
  days: string[];
}

export type StatusCounts = Record<string, number>;

const NO_ANSWER = 'no answer';

/**
 * The benchmark's bookkeeping: every record sent and its answer, so the run
 * knows exactly which records were accepted and can check that those, and
 * only those, were stored.
 */
export class RunLedger {
  readonly records: SentRecord[] = [];
  /** Valid check-ins sent, for duplicates early in the morning wave. */
  readonly sentCheckIns: SentRecord[] = [];
  /** Check-ins answered 202: duplicates repeat them, the afternoon wave checks them out. */
  readonly acceptedCheckIns: SentRecord[] = [];
  /** When the last 202 arrived (epoch ms), 0 before any. */
  lastAcceptedAt = 0;
  /** Records answered 202 so far. */
  acceptedCount = 0;

  send(record: Omit<SentRecord, 'status' | 'recordId' | 'error' | 'answeredAt'>): SentRecord {
    const sent: SentRecord = { ...record };
    this.records.push(sent);
    if (sent.kind === 'valid' && sent.type === 'checkin') this.sentCheckIns.push(sent);
    return sent;
  }

  answer(record: SentRecord, status: number, outcome: { id?: string; error?: string }, at = Date.now()): void {
    record.status = status;
    record.answeredAt = at;
    if (status === 202 && outcome.id !== undefined) {
      record.recordId = outcome.id;
      this.acceptedCount += 1;
      this.lastAcceptedAt = Math.max(this.lastAcceptedAt, at);
      if (record.type === 'checkin') this.acceptedCheckIns.push(record);
    } else if (outcome.error !== undefined) {
      record.error = outcome.error;
    }
  }

  /** For a raw HTTP answer: `{ id }` of a 202, `{ error }` of a refusal. */
  answerWithBody(record: SentRecord, status: number, body: string, at = Date.now()): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const field = (name: string): string | undefined => {
      const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
      return typeof value === 'string' ? value : undefined;
    };
    this.answer(record, status, { ...(field('id') === undefined ? {} : { id: field('id') }), ...(field('error') === undefined ? {} : { error: field('error') }) }, at);
  }

  wave(name: WaveName): SentRecord[] {
    return this.records.filter((record) => record.wave === name);
  }

  expectation(timeZone: string): RunExpectation {
    const accepted: AcceptedRecord[] = [];
    const participants = new Map<string, string>();
    const uncertain = new Set<string>();
    const days = new Set<string>();
    const checkedInByRun = new Set(this.acceptedCheckIns.map((record) => record.userId));
    for (const record of this.records) {
      participants.set(record.userId, record.schoolId);
      if (record.kind !== 'invalid') days.add(dayOf(record.timestamp, timeZone));
      if (record.status === 202 && record.recordId !== undefined) {
        accepted.push({ id: record.recordId, type: record.type, userId: record.userId, schoolId: record.schoolId, day: dayOf(record.timestamp, timeZone), acceptedAt: record.answeredAt ?? 0 });
      }
      const unanswered = record.status === undefined || record.status >= 500;
      // A duplicate that overtook its original wins the claim; that is still the run's own check-in.
      const checkedInBefore = record.kind === 'valid' && record.type === 'checkin' && record.error === 'already-checked-in' && !checkedInByRun.has(record.userId);
      if ((unanswered && record.kind !== 'invalid') || checkedInBefore) uncertain.add(record.userId);
    }
    return {
      accepted,
      participants: [...participants].map(([userId, schoolId]) => ({ userId, schoolId })),
      uncertainUsers: [...uncertain],
      days: [...days].sort(),
    };
  }
}

/** Records by answer (`202`, `409 already-checked-in`, `no answer`, ...). */
export function countByAnswer(records: SentRecord[]): StatusCounts {
  const counts: StatusCounts = {};
  for (const record of records) {
    const key = record.status === undefined ? NO_ANSWER : record.error === undefined ? String(record.status) : `${record.status} ${record.error}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
