import { connectMongo, dayOf } from '@attendance/common';
import type { ProgressReporter } from '../shared/progress.ts';
import { silentReporter } from '../shared/progress.ts';
import { pollUntil } from '../shared/poll-until.ts';
import type { LatencySummary } from './latency.ts';
import { mixAround, mixTotal, shuffledKinds, splitTotal, temperatureOf, type MixShares, type WaveMix } from './request-mix.ts';
import { runBatches } from './run-batches.ts';
import { countByAnswer, RunLedger, type RunExpectation, type WaveName } from './run-ledger.ts';
import { retryUnsettled } from './retry-unsettled.ts';
import { runLoad, type BodySource, type LoadOptions } from './run-waves.ts';
import { selectStudents, type Student } from './select-students.ts';
import { startBaseline } from './start-baseline.ts';
import { verifyPersistence, type VerificationResult } from './verify-persistence.ts';
import { waitForPersistence } from './wait-for-persistence.ts';
import { WavePlan } from './wave-plan.ts';
import { answersByKind, type WaveSummary } from './wave-summary.ts';

export interface BenchmarkOptions {
  /** attendance-service base URL. */
  url: string;
  /** dashboard-service base URL: checked for readiness, and its `/stats/today` is included in the report. */
  dashboardUrl?: string;
  /** The platform's database (the dashboard's `MONGO_URL`): roster in, attendances and reports out. */
  mongoUrl: string;
  /** The platform's `ATTENDANCE_TIMEZONE`: decides which day a record counts for. */
  timeZone: string;
  /** Only students of the first N schools. */
  schools?: number;
  /** At most this many students. */
  limit?: number;
  /** Records per wave (duplicates and invalid ones included); one request each, or batched with `batch`. */
  count?: number;
  /** Seconds per wave (requests mode), when no count is given. */
  durationSeconds?: number;
  connections: number;
  /** Target requests per second over all connections. */
  rate?: number;
  shares: MixShares;
  /** Replay through `POST /attendances/batch` instead of single requests. */
  batch?: { size: number; concurrency: number };
  /** Also load a bare Express app with the same requests and compare. */
  baseline?: boolean;
  /** How long to wait for the consumer to store every accepted record. */
  drainTimeoutMs?: number;
  /** Device semantics: after each wave, retry what got no answer or a 5xx until it is settled. */
  retry?: boolean;
  reporter?: ProgressReporter;
}

export interface BaselineComparison {
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  /** The morning wave's (check-in path) rate divided by the bare app's. */
  ratio: number;
}

export interface BenchmarkReport {
  ok: boolean;
  startedAt: string;
  target: { url: string; dashboardUrl?: string; database: string; timeZone: string; day: string };
  load: { mode: 'requests' | 'batch'; connections: number; rate?: number; count?: number; durationSeconds?: number; duplicates: number; invalid: number; batchSize?: number; batchConcurrency?: number };
  selection: { students: number; schools: number | 'all'; skippedAlreadyCheckedIn: number };
  waves: WaveSummary[];
  baseline?: BaselineComparison;
  persistence: { accepted: number; complete: boolean; pending: number; lastAcceptedAt?: string; settledAt: string; msFromLast202?: number };
  verification: VerificationResult;
  dashboardStatsToday?: unknown;
  notes: string[];
}

/** Students when neither --count nor --limit bounds the run: enough for a 10 s wave at ~10,000 requests/s. */
export const DEFAULT_STUDENT_LIMIT = 100_000;
const DEFAULT_DURATION_SECONDS = 10;
const DEFAULT_DRAIN_TIMEOUT_MS = 120_000;
/** After every record is visible, how long reports (written right after attendances) may take to catch up. */
const REPORTS_SETTLE_MS = 30_000;

async function assertReady(name: string, url: string): Promise<void> {
  const response = await fetch(`${url}/readyz`).catch((err: unknown) => {
    throw new Error(`${name} at ${url} does not answer: ${(err as Error).message}`);
  });
  if (response.status !== 200) throw new Error(`${name} at ${url} is not ready (${response.status}): ${await response.text()}`);
}

function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

interface WaveContext {
  options: BenchmarkOptions;
  reporter: ProgressReporter;
  ledger: RunLedger;
}

