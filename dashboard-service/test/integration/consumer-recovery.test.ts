import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, stopEngine } from '../../../test/support/engine-control.ts';
import type { DashboardHandle } from '../../src/start.ts';
import { getJson, postJson, runAttendanceService, runDashboardService, type RunningService } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('recovery');
let attendance: RunningService;
let dashboard: RunningService<DashboardHandle>;

/** How long the broker stays down: the outage of issue 16, long enough for every heartbeat and fetch to fail. */
const OUTAGE_MS = 15_000;
/** The bound this test promises for storing every accepted record once the broker is back. */
const RECOVERY_BOUND_MS = 90_000;

/** How long a wedged consumer may go without fetching in the wedge test (CONSUMER_STALL_SECONDS). */
const STALL_SECONDS = 10;

/** Check-ins of new students in batches of 20 until `stop()`, counting the records accepted with a 202. */
function flowRecords(): { accepted: () => number; stop: () => Promise<void> } {
  let accepted = 0;
  let running = true;
  const loop = (async () => {
    for (let round = 0; running; round += 1) {
      // One school's device per batch, the three schools in turn.
      const records = Array.from({ length: 20 }, () => ({ type: 'checkin', userId: randomId(), schoolId: `school-${round % 3}`, timestamp: Date.now(), temperature: 36.6 }));
      const response = await postJson(`${attendance.url}/attendances/batch`, { records }).catch(() => undefined);
      accepted += Number(response?.body.accepted ?? 0);
      // Without a broker every answer is a quick 503: pace the retries like a device would.
      if (response?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    accepted: () => accepted,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function storedCheckIns(): Promise<number> {
  return Number((await getJson(`${dashboard.url}/stats/today`)).body.checkIns);
}

async function readiness(): Promise<{ status: number; consumer: unknown }> {
  const answer = await getJson(`${dashboard.url}/readyz`);
  return { status: answer.status, consumer: (answer.body.checks as Record<string, unknown>)['kafka-consumer'] };
}

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${dashboard.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

beforeAll(async () => {
  attendance = await runAttendanceService(ns, {}, undefined, ['school-0', 'school-1', 'school-2']);
});

afterAll(async () => {
  await startEngine('kafka');
  await attendance?.handle.stop();
});

describe('when the broker restarts while records flow', () => {
  it(`stores every accepted record within ${RECOVERY_BOUND_MS / 1000} s of the broker's return, without a restart of the service`, async () => {
    // The defaults of a deployed service (stall time 60 s), so the recovery measured is the one operators get.
    dashboard = await runDashboardService(ns);
    const flow = flowRecords();
    try {
      await waitFor(async () => (await storedCheckIns()) >= 100, { timeoutMs: 60_000, what: 'records to be stored before the outage' });
      await stopEngine('kafka');
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await startEngine('kafka');
      const backAt = Date.now();
      const acceptedBefore = flow.accepted();
      await waitFor(() => flow.accepted() >= acceptedBefore + 200, { timeoutMs: 60_000, what: 'records to be accepted after the restart' });
      await flow.stop();
      const expected = flow.accepted();
      await waitFor(async () => (await storedCheckIns()) === expected, { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 250, what: `all ${expected} accepted check-ins to be stored` });
      console.info(`consumer recovery: every accepted record stored ${((Date.now() - backAt) / 1000).toFixed(1)} s after the broker was back`);
      expect(await storedCheckIns()).toBe(expected);
      expect((await readiness()).status).toBe(200);
    } finally {
      await flow.stop();
      await dashboard.handle.stop();
    }
  }, 240_000);
});

describe('when the consumer is wedged', () => {
  it(`turns /readyz to 503 naming kafka-consumer once it has not fetched for ${STALL_SECONDS} s while records wait, and back to 200 when it fetches again`, async () => {
    dashboard = await runDashboardService(ns, { CONSUMER_STALL_SECONDS: String(STALL_SECONDS), CONSUMER_LAG_INTERVAL_SECONDS: '1' });
    try {
      await waitFor(async () => (await readiness()).status === 200, { timeoutMs: 60_000, what: 'the dashboard to be ready' });
      const before = await storedCheckIns();
      dashboard.handle.consumer?.pause();
      const records = Array.from({ length: 50 }, () => ({ type: 'checkin', userId: randomId(), schoolId: 'school-0', timestamp: Date.now(), temperature: 36.6 }));
      expect((await postJson(`${attendance.url}/attendances/batch`, { records })).body.accepted).toBe(50);

      // The stall time, plus a lag reading (every second here) to see the waiting records, plus the test's polling.
      const wedged = await waitFor(
        async () => {
          const answer = await readiness();
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: (STALL_SECONDS + 15) * 1000, what: '/readyz to turn 503' },
      );
      expect(wedged).toEqual({ status: 503, consumer: 'error: not-fetching' });
      expect(await metric('dashboard_consumer_up')).toBe(0);
      expect(await storedCheckIns()).toBe(before);

      dashboard.handle.consumer?.resume();
      await waitFor(async () => (await readiness()).status === 200, { timeoutMs: 30_000, what: '/readyz to turn 200 again' });
      await waitFor(async () => (await storedCheckIns()) === before + 50, { timeoutMs: 30_000, what: 'the waiting records to be stored' });
      expect(await metric('dashboard_consumer_up')).toBe(1);
      // A deliberate pause is not a defect: the service did not replace its consumer.
      expect(await metric('dashboard_consumer_restarts_total{reason="not-fetching"}')).toBe(0);
    } finally {
      await dashboard.handle.stop();
    }
  }, 180_000);
});
