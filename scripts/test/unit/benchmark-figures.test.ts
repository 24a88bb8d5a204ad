import { describe, expect, it } from 'vitest';
import { cpuBetween } from '../../src/benchmark/process-cpu.ts';
import type { AcceptedRecord } from '../../src/benchmark/run-ledger.ts';
import { lagsFromObservations } from '../../src/benchmark/visible-lag.ts';
import { latencyBetween, parseCheckInHistogram } from '../../src/benchmark/server-latency.ts';

const accepted = (schoolId: string, type: 'checkin' | 'checkout', acceptedAt: number): AcceptedRecord => ({ id: `r${acceptedAt}`, type, userId: `u${acceptedAt}`, schoolId, day: '2026-11-23', acceptedAt });

describe('the lag a dashboard user sees', () => {
  it('times the k-th 202 of a school to the first answer, at or after it, whose count grew by k', () => {
    const observations = new Map([
      [
        'school-1',
        [
          { at: 0, checkIns: 10, checkOuts: 4 },
          { at: 250, checkIns: 10, checkOuts: 4 },
          { at: 500, checkIns: 11, checkOuts: 4 },
          { at: 750, checkIns: 12, checkOuts: 5 },
          { at: 1000, checkIns: 13, checkOuts: 5 },
        ],
      ],
    ]);
    const result = lagsFromObservations(['school-1'], observations, [
      accepted('school-1', 'checkin', 100),
      accepted('school-1', 'checkin', 200),
      accepted('school-1', 'checkin', 900),
      accepted('school-1', 'checkout', 700),
      accepted('school-1', 'checkout', 800),
      accepted('other-school', 'checkin', 100),
    ]);
    // check-ins: 100 -> 500, 200 -> 750, 900 -> 1000; check-outs: 700 -> 750, the second never shown: 400, 550, 100, 50 ms.
    expect(result).toMatchObject({ schools: 1, records: 5, neverVisible: 1, latencyMs: { mean: 275, p50: 100, max: 550 } });
  });
});

describe('CPU per process', () => {
  it("divides each process's CPU seconds between two snapshots by the records, per 10,000, leaving out processes not in both", () => {
    const uses = cpuBetween({ kafka: 10, ferretdb: 100, benchmark: 1 }, { kafka: 12, ferretdb: 130, postgres: 5, benchmark: 4 }, 20_000);
    expect(uses).toEqual([
      { process: 'kafka', seconds: 2, per10kRecords: 1 },
      { process: 'ferretdb', seconds: 30, per10kRecords: 15 },
      { process: 'benchmark', seconds: 3, per10kRecords: 1.5 },
    ]);
  });
});

describe("attendance-service's own latency over a wave", () => {
  const exposition = (counts: number[]) =>
    [
      '# TYPE attendance_http_request_duration_seconds histogram',
      ...['0.01', '0.05', '0.1', '0.25', '+Inf'].map((le, i) => `attendance_http_request_duration_seconds_bucket{le="${le}",method="POST",route="/attendances"} ${counts[i]}`),
      'attendance_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/readyz"} 999',
    ].join('\n');

  it('reads the check-in buckets and answers for the requests between two readings: exact share within 100 ms, interpolated quantiles', () => {
    const before = parseCheckInHistogram(exposition([100, 100, 100, 100, 100]));
    // 1,000 more requests: 600 within 10 ms, 380 more within 50 ms, 10 more within 100 ms, 10 more within 250 ms.
    const after = parseCheckInHistogram(exposition([700, 1080, 1090, 1100, 1100]));
    expect(before).toEqual([[0.01, 100], [0.05, 100], [0.1, 100], [0.25, 100], [Infinity, 100]]);
    expect(latencyBetween(before, after)).toEqual({ requests: 1000, p50Ms: 8.3, p99Ms: 100, within100Ms: 0.99 });
  });

  it('says nothing without a reading or without requests', () => {
    const reading = parseCheckInHistogram(exposition([1, 2, 3, 4, 5]));
    expect(latencyBetween(undefined, reading)).toBeUndefined();
    expect(latencyBetween(reading, reading)).toBeUndefined();
  });
});
