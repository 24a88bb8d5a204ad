import type { AttendanceEvent } from '@attendance/common';
import { describe, expect, it } from 'vitest';
import { applyEvents, type AttendanceDocument, type SourcedEvent } from '../../src/domain/attendance-document.ts';
import { shardDeltas } from '../../src/domain/report-shard.ts';

const now = new Date('2026-11-21T09:00:00Z');

function message(offset: number, overrides: Partial<AttendanceEvent> = {}, partition = 0): SourcedEvent {
  return {
    partition,
    offset,
    event: {
      id: `r${offset}`,
      type: 'checkin',
      userId: 'u1',
      schoolId: 's1',
      timestamp: '2026-11-21T07:58:00.000Z',
      day: '2026-11-21',
      temperature: 36.6,
      receivedAt: '2026-11-21T07:58:00.100Z',
      ...overrides,
    },
  };
}

describe('applyEvents', () => {
  it('counts a check-in, a fever and a check-out once each', () => {
    const documents = new Map<string, AttendanceDocument>();
    const { changed, effects } = applyEvents(documents, [message(0, { temperature: 38.5 }), message(1, { type: 'checkout' })], now);
    expect(changed.size).toBe(1);
    expect(effects.map(({ checkIns, checkOuts, fevers }) => [checkIns, checkOuts, fevers])).toEqual([
      [1, 0, 1],
      [0, 1, 0],
    ]);
    expect(documents.get('u1|2026-11-21')).toMatchObject({ checkIn: { recordId: 'r0', source: '0:0' }, checkOut: { recordId: 'r1', source: '0:1' }, feverSource: '0:0' });
  });

  it('counts nothing for a duplicate record (a different message for a filled slot)', () => {
    const documents = new Map<string, AttendanceDocument>();
    applyEvents(documents, [message(0)], now);
    const { changed, effects } = applyEvents(documents, [message(5, { id: 'other' })], now);
    expect(changed.size).toBe(0);
    expect(effects[0]).toMatchObject({ checkIns: 0, checkOuts: 0, fevers: 0 });
  });

  it('gives a redelivered message exactly the effects it had the first time', () => {
    const documents = new Map<string, AttendanceDocument>();
    const batch = [message(0), message(1, { type: 'checkout', temperature: 39 })];
    const first = applyEvents(documents, batch, now).effects;
    const again = applyEvents(documents, batch, now);
    expect(again.changed.size).toBe(0);
    expect(again.effects).toEqual(first);
    expect(first.map((effect) => effect.fevers)).toEqual([0, 1]);
  });

  it('stores a check-out that arrives before its check-in, and counts both', () => {
    const documents = new Map<string, AttendanceDocument>();
    const { effects } = applyEvents(documents, [message(0, { type: 'checkout' }), message(1)], now);
    expect(effects.map(({ checkIns, checkOuts }) => [checkIns, checkOuts])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });
});

describe('shardDeltas', () => {
  it('sums effects per school, day and partition past each watermark, and moves the watermark', () => {
    const documents = new Map<string, AttendanceDocument>();
    const { effects } = applyEvents(documents, [message(3, { userId: 'a' }), message(4, { userId: 'b' }), message(5, { userId: 'c', schoolId: 's2' })], now);
    expect(shardDeltas(effects, new Map([['s1|2026-11-21|0', 3]]))).toEqual([
      { id: 's1|2026-11-21|0', schoolId: 's1', day: '2026-11-21', partition: 0, checkIns: 1, checkOuts: 0, fevers: 0, fromOffset: 3, toOffset: 4 },
      { id: 's2|2026-11-21|0', schoolId: 's2', day: '2026-11-21', partition: 0, checkIns: 1, checkOuts: 0, fevers: 0, fromOffset: -1, toOffset: 5 },
    ]);
  });

  it('leaves out everything a shard has already applied', () => {
    const { effects } = applyEvents(new Map(), [message(1), message(2, { userId: 'b' })], now);
    expect(shardDeltas(effects, new Map([['s1|2026-11-21|0', 2]]))).toEqual([]);
  });
});