/** Runs one wave (single requests or batches) and summarises it from the ledger. */
async function runWave(context: WaveContext, wave: WaveName, students: Student[], mix: WaveMix): Promise<WaveSummary> {
  const { options, reporter, ledger } = context;
  const plan = new WavePlan(wave, wave === 'morning' ? 'checkin' : 'checkout', students, shuffledKinds(mix, Math.random), ledger);
  const progress = reporter.progress(wave, plan.total, 'records');
  try {
    if (options.batch) {
      const result = await runBatches({ url: options.url, batchSize: options.batch.size, concurrency: options.batch.concurrency }, plan, ledger, progress);
      const records = ledger.wave(wave);
      return {
        wave,
        mode: 'batch',
        records: result.records,
        answered: result.answered,
        durationSeconds: result.durationSeconds,
        requestsPerSecond: Math.round((result.batches / Math.max(result.durationSeconds, 0.001)) * 10) / 10,
        recordsPerSecond: result.recordsPerSecond,
        latencyMs: result.latencyMs,
        answers: countByAnswer(records),
        byKind: answersByKind(records),
        errors: result.failedBatches,
        batches: result.batches,
      };
    }
    const next: BodySource = () => {
      const planned = plan.take();
      return planned && { body: planned.body, onAnswer: (status, body) => ledger.answerWithBody(planned.record, status, body) };
    };
    const load: LoadOptions = {
      url: `${options.url}/attendances`,
      connections: options.connections,
      amount: plan.total,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(options.count === undefined ? { durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS } : {}),
    };
    const result = await runLoad(load, next, progress);
    const records = ledger.wave(wave);
    return {
      wave,
      mode: 'requests',
      records: result.sent,
      answered: result.answered,
      durationSeconds: result.durationSeconds,
      requestsPerSecond: result.requestsPerSecond,
      recordsPerSecond: result.requestsPerSecond,
      latencyMs: result.latencyMs,
      answers: countByAnswer(records),
      byKind: answersByKind(records),
      errors: result.errors,
      stoppedByDuration: result.stoppedByDuration,
      ...(load.durationSeconds !== undefined && !result.stoppedByDuration ? { ranOutOfStudents: true } : {}),
    };
  } finally {
    progress.stop();
  }
}

/** The same load against a bare Express app (same connections, rate, amount or duration, same body shape). */
async function runBaseline(options: BenchmarkOptions, reporter: ProgressReporter, students: Student[], amount: number): Promise<{ requestsPerSecond: number; latencyMs: LatencySummary }> {
  const server = await startBaseline();
  const progress = reporter.progress('baseline', amount, 'requests');
  try {
    const next: BodySource = () => {
      const student = students[Math.floor(Math.random() * students.length)] as Student;
      return { body: JSON.stringify({ type: 'checkin', ...student, timestamp: Date.now(), temperature: temperatureOf(Math.random) }), onAnswer: () => undefined };
    };
    const result = await runLoad(
      {
        url: `${server.url}/attendances`,
        connections: options.connections,
        amount,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
        ...(options.count === undefined ? { durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS } : {}),
      },
      next,
      progress,
    );
    return { requestsPerSecond: result.requestsPerSecond, latencyMs: result.latencyMs };
  } finally {
    progress.stop();
    await server.stop();
  }
}

