import type { DeadLetter } from '@attendance/common/mongo';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runJob, type Job } from '../../src/domain/job-runner.ts';
import { deadLetterRetryJob, nextAttemptDelaySeconds, type DeadLetterPort } from '../../src/domain/jobs/dead-letter-retry.ts';
import { rebuildStateJob, type StateEntry, type StoredRecord } from '../../src/domain/jobs/rebuild-state.ts';
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
  const day = '2026-11-21';
  const at = (time: string) => new Date(`${day}T${time}Z`);
  interface Held {
    in: number;
    out?: number;
    school: string;
  }
  /** Redis in memory, with the merge rules of the two Lua scripts (confirmed states only). */
  function memoryState(initial: Record<string, Held> = {}) {
    const values = new Map(Object.entries(initial));
    const pipelines: { type: string; size: number }[] = [];
    return {
      values,
      pipelines,
      mergeCheckIns: async (entries: StateEntry[]) => {
        pipelines.push({ type: 'checkin', size: entries.length });
        for (const { userId, schoolId, minute } of entries) if (!values.has(userId)) values.set(userId, { in: minute, school: schoolId });
      },
      mergeCheckOuts: async (entries: StateEntry[]) => {
        pipelines.push({ type: 'checkout', size: entries.length });
        for (const { userId, schoolId, minute } of entries) {
          const current = values.get(userId);
          if (current === undefined) values.set(userId, { in: minute, out: minute, school: schoolId });
          else if (current.out === undefined) values.set(userId, { ...current, out: minute });
        }
      },
    };
  }
  const source = (records: Record<'checkin' | 'checkout', StoredRecord[]>, reads: string[] = []) => ({
    readsFrom: async () => 'journal' as const,
    forEachPage: async (_day: string, type: 'checkin' | 'checkout', pageSize: number, onPage: (page: StoredRecord[]) => Promise<void>) => {
      reads.push(type);
      for (let i = 0; i < records[type].length; i += pageSize) await onPage(records[type].slice(i, i + pageSize));
    },
  });

  it('restores check-ins with their school, then adds each check-out onto its check-in', async () => {
    const reads: string[] = [];
    const state = memoryState();
    const records = {
      checkin: [{ userId: 'a', schoolId: 's1', at: at('07:58:00') }, { userId: 'b', schoolId: 's1', at: at('08:10:00') }, { userId: 'c', schoolId: 's1', at: at('08:30:00') }],
      checkout: [{ userId: 'a', schoolId: 's1', at: at('15:00:00') }, { userId: 'c', schoolId: 's1', at: at('16:45:00') }],
    };
    const job = rebuildStateJob(source(records, reads), state, { timeZone: 'UTC', now: () => Date.parse(`${day}T17:00:00Z`), pageSize: 2 });

    expect(await job.run()).toMatchObject({ items: 5, restoredUsers: 3, checkIns: 3, checkOuts: 2, day });
    expect(Object.fromEntries(state.values)).toEqual({ a: { in: 478, out: 900, school: 's1' }, b: { in: 490, school: 's1' }, c: { in: 510, out: 1005, school: 's1' } });
    // Every check-in is in Redis before the first check-out is merged; pages become pipelines.
    expect(reads).toEqual(['checkin', 'checkout']);
    expect(state.pipelines).toEqual([{ type: 'checkin', size: 2 }, { type: 'checkin', size: 1 }, { type: 'checkout', size: 2 }]);
  });

  it('never moves a state backwards: a check-out already in Redis stays, a live check-in is kept', async () => {
    const state = memoryState({ a: { in: 478, out: 900, school: 's1' }, b: { in: 300, school: 's1' } });
    const job = rebuildStateJob(source({ checkin: [{ userId: 'a', schoolId: 's1', at: at('07:58:00') }, { userId: 'b', schoolId: 's1', at: at('05:00:00') }], checkout: [{ userId: 'a', schoolId: 's1', at: at('15:00:00') }] }), state, { timeZone: 'UTC', now: Date.now, day, pageSize: 10 });
    await job.run();
    expect(Object.fromEntries(state.values)).toEqual({ a: { in: 478, out: 900, school: 's1' }, b: { in: 300, school: 's1' } });
  });

  it('reads minutes in the attendance time zone', async () => {
    const state = memoryState();
    // 23:30 UTC on the 20th is 08:30 on the 21st in Tokyo.
    const job = rebuildStateJob(source({ checkin: [{ userId: 'a', schoolId: 's1', at: new Date('2026-11-20T23:30:00Z') }], checkout: [] }), state, { timeZone: 'Asia/Tokyo', now: Date.now, day, pageSize: 10 });
    await job.run();
    expect(state.values.get('a')).toEqual({ in: 510, school: 's1' });
  });

  it('fails the run when a Redis pipeline fails, after the pipelines in flight have ended', async () => {
    let merged = 0;
    const writer = {
      mergeCheckIns: async (entries: StateEntry[]) => {
        merged += entries.length;
        if (merged > 2) throw new Error('redis down');
      },
      mergeCheckOuts: async () => undefined,
    };
    const records = { checkin: Array.from({ length: 6 }, (_, i) => ({ userId: `u${i}`, schoolId: 's1', at: at('08:00:00') })), checkout: [] };
    await expect(rebuildStateJob(source(records), writer, { timeZone: 'UTC', now: Date.now, day, pageSize: 2 }).run()).rejects.toThrow('redis down');
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
