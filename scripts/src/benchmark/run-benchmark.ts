import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectMongo } from '@attendance/common/mongo';
import { addDays, dayOf } from '@attendance/common/records';
import { connectRedis, stateLocation } from '@attendance/common/redis';
import type { ProgressReporter } from '../shared/progress.ts';
import { silentReporter } from '../shared/progress.ts';
import { pollUntil } from '../shared/poll-until.ts';
import type { LatencySummary } from './latency.ts';
import { mixAround, mixTotal, shuffledKinds, splitTotal, temperatureOf, type MixShares, type WaveMix } from './request-mix.ts';
import { runBatches } from './run-batches.ts';
import { startLagSampler, LAG_SAMPLE_INTERVAL_MS, type LagSample, type LagSampler } from './consumer-lag.ts';
import { cpuBetween, cpuSnapshot, type CpuSnapshot, type CpuUse } from './process-cpu.ts';
import { countByAnswer, RunLedger, type RunExpectation, type WaveName } from './run-ledger.ts';
import { retryUnsettled } from './retry-unsettled.ts';
import { runLoad, type BodySource, type LoadOptions } from './run-waves.ts';
import { selectStudents, type Student } from './select-students.ts';
import { startBaseline } from './start-baseline.ts';
import { latencyBetween, readCheckInHistogram } from './server-latency.ts';
import { verifyPersistence, type VerificationResult } from './verify-persistence.ts';
import { MAX_WATCHED_SCHOOLS, VisibleLagProbe, type VisibleLag } from './visible-lag.ts';
import { countedOnDays, waitForCount, waitForDocuments, type DayCounter, type PersistenceWait } from './wait-for-persistence.ts';
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
  /** Schools whose `GET /schools/:id` is polled to time the lag a dashboard user sees (at most 20; 0 or absent: not measured). */
  visibleLagSchools?: number;
  /** Where to read the consumer group's lag every 10 s (broker offsets minus the group's committed offsets). */
  kafka?: { brokers: string[]; topic: string; groupId: string };
  /** The stack's state directory (`.stack`): pid files of the services and engines whose CPU time is read from /proc. */
  stateDir?: string;
  /** The platform's Redis and key prefix: which students are checked in today (without it, read from `attendances`, school by school). */
  redis?: { url: string; prefix: string };
  /** Device semantics: after each wave, retry what got no answer or a 5xx until it is settled. */
  retry?: boolean;
  /** Device keys by school (every request is signed with its school's key) and an admin token for the dashboard: what `pnpm seed` wrote. */
  credentials?: { devices: Record<string, string>; admin?: string };
  reporter?: ProgressReporter;
}

/** CPU seconds each process used during one phase of the run. */
export interface PhaseCpu {
  phase: WaveName | 'drain';
  /** Records the phase is divided by: the wave's answered records, or for the drain every accepted one. */
  records: number;
  seconds: number;
  uses: CpuUse[];
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
  selection: { students: number; schools: number | 'all'; how: 'spread' | 'roster-order'; skippedAlreadyCheckedIn: number };
  waves: WaveSummary[];
  baseline?: BaselineComparison;
  persistence: { accepted: number; complete: boolean; pending: number; by: 'partition-reports' | 'documents'; lastAcceptedAt?: string; settledAt: string; msFromLast202?: number };
  verification: VerificationResult;
  /** From a 202 to its count in `GET /schools/:id`, for every accepted record of a few schools. */
  visibleLag?: VisibleLag & { complete: boolean };
  /** The consumer group's lag sampled from the broker every 10 s from the first wave to full persistence. */
  consumerLag?: { intervalSeconds: number; max?: number; samples: LagSample[] };
  cpu?: PhaseCpu[];
  dashboardStatsToday?: unknown;
  notes: string[];
}