/**
 * The whole benchmark: picks seeded students not yet checked in today, sends
 * a morning wave of check-ins and an afternoon wave of check-outs (with
 * duplicates and invalid bodies mixed in), records every answer, waits until
 * the consumer has stored every accepted record, and verifies MongoDB holds
 * exactly those and that the reports add up. Returns the report and what the
 * run expects to be stored, so a caller can verify again later.
 *
 * Throws when a service is not ready or there is no student to use;
 * a failed verification is `report.ok === false`, not an exception.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<{ report: BenchmarkReport; expectation: RunExpectation }> {
  const reporter = options.reporter ?? silentReporter;
  const startedAt = new Date();
  const notes: string[] = [];
  await assertReady('attendance-service', options.url);
  if (options.dashboardUrl !== undefined) await assertReady('dashboard-service', options.dashboardUrl);

  const { client, db } = await connectMongo(options.mongoUrl);
  try {
    const day = dayOf(Date.now(), options.timeZone);
    const planned = options.count === undefined ? undefined : splitTotal(options.count, options.shares);
    const limit = Math.min(planned?.valid ?? Infinity, options.limit ?? (planned ? Infinity : DEFAULT_STUDENT_LIMIT));
    const selection = await selectStudents(db, { ...(options.schools === undefined ? {} : { schools: options.schools }), limit, day });
    if (selection.students.length === 0) {
      throw new Error(`no student to use in ${db.databaseName}: seed a roster first (pnpm seed)${selection.skippedAlreadyCheckedIn > 0 ? `; all ${selection.skippedAlreadyCheckedIn} selected students already checked in today` : ''}`);
    }
    if (selection.skippedAlreadyCheckedIn > 0) notes.push(`skipped ${selection.skippedAlreadyCheckedIn} students already checked in today (${day})`);
    const students = shuffle(selection.students);
    const morningMix = planned && planned.valid === students.length ? planned : mixAround(students.length, options.shares);
    if (planned && planned.valid !== students.length) notes.push(`only ${students.length} students available: the morning wave sends ${mixTotal(morningMix)} records instead of ${options.count}`);

    let baseline: BaselineComparison | undefined;
    let baselineRun: { requestsPerSecond: number; latencyMs: LatencySummary } | undefined;
    if (options.baseline && options.batch) notes.push('--baseline compares single requests; skipped in batch mode');
    else if (options.baseline) baselineRun = await runBaseline(options, reporter, students, mixTotal(morningMix));

    const ledger = new RunLedger();
    const context: WaveContext = { options, reporter, ledger };
    const waves: WaveSummary[] = [await runWave(context, 'morning', students, morningMix)];
    if (options.retry) notes.push(`--retry: ${await retryUnsettled(options.url, ledger, 'morning', options.connections, reporter)} morning records retried until settled`);
    const checkedIn = [...new Map(ledger.acceptedCheckIns.map((record) => [record.userId, { userId: record.userId, schoolId: record.schoolId }])).values()];
    if (checkedIn.length === 0) notes.push('no check-in was accepted: no afternoon wave');
    else waves.push(await runWave(context, 'afternoon', shuffle(checkedIn), mixAround(checkedIn.length, options.shares)));
    if (options.retry && checkedIn.length > 0) notes.push(`--retry: ${await retryUnsettled(options.url, ledger, 'afternoon', options.connections, reporter)} afternoon records retried until settled`);
    if (baselineRun && waves[0]) baseline = { ...baselineRun, ratio: Math.round((waves[0].requestsPerSecond / Math.max(baselineRun.requestsPerSecond, 1)) * 1000) / 1000 };

    const expectation = ledger.expectation(options.timeZone);
    const drainProgress = reporter.progress('stored', expectation.accepted.length, 'records');
    const wait = await waitForPersistence(db, expectation.accepted, { timeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS, progress: drainProgress }).finally(() => drainProgress.stop());
    const { value: verification } = await pollUntil(
      () => verifyPersistence(db, expectation),
      (result) => result.ok,
      { timeoutMs: wait.complete ? REPORTS_SETTLE_MS : 0, intervalMs: 500 },
    );

    let dashboardStatsToday: unknown;
    if (options.dashboardUrl !== undefined) {
      dashboardStatsToday = await fetch(`${options.dashboardUrl}/stats/today`)
        .then((response): Promise<unknown> => response.json())
        .catch((err: unknown) => ({ error: (err as Error).message }));
    }

    const report: BenchmarkReport = {
      ok: verification.ok,
      startedAt: startedAt.toISOString(),
      target: { url: options.url, ...(options.dashboardUrl === undefined ? {} : { dashboardUrl: options.dashboardUrl }), database: db.databaseName, timeZone: options.timeZone, day },
      load: {
        mode: options.batch ? 'batch' : 'requests',
        connections: options.connections,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
        ...(options.count === undefined ? {} : { count: options.count }),
        ...(options.count === undefined && !options.batch ? { durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS } : {}),
        duplicates: options.shares.duplicates,
        invalid: options.shares.invalid,
        ...(options.batch ? { batchSize: options.batch.size, batchConcurrency: options.batch.concurrency } : {}),
      },
      selection: { students: students.length, schools: selection.schoolIds === 'all' ? 'all' : selection.schoolIds.length, skippedAlreadyCheckedIn: selection.skippedAlreadyCheckedIn },
      waves,
      ...(baseline ? { baseline } : {}),
      persistence: {
        accepted: expectation.accepted.length,
        complete: wait.complete,
        pending: wait.pending,
        ...(ledger.lastAcceptedAt > 0 ? { lastAcceptedAt: new Date(ledger.lastAcceptedAt).toISOString() } : {}),
        settledAt: new Date(wait.settledAt).toISOString(),
        ...(wait.complete && ledger.lastAcceptedAt > 0 ? { msFromLast202: wait.settledAt - ledger.lastAcceptedAt } : {}),
      },
      verification,
      ...(dashboardStatsToday === undefined ? {} : { dashboardStatsToday }),
      notes,
    };
    return { report, expectation };
  } finally {
    await client.close();
  }
}
