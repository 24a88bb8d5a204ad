import type { Progress } from '../shared/progress.ts';
import { summariseLatency, type LatencySummary } from './latency.ts';
import type { RunLedger } from './run-ledger.ts';
import type { PlannedRequest, WavePlan } from './wave-plan.ts';

export interface BatchOptions {
  /** The platform's base URL; batches go to `/attendances/batch`. */
  url: string;
  /** Records per request (the service takes at most 1,000). */
  batchSize: number;
  /** Batch requests in flight at once. */
  concurrency: number;
  /** Device key by school: a batch holds one school's records, signed with its key. */
  keyOf: (schoolId: string) => string | undefined;
}

export interface BatchResult {
  batches: number;
  records: number;
  answered: number;
  durationSeconds: number;
  recordsPerSecond: number;
  /** Per batch request. */
  latencyMs: LatencySummary;
  /** Requests that got no usable answer (network error): their records stay unanswered. */
  failedBatches: number;
}

interface BatchItem {
  index: number;
  status: number;
  id?: string;
  error?: string;
}

function itemsOf(body: unknown): BatchItem[] | undefined {
  const results = typeof body === 'object' && body !== null ? (body as { results?: unknown }).results : undefined;
  return Array.isArray(results) ? (results as BatchItem[]) : undefined;
}

async function postBatch(url: string, key: string | undefined, planned: PlannedRequest[], ledger: RunLedger): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(`${url}/attendances/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: `{"records":[${planned.map((request) => request.body).join(',')}]}`,
    });
  } catch {
    return false;
  }
  const at = Date.now();
  const body: unknown = await response.json().catch(() => undefined);
  const items = itemsOf(body);
  if (items) {
    for (const item of items) {
      const record = planned[item.index]?.record;
      if (record) ledger.answer(record, item.status, { ...(item.id === undefined ? {} : { id: item.id }), ...(item.error === undefined ? {} : { error: item.error }) }, at);
    }
    return true;
  }
  // The whole batch was refused (400, 413, ...): none of its records was taken.
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  for (const { record } of planned) ledger.answer(record, response.status, typeof error === 'string' ? { error } : {}, at);
  return true;
}

/**
 * Replays a wave through `POST /attendances/batch`, the path devices use
 * after being offline: `concurrency` requests of `batchSize` records in
 * flight. Each record's own result (status and id) goes into the ledger.
 */
export async function runBatches(options: BatchOptions, plan: WavePlan, ledger: RunLedger, progress: Progress): Promise<BatchResult> {
  const startedAt = Date.now();
  const latencies: number[] = [];
  let records = 0;
  let failedBatches = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const planned: PlannedRequest[] = [];
      while (planned.length < options.batchSize) {
        const request = plan.take();
        if (!request) break;
        planned.push(request);
      }
      if (planned.length === 0) return;
      records += planned.length;
      // A device posts its own school's records only: one request per school in the chunk.
      const bySchool = new Map<string, PlannedRequest[]>();
      for (const request of planned) {
        const group = bySchool.get(request.record.schoolId);
        if (group) group.push(request);
        else bySchool.set(request.record.schoolId, [request]);
      }
      for (const [schoolId, group] of bySchool) {
        const sentAt = performance.now();
        if (!(await postBatch(options.url, options.keyOf(schoolId), group, ledger))) failedBatches += 1;
        latencies.push(performance.now() - sentAt);
      }
      progress.update(records);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const durationSeconds = (Date.now() - startedAt) / 1000;
  return {
    batches: latencies.length,
    records,
    answered: ledger.wave(plan.wave).filter((record) => record.status !== undefined).length,
    durationSeconds,
    recordsPerSecond: Math.round(records / Math.max(durationSeconds, 0.001)),
    latencyMs: summariseLatency(latencies),
    failedBatches,
  };
}
