import { createLogger } from '@attendance/common/config';
import type { PartitionReport } from '@attendance/common/records';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpenDayFigures, type PartitionReportReader } from '../../src/data-access/open-day-figures.ts';

const logger = createLogger('test', 'silent');
const now = Date.parse('2026-11-21T09:00:00Z');

function report(day: string, partition: number, checkIns: number): PartitionReport {
  return { _id: `${day}|${partition}`, day, partition, offset: checkIns, schools: { s1: { checkIns, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } }, updatedAt: new Date(now) };
}

/** A reader whose reads finish only when the test says so, counting how many run at once. */
function gatedReader() {
  const gates: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let checkIns = 0;
  const reader: PartitionReportReader = {
    async partitionReportsOf(day, partitions) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight -= 1;
      return Array.from({ length: partitions }, (_, partition) => report(day, partition, checkIns));
    },
  };
  return {
    reader,
    setCheckIns: (value: number) => (checkIns = value),
    release: () => gates.splice(0).forEach((open) => open()),
    pending: () => gates.length,
    maxInFlight: () => maxInFlight,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('OpenDayFigures', () => {
  it('serves the last figures while a slow read is under way, and never starts a second read before the first ends', async () => {
    vi.useFakeTimers({ now });
    const gate = gatedReader();
    const figures = new OpenDayFigures(gate.reader, async () => 2, { timeZone: 'UTC', now: () => Date.now(), refreshMs: 100, openDays: 1, slowMs: 10_000, logger });
    gate.setCheckIns(3);
    const started = figures.start();
    while (gate.pending() === 0) await vi.advanceTimersByTimeAsync(1);
    while (gate.pending() > 0) {
      gate.release();
      await vi.advanceTimersByTimeAsync(1);
    }
    await started;
    expect(figures.bySchool('2026-11-21').get('s1')).toEqual({ checkIns: 6, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });

    gate.setCheckIns(5);
    await vi.advanceTimersByTimeAsync(150);
    expect(gate.pending()).toBe(1);
    // The store is slow: many refresh intervals pass, and still one read, and the old figures are served.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(gate.pending()).toBe(1);
    expect(figures.bySchool('2026-11-21').get('s1')?.checkIns).toBe(6);
    gate.release();
    await vi.advanceTimersByTimeAsync(1);
    expect(figures.bySchool('2026-11-21').get('s1')?.checkIns).toBe(10);
    expect(gate.maxInFlight()).toBe(1);

    const stopped = figures.stop();
    gate.release();
    await stopped;
  });

  it('tells open days (today and the days late records can reach) from closed ones', () => {
    const figures = new OpenDayFigures(gatedReader().reader, async () => 1, { timeZone: 'UTC', now: () => now, refreshMs: 100, openDays: 3, slowMs: 1_000, logger });
    expect(['2026-11-22', '2026-11-21', '2026-11-18', '2026-11-17'].map((day) => figures.isOpen(day))).toEqual([false, true, true, false]);
  });
});
