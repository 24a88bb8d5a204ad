import type { Db } from 'mongodb';
import type { Progress } from '../shared/progress.ts';
import { pollUntil } from '../shared/poll-until.ts';
import type { AcceptedRecord } from './run-ledger.ts';
import { attendanceIdOf, loadAttendances } from './stored-attendance.ts';

export interface PersistenceWait {
  /** Every accepted record is visible in `attendances`. */
  complete: boolean;
  /** When the pass that found the last one ended (epoch ms). */
  settledAt: number;
  /** Accepted records still not visible when the wait ended. */
  pending: number;
}

/**
 * Documents read per pass while the consumer is still behind: the most
 * recently accepted ones, which it stores last. Reading all of them on every
 * pass would compete with the consumer for the database (on a 2-core machine,
 * the same FerretDB and PostgreSQL) and slow down what we are timing.
 */
const PROBE_SIZE = 32;

/**
 * Polls `attendances` until every accepted record's slot is filled. While
 * the newest accepted records are still missing it reads only those; once
 * they are there it reads everything still pending, so the full check runs
 * about once. A slot filled with another record id counts as settled here;
 * verification reports it.
 */
export async function waitForPersistence(db: Db, accepted: AcceptedRecord[], options: { timeoutMs: number; progress: Progress }): Promise<PersistenceWait> {
  const pending = new Map<string, Set<'checkIn' | 'checkOut'>>();
  for (const record of [...accepted].sort((a, b) => a.acceptedAt - b.acceptedAt)) {
    const id = attendanceIdOf(record.userId, record.day);
    const slots = pending.get(id) ?? new Set();
    slots.add(record.type === 'checkin' ? 'checkIn' : 'checkOut');
    // Re-inserted so the map stays in order of each document's latest acceptance.
    pending.delete(id);
    pending.set(id, slots);
  }
  const total = accepted.length;
  const remaining = (): number => [...pending.values()].reduce((sum, slots) => sum + slots.size, 0);

  /** Reads `ids` and drops the slots found filled; true if all of them were. */
  async function settle(ids: string[]): Promise<boolean> {
    const stored = await loadAttendances(db, ids);
    let all = true;
    for (const id of ids) {
      const slots = pending.get(id);
      if (!slots) continue;
      const document = stored.get(id);
      for (const slot of slots) if (document?.[slot] !== undefined) slots.delete(slot);
      if (slots.size === 0) pending.delete(id);
      else all = false;
    }
    return all;
  }

  const { done } = await pollUntil(
    async () => {
      const newest = [...pending.keys()].slice(-PROBE_SIZE);
      if (await settle(newest)) await settle([...pending.keys()]);
      options.progress.update(total - remaining());
      return pending.size;
    },
    (left) => left === 0,
    { timeoutMs: options.timeoutMs, intervalMs: 100 },
  );
  return { complete: done, settledAt: Date.now(), pending: remaining() };
}