/** Students when neither --count nor --limit bounds the run: enough for a 10 s wave at ~10,000 requests/s. */
export const DEFAULT_STUDENT_LIMIT = 100_000;
const DEFAULT_DURATION_SECONDS = 10;
const DEFAULT_DRAIN_TIMEOUT_MS = 120_000;
/** After every record is visible, how long reports (written right after attendances) may take to catch up. */
const REPORTS_SETTLE_MS = 30_000;

const keyOf =
  (options: BenchmarkOptions) =>
  (schoolId: string): string | undefined =>
    options.credentials?.devices[schoolId];

type Redis = Awaited<ReturnType<typeof connectRedis>>;

/** Whether each student holds a check-in of `day` in the platform's Redis state (pending or confirmed: either answers a second one 409 or 503). */
const checkedInToday =
  (redis: Redis, prefix: string, day: string) =>
  async (students: Student[]): Promise<boolean[]> => {
    const pipeline = redis.pipeline();
    for (const { userId } of students) {
      const { key, field } = stateLocation(prefix, day, userId);
      pipeline.hexists(key, field);
    }
    const answers = (await pipeline.exec()) ?? [];
    return answers.map(([error, held]) => {
      if (error) throw error;
      return held === 1;
    });
  };

/**
 * Waits until attendance-service knows the run's device keys (it reads them
 * every couple of seconds, and a fresh seed has just made them): a body
 * without a school answers 400 with a known key and 401 with an unknown one,
 * and stores nothing either way.
 */
async function waitForDeviceKeys(url: string, keys: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const key of keys) {
    const status = () => fetch(`${url}/attendances`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{}' }).then((response) => response.status);
    if (!(await pollUntil(status, (answer) => answer !== 401, { timeoutMs: Math.max(0, deadline - Date.now()) })).done) {
      throw new Error(`attendance-service at ${url} does not know the device keys: run pnpm seed against the database it reads (MONGO_URL)`);
    }
  }
}

/** Waits until dashboard-service knows the admin token (it reads tokens every couple of seconds too). */
async function waitForStaffToken(dashboardUrl: string, token: string, timeoutMs = 15_000): Promise<void> {
  const status = () => fetch(`${dashboardUrl}/stats/today`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.status);
  if (!(await pollUntil(status, (answer) => answer !== 401, { timeoutMs })).done) {
    throw new Error(`dashboard-service at ${dashboardUrl} does not know the admin token: run pnpm seed against the database it reads (MONGO_URL)`);
  }
}

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

/** A wave's summary: the load's own figures, and its records' answers by status and by kind from the ledger. */
function summarise(ledger: RunLedger, wave: WaveName, figures: Omit<WaveSummary, 'wave' | 'answers' | 'byKind'>): WaveSummary {
  const records = ledger.wave(wave);
  return { wave, ...figures, answers: countByAnswer(records), byKind: answersByKind(records) };
}

/**
 * Runs one wave and adds what attendance-service measured of it and how late
 * the load generator's own event loop ran (the two share the machine).
 */
async function runWave(context: WaveContext, wave: WaveName, students: Student[], mix: WaveMix): Promise<WaveSummary> {
  const before = await readCheckInHistogram(context.options.url);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const summary = await runWaveLoad(context, wave, students, mix).finally(() => delay.disable());
  const serverLatency = latencyBetween(before, await readCheckInHistogram(context.options.url));
  const ms = (nanoseconds: number): number => Math.round(nanoseconds / 1e5) / 10;
  return { ...summary, ...(serverLatency ? { serverLatency } : {}), generatorDelayMs: { p99: ms(delay.percentile(99)), max: ms(delay.max) } };
}

