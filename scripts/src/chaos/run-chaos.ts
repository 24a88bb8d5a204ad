import { randomBytes } from 'node:crypto';
import { connectMongo } from '@attendance/common/mongo';
import { dayOf } from '@attendance/common/records';
import { connectRedis } from '@attendance/common/redis';
import { pollUntil } from '../shared/poll-until.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import { runDeviceWave, type ChaosStudent, type WaveOutcome } from './device-wave.ts';
import { PlatformControl } from './platform-control.ts';
import { scenarioNamed, type ScenarioName } from './scenarios.ts';
import { auditReports, loadStoredSlots } from './stored-outcome.ts';

export interface ChaosOptions {
  scenarios: ScenarioName[];
  url: string;
  mongoUrl: string;
  redisUrl: string;
  timeZone: string;
  students: number;
  schools: number;
  connections: number;
  /** Share of the morning's devices settled before the fault is injected. */
  faultAfter: number;
  drainTimeoutMs: number;
  /** Device keys by school, from `pnpm seed`: the scenarios' students belong to the first `schools` of them. */
  credentials: { devices: Record<string, string> };
  reporter: ProgressReporter;
}

export interface ScenarioResult {
  scenario: string;
  fault: string;
  requests: number;
  answers: Record<string, number>;
  /** Records the devices consider done: 202 or 409 already-checked-* as their final answer. */
  done: number;
  stored: number;
  lost: number;
  doubleCounted: number;
  reportsEqualAttendances: boolean;
  /** Second check-ins after the day, with device retries: any 202 means the state forgot a stored check-in. */
  secondCheckInsAccepted: number;
  /** Devices that never got a settling answer. */
  gaveUp: number;
  /** From the fault's start until every morning record the devices consider done is stored. */
  recoverySeconds: number | null;
  error?: string;
}

export interface ChaosReport {
  day: string;
  students: number;
  connections: number;
  results: ScenarioResult[];
  passed: boolean;
}

