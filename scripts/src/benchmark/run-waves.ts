import autocannon from 'autocannon';
import type { Progress } from '../shared/progress.ts';
import type { LatencySummary } from './latency.ts';

/** One request the load generator is about to send, and what to do with its answer. */
export interface PlannedBody {
  body: string;
  /** The device key the body is signed with (`Authorization: Bearer`), if any. */
  key?: string;
  onAnswer(status: number, body: string): void;
}

/** Where a wave's bodies come from: undefined once there is nothing left to send. */
export type BodySource = () => PlannedBody | undefined;

export interface LoadOptions {
  /** The endpoint, e.g. `http://127.0.0.1:8080/attendances`. */
  url: string;
  connections: number;
  /** Requests per second over all connections (autocannon `overallRate`); unlimited when absent. */
  rate?: number;
  /** How many requests at most: the wave's plan. */
  amount: number;
  /** Stop after this many seconds even if the plan is not used up. */
  durationSeconds?: number;
}

export interface LoadResult {
  sent: number;
  answered: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  /** Connection errors, timeouts included (their requests have no answer). */
  errors: number;
  timeouts: number;
  /** True when `durationSeconds` ended the wave before its plan was used up. */
  stoppedByDuration: boolean;
}

/**
 * Fires one wave with autocannon. Every body comes from `next` through
 * `setupRequest`, and every answer goes back to the body's own `onAnswer`
 * through `onResponse`, so the caller knows exactly which records were
 * accepted. Pipelining stays 1: with one request in flight per connection,
 * autocannon's per-connection `context` identifies the request an answer
 * belongs to.
 *
 * `amount` is always set to the plan's size (autocannon ignores its own
 * duration then), and a timed wave is stopped by our own timer, so a wave
 * never asks for more bodies than it has students for.
 */
export function runLoad(options: LoadOptions, next: BodySource, progress: Progress): Promise<LoadResult> {
  const pending = new WeakMap<object, PlannedBody>();
  let sent = 0;
  let answered = 0;
  let stoppedByDuration = false;
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const request: autocannon.Request = {
    setupRequest: (request, context) => {
      const planned = next();
      // Cannot happen with amount = plan size; an empty body (a 400) keeps autocannon going if it ever did.
      if (!planned) return { ...request, body: '{}' };
      sent += 1;
      pending.set(context, planned);
      return { ...request, headers: { 'content-type': 'application/json', ...(planned.key ? { authorization: `Bearer ${planned.key}` } : {}) }, body: planned.body };
    },
    onResponse: (status, body, context) => {
      answered += 1;
      lastAnswerAt = performance.now();
      pending.get(context)?.onAnswer(status, body);
      pending.delete(context);
      progress.update(answered);
    },
  };
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections: Math.max(1, Math.min(options.connections, options.amount)),
        pipelining: 1,
        amount: options.amount,
        // autocannon notices stop() on its next sample tick: every 100 ms instead of every second keeps a timed wave close to its duration.
        sampleInt: 100,
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        requests: [request],
      },
      (err: unknown, result) => {
        clearTimeout(timer);
        if (err) {
          reject(err instanceof Error ? err : new Error(`autocannon failed: ${JSON.stringify(err)}`));
          return;
        }
        // autocannon's own duration ends on its next one-second tick; the last answer is when the wave's work ended.
        const durationSeconds = (lastAnswerAt - startedAt) / 1000;
        resolve({
          sent,
          answered,
          durationSeconds: Math.round(durationSeconds * 1000) / 1000,
          requestsPerSecond: Math.round(answered / Math.max(durationSeconds, 0.001)),
          latencyMs: { mean: result.latency.mean, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
          errors: result.errors,
          timeouts: result.timeouts,
          stoppedByDuration: stoppedByDuration && sent < options.amount,
        });
      },
    );
    if (options.durationSeconds !== undefined) {
      timer = setTimeout(() => {
        stoppedByDuration = true;
        instance.stop();
      }, options.durationSeconds * 1000);
    }
  });
}
