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
 * Polls `attendances` until every accepted record's document
 * (`userId|day|type`) is there. While the newest accepted records are still
 * missing it reads only those; once they are there it reads everything still
 * pending, so the full check runs about once. A document stored with another
 * record id counts as settled here; verification reports it.
 */
export async function waitForPersistence(db: Db, accepted: AcceptedRecord[], options: { timeoutMs: number; progress: Progress }): Promise<PersistenceWait> {
  // In order of acceptance, so the newest are at the end.
  const pending = new Set<string>();
  for (const record of [...accepted].sort((a, b) => a.acceptedAt - b.acceptedAt)) pending.add(attendanceIdOf(record.userId, record.day, record.type));
  const total = pending.size;

  /** Reads `ids` and drops those found; true if all of them were. */
  async function settle(ids: string[]): Promise<boolean> {
    const stored = await loadAttendances(db, ids);
    for (const id of stored.keys()) pending.delete(id);
    return stored.size === ids.length;
  }

  const { done } = await pollUntil(
    async () => {
      const newest = [...pending].slice(-PROBE_SIZE);
      if (await settle(newest)) await settle([...pending]);
      options.progress.update(total - pending.size);
      return pending.size;
    },
    (left) => left === 0,
    { timeoutMs: options.timeoutMs, intervalMs: 100 },
  );
  return { complete: done, settledAt: Date.now(), pending: pending.size };
}
