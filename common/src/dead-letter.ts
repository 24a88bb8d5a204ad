/**
 * The dead-letter queue (`dlq` collection): records the consumer could not
 * store. Written by dashboard-service, retried and parked by tasks.
 */
export type DeadLetterStatus = 'pending' | 'parked' | 'resolved';

export interface DeadLetter {
  /** `topic:partition:offset` of the message that failed. */
  _id: string;
  /** The original record (or the raw text when it was not JSON). */
  record: unknown;
  error: { code: string; message: string; details?: unknown };
  source: { topic: string; partition: number; offset: number };
  attempts: number;
  status: DeadLetterStatus;
  createdAt: Date;
  updatedAt: Date;
  /** When the retry job may try it next. */
  nextAttemptAt: Date;
  resolvedAt?: Date;
  /** When a retried record last failed again (its error is then the new one). */
  lastFailedAt?: Date;
  parkedAt?: Date;
}

export const DEAD_LETTER_COLLECTION = 'dlq';

/** Kafka header the retry job puts on a republished record, naming its dead-letter entry. */
export const DEAD_LETTER_HEADER = 'dlq-id';
