import { decodeState, schoolFingerprint, type DeadLetter } from '@attendance/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runJob, type Job } from '../../src/domain/job-runner.ts';
import { deadLetterRetryJob, nextAttemptDelaySeconds, type DeadLetterPort } from '../../src/domain/jobs/dead-letter-retry.ts';
import { stateValueOf } from '../../src/domain/jobs/rebuild-state.ts';
import { rolloverJob } from '../../src/domain/jobs/rollover.ts';

const silent = pino({ level: 'silent' });
const noLock = { acquire: async () => ({ release: async () => undefined }) };

describe('rollover', () => {
  it('unlinks only attendance-state keys of days before today in the configured zone', async () => {
    const unlinked: string[] = [];
    const job = rolloverJob(
      {
        scanStateKeys: async (onKeys) => onKeys(['att:d:20261120:n1', 'att:d:20261121:n1', 'att:d:20261122:o65f1', 'att:d:garbage', 'other:d:20200101:n1']),
        unlink: async (keys) => (unlinked.push(...keys), keys.length),
      },
      // 23:30 UTC on the 21st is already the 22nd in Tokyo: the 21st is a past day there.
      { keyPrefix: 'att', timeZone: 'Asia/Tokyo', now: () => Date.parse('2026-11-21T23:30:00Z') },
    );
    expect(await job.run()).toMatchObject({ removedKeys: 2, scannedKeys: 5, today: '2026-11-22' });
    expect(unlinked).toEqual(['att:d:20261120:n1', 'att:d:20261121:n1']);
  });
});

describe('dead-letter retry', () => {
  const entry = (id: string, attempts: number): DeadLetter => ({
    _id: id,
    record: { userId: `u-${id}` },
    error: { code: 'x', message: 'x' },
    source: { topic: 't', partition: 0, offset: 0 },
    attempts,
    status: 'pending',
    createdAt: new Date(0),
    updatedAt: new Date(0),
    nextAttemptAt: new Date(0),
  });

  it('doubles the delay per attempt, capped at a day', () => {
    expect([0, 1, 2, 3].map((attempts) => nextAttemptDelaySeconds(attempts, 60))).toEqual([60, 120, 240, 480]);
    expect(nextAttemptDelaySeconds(30, 60)).toBe(86_400);
  });

  it('republishes entries with attempts left, parks the others, and pages until nothing is due', async () => {
    let queue = [entry('a', 0), entry('b', 3), entry('c', 1)];
    const parked: string[] = [];
    const scheduled: { id: string; attempts: number }[] = [];
    const republished: string[] = [];
    const port: DeadLetterPort = {
      due: async (_now, limit) => queue.slice(0, limit),
      park: async (ids) => {
        parked.push(...ids);
        queue = queue.filter((e) => !ids.includes(e._id));
      },
      scheduleNext: async (entries) => {
        scheduled.push(...entries.map(({ id, attempts }) => ({ id, attempts })));
        queue = queue.filter((e) => !entries.some((s) => s.id === e._id));
      },
    };
    const job = deadLetterRetryJob(port, { republish: async (entries) => void republished.push(...entries.map((e) => e._id)) }, { maxAttempts: 3, backoffSeconds: 60, maxPerRun: 100, pageSize: 2, now: () => 0 });
    expect(await job.run()).toEqual({ items: 3, retried: 2, parked: 1 });
    expect(parked).toEqual(['b']);
    expect(republished.sort()).toEqual(['a', 'c']);
    expect(scheduled).toEqual(expect.arrayContaining([{ id: 'a', attempts: 1 }, { id: 'c', attempts: 2 }]));
  });
});

describe('rebuild', () => {
  it('turns a stored attendance back into the confirmed Redis value of its day: minutes and school', () => {
    const day = '2026-11-21';
    const checkIn = { at: new Date('2026-11-21T07:58:00Z') };
    const checkedIn = stateValueOf({ userId: 'u', schoolId: 'school-7', day, checkIn }, 'UTC');
    expect(decodeState(checkedIn ?? Number.NaN)).toEqual({ checkInMinute: 478, school: schoolFingerprint('school-7') });
    const checkedOut = stateValueOf({ userId: 'u', schoolId: 'school-7', day, checkIn, checkOut: { at: new Date('2026-11-21T15:00:00Z') } }, 'UTC');
    expect(decodeState(checkedOut ?? Number.NaN)).toEqual({ checkInMinute: 478, checkOutMinute: 900 });
    expect(stateValueOf({ userId: 'u', schoolId: 'school-7', day }, 'UTC')).toBeUndefined();
  });
});

describe('runJob', () => {
  it('reports a failing job as a failure and still releases its lock', async () => {
    let released = false;
    const failing: Job = { name: 'rollover', run: async () => Promise.reject(new Error('redis down')) };
    const run = await runJob(failing, { acquire: async () => ({ release: async () => void (released = true) }) }, silent, { finished: () => undefined });
    expect(run).toMatchObject({ outcome: 'failure', error: 'redis down' });
    expect(released).toBe(true);
  });

  it('skips when the lock is held elsewhere', async () => {
    const run = await runJob({ name: 'rebuild', run: async () => ({ items: 1 }) }, { acquire: async () => undefined }, silent, { finished: () => undefined });
    expect(run.outcome).toBe('skipped');
    expect((await runJob({ name: 'rebuild', run: async () => ({ items: 1 }) }, noLock, silent, { finished: () => undefined })).outcome).toBe('success');
  });
});
