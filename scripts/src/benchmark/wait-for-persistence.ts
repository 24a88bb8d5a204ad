import { findByIds, fromPartitionReportDocument, PARTITION_REPORTS_COLLECTION, partitionReportId, sumPartitionReports, type PartitionReportDocument } from '@attendance/common';
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

/** The consumer's counts of one day: its partition reports, read by `_id` (`day|p` for each partition of the topic). */
export interface DayCounter {
  day: string;
  partitions: number;
  /** Records the day's partition reports counted before the run. */
  before: number;
}

/** Check-ins plus check-outs the day's partition reports count. */
export async function countedOnDay(db: Db, day: string, partitions: number): Promise<number> {
  const ids = Array.from({ length: partitions }, (_, partition) => partitionReportId(day, partition));
  const documents = await findByIds(db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION), ids, { concurrency: partitions });
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
 * Waits until every accepted record is stored, and says when that happened.
 * With a {@link DayCounter}, it polls the day's partition reports (a few
 * `_id` reads every 100 ms, nothing that competes with the consumer) until
 * they count as many more records as the run got 202s for: the consumer
 * writes a batch's report after its records, so by then they are stored.
 * No record is read here: verification, which follows, reads each one once
 * (at 900,000 records a second full read would take minutes). Records of the
 * run without an answer that were stored anyway count too, so that moment
 * can be early by the storing of those few (they are the run's last
 * requests); verification, retried for a while, still finds any missing.
 * Without a counter it polls the documents themselves.
 */
export async function waitForPersistence(
  db: Db,
  accepted: AcceptedRecord[],
  options: { timeoutMs: number; progress: Progress; counter?: DayCounter; /** Called when the counts say everything is stored. */ onCounted?: () => void },
): Promise<PersistenceWait> {
  const { counter } = options;
  if (counter && accepted.every((record) => record.day === counter.day)) {
    const total = accepted.length;
    const { done, value } = await pollUntil(
      async () => {
        const counted = (await countedOnDay(db, counter.day, counter.partitions)) - counter.before;
        options.progress.update(Math.min(counted, total));
        return counted;
      },
      (counted) => counted >= total,
      { timeoutMs: options.timeoutMs, intervalMs: 100 },
    );
    if (done) {
      options.onCounted?.();
      return { complete: true, settledAt: Date.now(), pending: 0, by: 'partition-reports' };
    }
    return { complete: false, settledAt: Date.now(), pending: total - Math.max(0, value), by: 'partition-reports' };
  }
  return waitForDocuments(db, accepted, options);
}

/**
 * Polls `attendances` until every accepted record's document
 * (`userId|day|type`) is there. While the newest accepted records are still
 * missing it reads only those; once they are there it reads everything still
 * pending, so the full check runs about once. A document stored with another
 * record id counts as settled here; verification reports it.
 */
async function waitForDocuments(db: Db, accepted: AcceptedRecord[], options: { timeoutMs: number; progress: Progress }): Promise<PersistenceWait> {
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
