import { summariseLatency, type LatencySummary } from './latency.ts';
import type { AcceptedRecord } from './run-ledger.ts';

/** At most this many schools are watched: 4 requests/s each keeps the probe's load on the dashboard small. */
export const MAX_WATCHED_SCHOOLS = 20;
const POLL_INTERVAL_MS = 250;

export interface Observation {
  at: number;
  checkIns: number;
  checkOuts: number;
}

export interface VisibleLag {
  schools: number;
  /** Accepted records of the watched schools, each timed. */
  records: number;
  /** Of those, how many the dashboard never showed before the probe stopped. */
  neverVisible: number;
  /** From the 202 to the first answer of `GET /schools/:id` counting it, ms. */
  latencyMs: LatencySummary;
}

/**
 * The lag a dashboard user sees: a few schools' `GET /schools/:id` polled
 * every 250 ms (one request in flight per school) from before the first wave
 * until every 202 of theirs is counted. The k-th 202 of a school and type is
 * visible at the first answer, at or after its 202, whose count has grown by
 * at least k since the first answer: exact when nothing else writes to those
 * schools, and never earlier than the record could have been counted.
 */
export class VisibleLagProbe {
  private readonly observations = new Map<string, Observation[]>();
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly dashboardUrl: string,
    readonly schoolIds: string[],
    /** A staff token that may read these schools (the seed's admin token). */
    private readonly staffToken?: string,
  ) {}

  /** Takes each school's first answer (the baseline), then keeps polling in the background. */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all(this.schoolIds.map((schoolId) => this.poll(schoolId)));
    this.loops = this.schoolIds.map((schoolId) => this.loop(schoolId));
  }

  /** Waits until every school's counts have grown by what the run got 202s for, or until the timeout. */
  async waitUntilCounted(accepted: AcceptedRecord[], timeoutMs: number): Promise<boolean> {
    const wanted = new Map<string, { checkIns: number; checkOuts: number }>();
    for (const schoolId of this.schoolIds) if (!wanted.has(schoolId)) wanted.set(schoolId, { checkIns: 0, checkOuts: 0 });
    for (const record of accepted) {
      const target = wanted.get(record.schoolId);
      if (target) target[record.type === 'checkin' ? 'checkIns' : 'checkOuts'] += 1;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = this.schoolIds.every((schoolId) => {
        const seen = this.observations.get(schoolId) ?? [];
        const first = seen[0];
        const last = seen[seen.length - 1];
        const target = wanted.get(schoolId);
        return !first || !last || !target || (last.checkIns - first.checkIns >= target.checkIns && last.checkOuts - first.checkOuts >= target.checkOuts);
      });
      if (all || Date.now() >= deadline) return all;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** The lag of every accepted record of the watched schools. */
  lags(accepted: AcceptedRecord[]): VisibleLag {
    return lagsFromObservations(this.schoolIds, this.observations, accepted);
  }

  private async loop(schoolId: string): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await this.poll(schoolId);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, POLL_INTERVAL_MS - (Date.now() - started))));
    }
  }

  private async poll(schoolId: string): Promise<void> {
    try {
      const response = await fetch(`${this.dashboardUrl}/schools/${encodeURIComponent(schoolId)}`, { signal: AbortSignal.timeout(5_000), ...(this.staffToken ? { headers: { authorization: `Bearer ${this.staffToken}` } } : {}) });
      if (response.status !== 200) return;
      const body = (await response.json()) as { checkIns?: unknown; checkOuts?: unknown };
      const at = Date.now();
      let seen = this.observations.get(schoolId);
      if (!seen) this.observations.set(schoolId, (seen = []));
      seen.push({ at, checkIns: Number(body.checkIns ?? 0), checkOuts: Number(body.checkOuts ?? 0) });
    } catch {
      // A timed-out or failed poll is a missing observation; the next one comes 250 ms later.
    }
  }
}

/**
 * For each school and type, the k-th 202 (in order of acceptance) is visible
 * at the first answer at or after its 202 whose count exceeds the school's
 * first answer by at least k.
 */
export function lagsFromObservations(schoolIds: string[], observations: Map<string, Observation[]>, accepted: AcceptedRecord[]): VisibleLag {
  const lagsMs: number[] = [];
  let records = 0;
  let neverVisible = 0;
  for (const schoolId of schoolIds) {
    const seen = observations.get(schoolId) ?? [];
    const base = seen[0];
    if (!base) continue;
    for (const [type, field] of [
      ['checkin', 'checkIns'],
      ['checkout', 'checkOuts'],
    ] as const) {
      const ofSchool = accepted.filter((record) => record.schoolId === schoolId && record.type === type).sort((a, b) => a.acceptedAt - b.acceptedAt);
      let from = 0;
      ofSchool.forEach((record, index) => {
        records += 1;
        // Counts only grow, so the search for the next record starts where the last one was found.
        while (from < seen.length && ((seen[from]?.at ?? 0) < record.acceptedAt || (seen[from]?.[field] ?? 0) - base[field] < index + 1)) from += 1;
        const visible = seen[from];
        if (visible) lagsMs.push(visible.at - record.acceptedAt);
        else neverVisible += 1;
      });
    }
  }
  return { schools: schoolIds.length, records, neverVisible, latencyMs: summariseLatency(lagsMs) };
}