/** Runs each scenario on fresh students: morning wave with the fault, afternoon wave, then the checks. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const mongo = await connectMongo(options.mongoUrl);
  const control = new PlatformControl();
  const results: ScenarioResult[] = [];
  const day = dayOf(Date.now(), options.timeZone);
  try {
    for (const name of options.scenarios) {
      options.reporter.note(`\n== ${name}`);
      try {
        results.push(await runScenario(name, options, control, mongo.db, day));
      } catch (err) {
        options.reporter.note(`${name} could not complete: ${(err as Error).message}`);
        results.push({ ...emptyResult(name), error: (err as Error).message });
        // Whatever the scenario left stopped is started again before the next one, and what it started is stopped.
        await scenarioNamed(name).cleanup?.().catch(() => undefined);
        await Promise.allSettled([control.startEngine('kafka'), control.startEngine('redis'), control.startEngine('ferretdb')]);
        await control.startMissing().catch(() => undefined);
      }
    }
  } finally {
    await mongo.client.close();
  }
  const passed = results.every((result) => !result.error && result.lost === 0 && result.doubleCounted === 0 && result.reportsEqualAttendances && result.secondCheckInsAccepted === 0 && result.gaveUp === 0);
  return { day, students: options.students, connections: options.connections, results, passed };
}

async function runScenario(name: ScenarioName, options: ChaosOptions, control: PlatformControl, db: Parameters<typeof loadStoredSlots>[0], day: string): Promise<ScenarioResult> {
  const scenario = scenarioNamed(name);
  const run = randomBytes(3).toString('hex');
  // Schools of the roster with their seeded device keys (a device may only post for its own school); the students are new.
  const schoolIds = Object.keys(options.credentials.devices).sort().slice(0, options.schools);
  if (schoolIds.length === 0) throw new Error('no device keys in the credentials file: run pnpm seed first');
  const keyOf = (schoolId: string): string | undefined => options.credentials.devices[schoolId];
  const students: ChaosStudent[] = Array.from({ length: options.students }, (_, i) => ({ userId: `chaos${run}${String(i).padStart(6, '0')}`, schoolId: schoolIds[i % schoolIds.length] as string }));
  const context = {
    control,
    note: (message: string) => options.reporter.note(`   ${message}`),
    flushRedis: async () => {
      const redis = await connectRedis(options.redisUrl);
      try {
        await redis.flushall();
      } finally {
        await redis.quit();
      }
    },
  };

  if (scenario.prepare) await scenario.prepare(context);
  let faultStartedAt = 0;
  let fault: Promise<void> | undefined;
  const morning = await runDeviceWave({
    url: options.url,
    type: 'checkin',
    students,
    connections: options.connections,
    keyOf,
    progress: options.reporter.progress('morning', students.length, 'devices'),
    onSettled: (settled) => {
      if (fault || settled < students.length * options.faultAfter) return;
      faultStartedAt = Date.now();
      context.note(`fault: ${scenario.fault}`);
      fault = scenario.inject(context);
    },
  });
  await fault;
  const morningStored = await waitUntilStored(db, morning.recorded, day, 'checkedIn', options);
  const recoverySeconds = morningStored ? (Date.now() - faultStartedAt) / 1000 : null;
  if (scenario.repair) await scenario.repair(context);

  const checkedIn = new Set(morning.recorded);
  const present = students.filter((student) => checkedIn.has(student.userId));
  const wave = (label: string, type: 'checkin' | 'checkout') =>
    runDeviceWave({ url: options.url, type, students: present, connections: options.connections, keyOf, progress: options.reporter.progress(label, present.length, 'devices') });
  const afternoon = await wave('afternoon', 'checkout');
  await waitUntilStored(db, afternoon.recorded, day, 'checkedOut', options);
  const again = await wave('again', 'checkin');

  const slots = await loadStoredSlots(
    db,
    students.map((student) => student.userId),
    day,
  );
  const lostCheckIns = morning.recorded.filter((userId) => !slots.checkedIn.has(userId));
  const lostCheckOuts = afternoon.recorded.filter((userId) => !slots.checkedOut.has(userId));
  if (lostCheckIns.length + lostCheckOuts.length > 0) context.note(`lost: ${[...lostCheckIns, ...lostCheckOuts].slice(0, 10).join(', ')}`);
  const audit = await auditReports(db, schoolIds, day);
  const waves = [morning, afternoon, again];
  return {
    scenario: name,
    fault: scenario.fault,
    requests: waves.reduce((sum, wave) => sum + wave.requests, 0),
    answers: mergeCounts(waves),
    done: morning.recorded.length + afternoon.recorded.length,
    stored: slots.checkedIn.size + slots.checkedOut.size,
    lost: lostCheckIns.length + lostCheckOuts.length,
    doubleCounted: audit.doubleCounted,
    reportsEqualAttendances: audit.equal,
    secondCheckInsAccepted: [...again.finals.values()].filter((answer) => answer.status === 202).length,
    gaveUp: waves.reduce((sum, wave) => sum + [...wave.finals.values()].filter((answer) => answer.code === 'gave-up').length, 0),
    recoverySeconds,
  };
}

async function waitUntilStored(db: Parameters<typeof loadStoredSlots>[0], userIds: string[], day: string, slot: 'checkedIn' | 'checkedOut', options: ChaosOptions): Promise<boolean> {
  const progress = options.reporter.progress('stored', userIds.length, 'records');
  const { done } = await pollUntil(
    async () => {
      const stored = (await loadStoredSlots(db, userIds, day))[slot].size;
      progress.update(stored);
      return stored;
    },
    (stored) => stored >= userIds.length,
    { timeoutMs: options.drainTimeoutMs, intervalMs: 1_000 },
  );
  progress.stop();
  return done;
}

function mergeCounts(waves: WaveOutcome[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const wave of waves) for (const [status, count] of Object.entries(wave.answers)) merged[status] = (merged[status] ?? 0) + count;
  return merged;
}

function emptyResult(name: ScenarioName): ScenarioResult {
  return { scenario: name, fault: scenarioNamed(name).fault, requests: 0, answers: {}, done: 0, stored: 0, lost: 0, doubleCounted: 0, reportsEqualAttendances: false, secondCheckInsAccepted: 0, gaveUp: 0, recoverySeconds: null };
}
