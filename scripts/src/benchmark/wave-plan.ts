import type { AttendanceType } from '@attendance/common/records';
import { invalidBody, kindOf, temperatureOf, type RequestKind } from './request-mix.ts';
import type { RunLedger, SentRecord, WaveName } from './run-ledger.ts';
import type { Student } from './select-students.ts';

export interface PlannedRequest {
  record: SentRecord;
  body: string;
}

/**
 * Hands out a wave's requests one at a time, as the load generator asks for
 * them, and records each in the ledger as it goes out. Each valid request
 * uses the next student; a duplicate repeats a check-in that was already
 * accepted (or at least sent, before any answer came back); an invalid one
 * is a broken body for some student of the wave.
 */
export class WavePlan {
  private position = 0;
  private nextStudent = 0;
  private invalidVariant = 0;

  constructor(
    readonly wave: WaveName,
    private readonly type: AttendanceType,
    private readonly students: Student[],
    private readonly kinds: Uint8Array,
    private readonly ledger: RunLedger,
    private readonly random: () => number = Math.random,
  ) {}

  get total(): number {
    return this.kinds.length;
  }

  /** The next request, already in the ledger as sent; undefined once the plan is used up. */
  take(now = Date.now()): PlannedRequest | undefined {
    if (this.position >= this.kinds.length || this.students.length === 0) return undefined;
    let kind: RequestKind = kindOf(this.kinds[this.position] ?? 0);
    this.position += 1;
    const repeatable = this.ledger.acceptedCheckIns.length > 0 || this.type === 'checkout' ? this.ledger.acceptedCheckIns : this.ledger.sentCheckIns;
    // Keep the wave's length when a kind cannot be served right now.
    if (kind === 'valid' && this.nextStudent >= this.students.length) kind = repeatable.length > 0 ? 'duplicate' : 'invalid';
    if (kind === 'duplicate' && repeatable.length === 0) kind = this.nextStudent < this.students.length ? 'valid' : 'invalid';

    const temperature = temperatureOf(this.random);
    if (kind === 'duplicate') {
      const original = repeatable[Math.floor(this.random() * repeatable.length)] as SentRecord;
      const record = this.ledger.send({ wave: this.wave, kind, type: 'checkin', userId: original.userId, schoolId: original.schoolId, timestamp: now, temperature });
      return { record, body: JSON.stringify({ type: 'checkin', userId: record.userId, schoolId: record.schoolId, timestamp: now, temperature }) };
    }
    if (kind === 'invalid') {
      const student = this.students[Math.floor(this.random() * this.students.length)] as Student;
      const record = this.ledger.send({ wave: this.wave, kind, type: this.type, ...student, timestamp: now, temperature });
      return { record, body: JSON.stringify(invalidBody(this.invalidVariant++, record)) };
    }
    const student = this.students[this.nextStudent++] as Student;
    const record = this.ledger.send({ wave: this.wave, kind, type: this.type, ...student, timestamp: now, temperature });
    return { record, body: JSON.stringify({ type: this.type, userId: student.userId, schoolId: student.schoolId, timestamp: now, temperature }) };
  }
}
