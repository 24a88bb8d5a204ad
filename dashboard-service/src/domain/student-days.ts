import type { AttendanceDocument, DayState, ExcuseDocument } from '@attendance/common/records';
import { emptyDay } from './apply-correction.ts';

/**
 * Each roster student's day, in roster order: the roster, the day's records
 * and its excuses are walked side by side, all three sorted by student id,
 * so what is held at once is one batch of each source whatever the roster's
 * size. Records and excuses of ids the roster does not hold are skipped.
 */
export async function* studentDays<S extends { _id: string }>(
  students: AsyncIterable<S>,
  records: AsyncIterable<AttendanceDocument>,
  excuses: AsyncIterable<ExcuseDocument>,
): AsyncGenerator<{ student: S; state: DayState }> {
  const recordsOf = new ByUser(records);
  const excuseOf = new ByUser(excuses);
  for await (const student of students) {
    const state = emptyDay();
    for (const record of await recordsOf.take(student._id)) state[record.type === 'checkin' ? 'checkIn' : 'checkOut'] = record;
    state.excuse = (await excuseOf.take(student._id))[0] ?? null;
    yield { student, state };
  }
}

/**
 * Walks a source sorted by user id alongside the roster (sorted by the same
 * id): hands over the documents of one student at a time and skips those of
 * ids the roster no longer has. Holds one document of look-ahead.
 */
class ByUser<T extends { userId: string }> {
  private readonly iterator: AsyncIterator<T>;
  private head: T | undefined;
  private ended = false;

  constructor(source: AsyncIterable<T>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async take(userId: string): Promise<T[]> {
    const taken: T[] = [];
    for (;;) {
      if (this.head === undefined) {
        if (this.ended) return taken;
        const next = await this.iterator.next();
        if (next.done === true) {
          this.ended = true;
          return taken;
        }
        this.head = next.value;
      }
      if (this.head.userId > userId) return taken;
      if (this.head.userId === userId) taken.push(this.head);
      this.head = undefined;
    }
  }
}
