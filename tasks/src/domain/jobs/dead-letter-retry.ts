import type { DeadLetter } from '@attendance/common/mongo';
import type { Job, JobSummary } from '../job-runner.ts';

export interface DeadLetterPort {
  /** Up to `limit` pending entries due at `now`, oldest due first. */
  due(now: Date, limit: number): Promise<DeadLetter[]>;
  park(ids: string[], now: Date): Promise<void>;
  /** Counts the attempt and sets when the entry may be tried next. */
  scheduleNext(entries: { id: string; attempts: number; nextAttemptAt: Date }[], now: Date): Promise<void>;
}

export interface RepublishPort {
  /** Sends the entries' records back to the attendance topic, each tagged with its entry id; resolves on the broker's ack. */
  republish(entries: DeadLetter[]): Promise<void>;
}

export interface DeadLetterRetryOptions {
  maxAttempts: number;
  backoffSeconds: number;
  maxPerRun: number;
  pageSize: number;
  now: () => number;
}

/** Delay before attempt `attempts + 1`: backoff, 2x backoff, 4x backoff, ... capped at a day. */
export function nextAttemptDelaySeconds(attempts: number, backoffSeconds: number): number {
  return Math.min(backoffSeconds * 2 ** attempts, 86_400);
}

/**
 * Gives dead letters another attempt through the path a fresh record takes:
 * the record goes back onto the attendance topic (tagged with its entry id)
 * and the consumer stores it with the same exactly-once rules, so a record
 * that was in fact stored meanwhile is not counted twice. The consumer marks
 * the entry resolved, or puts its new error on it. Entries that used up
 * `maxAttempts` are parked with their last error for a human to look at.
 *
 * Works page by page: each handled entry moves its `nextAttemptAt` into the
 * future, so the next page query never returns it again in this run, and a
 * queue of a million entries is never held in memory.
 */
export function deadLetterRetryJob(deadLetters: DeadLetterPort, publisher: RepublishPort, options: DeadLetterRetryOptions): Job {
  return {
    name: 'dlq-retry',
    async run(): Promise<JobSummary> {
      let retried = 0;
      let parked = 0;
      const runStarted = new Date(options.now());
      while (retried + parked < options.maxPerRun) {
        const now = new Date(options.now());
        const page = await deadLetters.due(runStarted, Math.min(options.pageSize, options.maxPerRun - retried - parked));
        if (page.length === 0) break;
        const exhausted = page.filter((entry) => entry.attempts >= options.maxAttempts);
        const retry = page.filter((entry) => entry.attempts < options.maxAttempts);
        if (exhausted.length > 0) await deadLetters.park(exhausted.map((entry) => entry._id), now);
        if (retry.length > 0) {
          // Count the attempt before the record is back on the topic: once it is, the consumer
          // writes the outcome onto the same entry, and FerretDB loses one of two concurrent
          // updates of a document.
          await deadLetters.scheduleNext(
            retry.map((entry) => ({
              id: entry._id,
              attempts: entry.attempts + 1,
              nextAttemptAt: new Date(now.getTime() + nextAttemptDelaySeconds(entry.attempts, options.backoffSeconds) * 1000),
            })),
            now,
          );
          await publisher.republish(retry);
        }
        retried += retry.length;
        parked += exhausted.length;
      }
      return { items: retried + parked, retried, parked };
    },
  };
}
