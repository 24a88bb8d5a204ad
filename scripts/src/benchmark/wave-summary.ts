import type { LatencySummary } from './latency.ts';
import type { ServerLatency } from './server-latency.ts';
import type { RequestKind } from './request-mix.ts';
import { countByAnswer, type SentRecord, type StatusCounts, type WaveName } from './run-ledger.ts';

/** What one wave did, as printed and written to the results file. */
export interface WaveSummary {
  wave: WaveName;
  mode: 'requests' | 'batch';
  /** Records sent (one per request, or up to 1,000 per batch request). */
  records: number;
  answered: number;
  durationSeconds: number;
  /** HTTP requests per second (batch requests in batch mode). */
  requestsPerSecond: number;
  recordsPerSecond: number;
  /** Per HTTP request, as the load generator saw it. */
  latencyMs: LatencySummary;
  /** The same requests as attendance-service timed them (its histogram; absent when `/metrics` did not answer). */
  serverLatency?: ServerLatency;
  /** How late the load generator's own event loop ran during the wave: added to every answer it was waiting for. */
  generatorDelayMs?: { p99: number; max: number };
  /** Records by answer: `202`, `409 already-checked-in`, `400 validation-failed`, `no answer`. */
  answers: StatusCounts;
  byKind: Partial<Record<RequestKind, StatusCounts>>;
  /** Connection errors and timeouts (requests mode). */
  errors: number;
  /** Batch requests sent (batch mode). */
  batches?: number;
  /** The duration ended the wave before every planned record was sent. */
  stoppedByDuration?: boolean;
  /** All planned records were sent before the duration was up: more students would have kept it going. */
  ranOutOfStudents?: boolean;
}

const KINDS: RequestKind[] = ['valid', 'duplicate', 'invalid'];

/** Answers per kind of request (in that order), leaving out kinds the wave did not send. */
export function answersByKind(records: SentRecord[]): Partial<Record<RequestKind, StatusCounts>> {
  const byKind: Partial<Record<RequestKind, StatusCounts>> = {};
  for (const kind of KINDS) {
    const ofKind = records.filter((record) => record.kind === kind);
    if (ofKind.length > 0) byKind[kind] = countByAnswer(ofKind);
  }
  return byKind;
}
