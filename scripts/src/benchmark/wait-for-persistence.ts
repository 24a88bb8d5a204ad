import { findByIds } from '@attendance/common/mongo';
import { fromPartitionReportDocument, PARTITION_REPORTS_COLLECTION, type PartitionReportDocument, partitionReportId, sumPartitionReports } from '@attendance/common/records';
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
  /** What told when everything was stored: the consumer's partition reports, or the documents themselves. */
  by: 'partition-reports' | 'documents';
}

/**
 * The consumer's counts of the run's days (today, and tomorrow for a run that
 * crosses midnight): their partition reports, read by `_id` (`day|p` for each
 * partition of the topic).
 */
export interface DayCounter {
  days: string[];
  partitions: number;
  /** Records those partition reports counted before the run. */
  before: number;
}

/** Check-ins plus check-outs the days' partition reports count. */
export async function countedOnDays(db: Db, days: string[], partitions: number): Promise<number> {
  const ids = days.flatMap((day) => Array.from({ length: partitions }, (_, partition) => partitionReportId(day, partition)));
  const documents = await findByIds(db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION), ids, { concurrency: 8 });
  let total = 0;
  for (const counts of sumPartitionReports([...documents.values()].map(fromPartitionReportDocument)).values()) total += counts.checkIns + counts.checkOuts;
  return total;
}

/**
 * Documents read per pass while the consumer is still behind: the most
 * recently accepted ones, which it stores last. Reading all of them on every
 * pass would compete with the consumer for the database (on a 2-core machine,
 * the same FerretDB and PostgreSQL) and slow down what we are timing.
 */
const PROBE_SIZE = 32;

/**
 * Waits until the consumer has stored `accepted` more records than before the
 * run, and says when: it polls the partition reports of the run's days (a few
 * `_id` reads every 100 ms, nothing that competes with the consumer), which
 * the consumer writes after a batch's records. It starts the moment the last
 * wave ends, so the time is the platform's, not the benchmark's bookkeeping.
 * No record is read here: verification, which follows, reads each one once
 * (at 900,000 records a second full read would take minutes). Records of the
 * run without an answer that were stored anyway count too, so that moment
 * can be early by the storing of those few (they are the run's last
 * requests); verification, retried for a while, still finds any missing.
 */
export async function waitForCount(db: Db, counter: DayCounter, accepted: number, options: { timeoutMs: number; progress: Progress; /** Called when the counts say everything is stored. */ onCounted?: () => void }): Promise<PersistenceWait> {
  const { done, value } = await pollUntil(
    async () => {
      const counted = (await countedOnDays(db, counter.days, counter.partitions)) - counter.before;
      options.progress.update(Math.min(counted, accepted));
      return counted;
    },
    (counted) => counted >= accepted,
    { timeoutMs: options.timeoutMs, intervalMs: 100 },
  );
  if (done) options.onCounted?.();
  return { complete: done, settledAt: Date.now(), pending: done ? 0 : accepted - Math.max(0, value), by: 'partition-reports' };
}

/**
 * Without the broker (for the partition count): polls `attendances` until
 * every accepted record's document (`userId|day|type`) is there. While the newest accepted records are still
 * missing it reads only those; once they are there it reads everything still
 * pending, so the full check runs about once. A document stored with another
 * record id counts as settled here; verification reports it.
 */
export async function waitForDocuments(db: Db, accepted: AcceptedRecord[], options: { timeoutMs: number; progress: Progress }): Promise<PersistenceWait> {
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
  return { complete: done, settledAt: Date.now(), pending: pending.size, by: 'documents' };
}