/** Runs one wave (single requests or batches) and summarises it from the ledger. */
async function runWaveLoad(context: WaveContext, wave: WaveName, students: Student[], mix: WaveMix): Promise<WaveSummary> {
  const { options, reporter, ledger } = context;
  const plan = new WavePlan(wave, wave === 'morning' ? 'checkin' : 'checkout', students, shuffledKinds(mix, Math.random), ledger);
  const progress = reporter.progress(wave, plan.total, 'records');
  try {
    if (options.batch) {
      const result = await runBatches({ url: options.url, batchSize: options.batch.size, concurrency: options.batch.concurrency, keyOf: keyOf(options) }, plan, ledger, progress);
      return summarise(ledger, wave, {
        mode: 'batch',
        records: result.records,
        answered: result.answered,
        durationSeconds: result.durationSeconds,
        requestsPerSecond: Math.round((result.batches / Math.max(result.durationSeconds, 0.001)) * 10) / 10,
        recordsPerSecond: result.recordsPerSecond,
        latencyMs: result.latencyMs,
        errors: result.failedBatches,
        batches: result.batches,
      });
    }
    const next: BodySource = () => {
      const planned = plan.take();
      const key = planned && options.credentials?.devices[planned.record.schoolId];
      return planned && { body: planned.body, ...(key ? { key } : {}), onAnswer: (status, body) => ledger.answerWithBody(planned.record, status, body) };
    };
    const load: LoadOptions = {
      url: `${options.url}/attendances`,
      connections: options.connections,
      amount: plan.total,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(options.count === undefined ? { durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS } : {}),
    };
    const result = await runLoad(load, next, progress);
    return summarise(ledger, wave, {
      mode: 'requests',
      records: result.sent,
      answered: result.answered,
      durationSeconds: result.durationSeconds,
      requestsPerSecond: result.requestsPerSecond,
      recordsPerSecond: result.requestsPerSecond,
      latencyMs: result.latencyMs,
      errors: result.errors,
      stoppedByDuration: result.stoppedByDuration,
      ...(load.durationSeconds !== undefined && !result.stoppedByDuration ? { ranOutOfStudents: true } : {}),
    });
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
      // The same Authorization header as the real run: the bare app ignores it, but parses the same bytes.
      const key = options.credentials?.devices[student.schoolId];
      return { body: JSON.stringify({ type: 'checkin', ...student, timestamp: Date.now(), temperature: temperatureOf(Math.random) }), ...(key ? { key } : {}), onAnswer: () => undefined };
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

interface Watching {
  probe?: VisibleLagProbe;
  lag?: LagSampler;
  /** Filled by stop(). */
  lagSamples?: LagSample[];
  cpu(): CpuSnapshot | undefined;
  cpuPhase(phase: PhaseCpu['phase'], before: CpuSnapshot | undefined, records: number, after?: CpuSnapshot): PhaseCpu | undefined;
  stop(): Promise<void>;
}

function maxLag(samples: LagSample[]): { max?: number } {
  const lags = samples.flatMap((sample) => (sample.lag === undefined ? [] : [sample.lag]));
  return lags.length > 0 ? { max: Math.max(...lags) } : {};
}

/**
 * Starts what watches the platform during the waves, each only when asked
 * for: the dashboard probe (on the schools of the first selected students,
 * i.e. a random sample), the consumer-lag sampler, and CPU snapshots.
 * A watcher that cannot start is a note, not a failed run.
 */
async function startWatching(options: BenchmarkOptions, students: Student[], notes: string[]): Promise<Watching> {
  const watching: Watching = {
    cpu: () => (options.stateDir === undefined ? undefined : cpuSnapshot(options.stateDir)),
    cpuPhase: (phase, before, records, after = watching.cpu()) => {
      if (!before || !after) return undefined;
      const uses = cpuBetween(before, after, records);
      return { phase, records, seconds: Math.round(uses.reduce((sum, use) => sum + use.seconds, 0) * 100) / 100, uses };
    },
    stop: async () => {
      await watching.probe?.stop();
      if (watching.lag) watching.lagSamples = await watching.lag.stop();
    },
  };
  const schools = Math.min(options.visibleLagSchools ?? 0, MAX_WATCHED_SCHOOLS);
  if (schools > 0 && options.dashboardUrl !== undefined) {
    const schoolIds = [...new Set(students.map((student) => student.schoolId))].slice(0, schools);
    watching.probe = new VisibleLagProbe(options.dashboardUrl, schoolIds, options.credentials?.admin);
    await watching.probe.start();
  }
  if (options.kafka) {
    try {
      watching.lag = await startLagSampler(options.kafka);
    } catch (err) {
      notes.push(`consumer lag not sampled: the broker did not answer (${(err as Error).message})`);
    }
  }
  return watching;
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
  if (options.credentials) {
    const keys = Object.values(options.credentials.devices);
    await waitForDeviceKeys(options.url, [keys[0], keys.at(-1)].filter((key): key is string => key !== undefined));
    if (options.dashboardUrl !== undefined && options.credentials.admin) await waitForStaffToken(options.dashboardUrl, options.credentials.admin);
  }
  if (options.dashboardUrl !== undefined) await assertReady('dashboard-service', options.dashboardUrl);

  const { client, db } = await connectMongo(options.mongoUrl);
  try {
    const day = dayOf(Date.now(), options.timeZone);
    const planned = options.count === undefined ? undefined : splitTotal(options.count, options.shares);
    // A timed wave at a fixed rate needs rate x duration students (450,000 for 1,500/s over 5 minutes).
    const timedNeed = options.rate !== undefined && options.count === undefined ? options.rate * (options.durationSeconds ?? DEFAULT_DURATION_SECONDS) : 0;
    const limit = Math.min(planned?.valid ?? Infinity, options.limit ?? (planned ? Infinity : Math.max(DEFAULT_STUDENT_LIMIT, timedNeed)));
    const redis = options.redis === undefined ? undefined : { client: await connectRedis(options.redis.url), prefix: options.redis.prefix };
    const selection = await selectStudents(db, {
      ...(options.schools === undefined ? {} : { schools: options.schools }),
      limit,
      day,
      progress: (total) => reporter.progress('students', total, 'schools'),
      ...(redis ? { checkedIn: checkedInToday(redis.client, redis.prefix, day) } : {}),
    }).finally(() => redis?.client.quit());
    if (selection.how === 'roster-order') {
      notes.push('the seed has not described this roster (seed_info): students taken in roster order, school by school, so few schools send and their devices meet the rate limit; run pnpm seed (or pnpm seed --credentials-only with the flags it was seeded with)');
    }
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
    const watched = await startWatching(options, students, notes);
    // The consumer's count of today before the run, so the drain can be timed from the partition reports.
    const partitions = watched.lag?.partitions ?? 0;
    const days = [day, addDays(day, 1)];
    const counter: DayCounter | undefined = partitions > 0 ? { days, partitions, before: await countedOnDays(db, days, partitions) } : undefined;
    const cpu: PhaseCpu[] = [];
    let waves: WaveSummary[] = [];
    let wait: PersistenceWait;
    let expectation: RunExpectation;
    let visibleComplete = false;
    try {
      const timedWave = async (wave: WaveName, waveStudents: Student[], mix: WaveMix): Promise<WaveSummary> => {
        watched.lag?.phase(wave);
        const before = watched.cpu();
        const summary = await runWave(context, wave, waveStudents, mix);
        const phase = watched.cpuPhase(wave, before, summary.answered);
        if (phase) cpu.push(phase);
        return summary;
      };
      waves = [await timedWave('morning', students, morningMix)];
      if (options.retry) notes.push(`--retry: ${await retryUnsettled(options.url, keyOf(options), ledger, 'morning', options.connections, reporter)} morning records retried until settled`);
      const checkedIn = [...new Map(ledger.acceptedCheckIns.map((record) => [record.userId, { userId: record.userId, schoolId: record.schoolId }])).values()];
      if (checkedIn.length === 0) notes.push('no check-in was accepted: no afternoon wave');
      else waves.push(await timedWave('afternoon', shuffle(checkedIn), mixAround(checkedIn.length, options.shares)));
      if (options.retry && checkedIn.length > 0) notes.push(`--retry: ${await retryUnsettled(options.url, keyOf(options), ledger, 'afternoon', options.connections, reporter)} afternoon records retried until settled`);
      if (baselineRun && waves[0]) baseline = { ...baselineRun, ratio: Math.round((waves[0].requestsPerSecond / Math.max(baselineRun.requestsPerSecond, 1)) * 1000) / 1000 };

      watched.lag?.phase('drain');
      const beforeDrain = watched.cpu();
      const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      const drainProgress = reporter.progress('stored', ledger.acceptedCount, 'records');
      // The drain ends when the counts say everything is stored: the benchmark's own reads after that are not the platform's cost.
      let afterDrain: CpuSnapshot | undefined;
      // Counting starts before the run's expectation is built (seconds at 900,000 records), so it times the platform.
      const counting = counter ? waitForCount(db, counter, ledger.acceptedCount, { timeoutMs: drainTimeoutMs, progress: drainProgress, onCounted: () => void (afterDrain = watched.cpu()) }) : undefined;
      expectation = ledger.expectation(options.timeZone);
      const accepted = expectation.accepted;
      [wait, visibleComplete] = await Promise.all([
        (counting ?? waitForDocuments(db, accepted, { timeoutMs: drainTimeoutMs, progress: drainProgress })).finally(() => drainProgress.stop()),
        watched.probe ? watched.probe.waitUntilCounted(accepted, drainTimeoutMs) : Promise.resolve(false),
      ]);
      const drain = watched.cpuPhase('drain', beforeDrain, accepted.length, afterDrain);
      if (drain) cpu.push(drain);
    } finally {
      await watched.stop();
    }
    const { value: verification } = await pollUntil(
      () => verifyPersistence(db, expectation, reporter),
      (result) => result.ok,
      { timeoutMs: wait.complete ? REPORTS_SETTLE_MS : 0, intervalMs: 500 },
    );

    let dashboardStatsToday: unknown;
    if (options.dashboardUrl !== undefined) {
      dashboardStatsToday = await fetch(`${options.dashboardUrl}/stats/today`, options.credentials?.admin ? { headers: { authorization: `Bearer ${options.credentials.admin}` } } : {})
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
      selection: {
        students: students.length,
        schools: selection.schoolIds === 'all' ? 'all' : selection.schoolIds.length,
        how: selection.how,
        skippedAlreadyCheckedIn: selection.skippedAlreadyCheckedIn,
      },
      waves,
      ...(baseline ? { baseline } : {}),
      persistence: {
        accepted: expectation.accepted.length,
        complete: wait.complete,
        pending: wait.pending,
        by: wait.by,
        ...(ledger.lastAcceptedAt > 0 ? { lastAcceptedAt: new Date(ledger.lastAcceptedAt).toISOString() } : {}),
        settledAt: new Date(wait.settledAt).toISOString(),
        ...(wait.complete && ledger.lastAcceptedAt > 0 ? { msFromLast202: wait.settledAt - ledger.lastAcceptedAt } : {}),
      },
      verification,
      ...(watched.probe ? { visibleLag: { ...watched.probe.lags(expectation.accepted), complete: visibleComplete } } : {}),
      ...(watched.lagSamples ? { consumerLag: { intervalSeconds: LAG_SAMPLE_INTERVAL_MS / 1000, ...maxLag(watched.lagSamples), samples: watched.lagSamples } } : {}),
      ...(cpu.length > 0 ? { cpu } : {}),
      ...(dashboardStatsToday === undefined ? {} : { dashboardStatsToday }),
      notes,
    };
    return { report, expectation };
  } finally {
    await client.close();
  }
}
