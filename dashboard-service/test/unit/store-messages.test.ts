import {
  type AttendanceDocument,
  type AttendanceEvent,
  attendanceId,
  type CorrectionDocument,
  type CorrectionEvent,
  type ExcuseDocument,
  excuseId,
  journalRecordsOf,
  type PartitionReport,
  type StateJournalDocument,
  sumPartitionReports,
} from '@attendance/common/records';
import { describe, expect, it } from 'vitest';
import { storeMessages, type DeadLetterInput, type IncomingMessage, type StorePorts } from '../../src/domain/store-messages.ts';

const now = new Date('2026-11-21T09:00:00Z');
const day = '2026-11-21';

/** In-memory ports with the store's semantics (duplicate `_id`, conditional replace) and a log of calls, in order. */
function memoryPorts(options: { refuse?: Set<string>; failReportWrites?: number; beforeReportWrite?: (reports: Map<string, PartitionReport>) => void } = {}) {
  const attendances = new Map<string, AttendanceDocument>();
  const reports = new Map<string, PartitionReport>();
  const letters = new Map<string, DeadLetterInput>();
  const corrections = new Map<string, CorrectionDocument>();
  const excuses = new Map<string, ExcuseDocument>();
  const journal = new Map<string, StateJournalDocument>();
  const calls: string[] = [];
  let reportFailures = options.failReportWrites ?? 0;
  const ports: StorePorts = {
    attendances: {
      async insertNew(documents) {
        calls.push(`insert ${documents.map((document) => document.type).join(',')}`);
        const existing: string[] = [];
        const refused: { id: string; error: { code: string; message: string } }[] = [];
        for (const document of documents) {
          if (options.refuse?.has(document.userId)) refused.push({ id: document._id, error: { code: 'rejected-by-database', message: 'no' } });
          else if (attendances.has(document._id)) existing.push(document._id);
          else attendances.set(document._id, structuredClone(document));
        }
        return { existing, refused };
      },
      async load(ids) {
        calls.push(`load ${ids.length}`);
        return new Map(ids.flatMap((id) => (attendances.has(id) ? [[id, structuredClone(attendances.get(id) as AttendanceDocument)] as const] : [])));
      },
    },
    journal: {
      async start() {},
      async append(documents) {
        calls.push(`journal ${documents.map((document) => document._id).join(',')}`);
        for (const document of documents) if (!journal.has(document._id)) journal.set(document._id, structuredClone(document));
      },
    },
    reports: {
      async load(id) {
        return reports.has(id) ? structuredClone(reports.get(id)) : undefined;
      },
      async replace(next, expectedOffset, expectedUpdatedAt) {
        calls.push(`report ${next._id}`);
        if (reportFailures > 0) {
          reportFailures -= 1;
          throw new Error('store went away');
        }
        options.beforeReportWrite?.(reports);
        const stored = reports.get(next._id);
        if ((stored?.offset ?? -1) !== expectedOffset) return false;
        if (stored && stored.updatedAt.getTime() !== expectedUpdatedAt.getTime()) return false;
        reports.set(next._id, structuredClone(next));
        return true;
      },
    },
    deadLetters: {
      async add(added) {
        for (const letter of added) letters.set(letter.id, letter);
      },
      async markResolved() {},
      async markFailed() {},
    },
    corrections: {
      async loadDay(userId, day) {
        const copy = <T>(value: T | undefined): T | null => (value === undefined ? null : structuredClone(value));
        return { checkIn: copy(attendances.get(attendanceId(userId, day, 'checkin'))), checkOut: copy(attendances.get(attendanceId(userId, day, 'checkout'))), excuse: copy(excuses.get(excuseId(userId, day))) };
      },
      async load(id) {
        return corrections.has(id) ? structuredClone(corrections.get(id)) : undefined;
      },
      async insertNew(correction) {
        calls.push(`correction ${correction._id}`);
        if (!corrections.has(correction._id)) corrections.set(correction._id, structuredClone(correction));
        return structuredClone(corrections.get(correction._id) as CorrectionDocument);
      },
      async writeSlots(userId, day, after, slots) {
        for (const slot of slots) {
          const id = slot === 'excuse' ? excuseId(userId, day) : attendanceId(userId, day, slot === 'checkIn' ? 'checkin' : 'checkout');
          const target = (slot === 'excuse' ? excuses : attendances) as Map<string, unknown>;
          const document = after[slot];
          if (document) target.set(id, structuredClone(document));
          else target.delete(id);
        }
      },
      async markUndone(id, undoneBy) {
        const stored = corrections.get(id);
        if (stored) stored.undoneBy = undoneBy;
      },
    },
    schedule: { startTimeOf: () => '08:00', timeZone: 'UTC' },
  };
  const totals = () => sumPartitionReports(reports.values());
  /** What the journal says of each slot, `userId|day|type` -> `schoolId@time`, every copy of a slot listed. */
  const journaled = () =>
    [...journal.values()].flatMap((document) => journalRecordsOf(document).map((record) => `${attendanceId(record.userId, record.day, record.type)}=${record.schoolId}@${record.at.toISOString()}`)).sort();
  return { ports, attendances, reports, letters, calls, totals, corrections, excuses, journal, journaled };
}

let nextOffset = 0;

function correction(change: CorrectionEvent['change'], overrides: Partial<CorrectionEvent> = {}, offset = nextOffset++): IncomingMessage {
  const event: CorrectionEvent = { kind: 'correction', id: `c${offset}`, userId: 'u1', schoolId: 's1', day, by: { role: 'school', id: 'st-1' }, receivedAt: '2026-11-21T10:00:00.000Z', change, ...overrides };
  return { topic: 'attendance', partition: 0, offset, value: Buffer.from(JSON.stringify(event)) };
}
function message(overrides: Partial<AttendanceEvent> = {}, offset = nextOffset++): IncomingMessage {
  const event: AttendanceEvent = {
    id: `r${offset}`,
    type: 'checkin',
    userId: 'u1',
    schoolId: 's1',
    timestamp: '2026-11-21T07:58:00.000Z',
    day,
    temperature: 36.6,
    receivedAt: '2026-11-21T07:58:00.100Z',
    ...overrides,
  };
  return { topic: 'attendance', partition: 0, offset, value: Buffer.from(JSON.stringify(event)) };
}

describe('storeMessages', () => {
  it('stores a check-in and a check-out as two documents and counts each once, a student with two high readings as one fever', async () => {
    const { ports, attendances, totals } = memoryPorts();
    await storeMessages([message({ temperature: 38.5 }), message({ type: 'checkout', temperature: 38.2 })], ports, now);
    expect([...attendances.keys()].sort()).toEqual(['u1|2026-11-21|checkin', 'u1|2026-11-21|checkout']);
    expect(attendances.get('u1|2026-11-21|checkin')).toMatchObject({ recordId: expect.any(String), fever: true, schoolId: 's1' });
    expect(attendances.get('u1|2026-11-21|checkout')).toMatchObject({ fever: false });
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 1, fevers: 1, lates: 0, excused: 0 });
  });

  it('inserts check-ins before check-outs and writes the report only after both, one report write per batch', async () => {
    const { ports, calls } = memoryPorts();
    const batch = [message({ userId: 'a', schoolId: 's1' }), message({ userId: 'b', schoolId: 's2' }), message({ userId: 'a', type: 'checkout' }), message({ userId: 'c', schoolId: 's3' })];
    await storeMessages(batch, ports, now);
    const offsets = `0:${batch[0]?.offset}-${batch[3]?.offset}`;
    expect(calls).toEqual(['insert checkin,checkin,checkin', 'insert checkout', `journal ${day}:checkin:${offsets},${day}:checkout:${offsets}`, `report ${day}|0`]);
  });

  it("journals what each slot holds: the first message's document, never a later duplicate's; a redelivered batch is the same journal document", async () => {
    const { ports, journal, journaled } = memoryPorts();
    const morning = [message({ userId: 'a', schoolId: 's1', timestamp: '2026-11-21T07:58:00.000Z' }), message({ userId: 'b', schoolId: 's2', timestamp: '2026-11-21T08:01:00.000Z' })];
    await storeMessages(morning, ports, now);
    // A second check-in of a (another record, another school) and a's check-out.
    const later = [message({ userId: 'a', schoolId: 's3', timestamp: '2026-11-21T08:30:00.000Z' }), message({ userId: 'a', type: 'checkout', timestamp: '2026-11-21T15:00:00.000Z' })];
    await storeMessages(later, ports, now);
    await storeMessages(morning, ports, now);
    expect(journal.size).toBe(3);
    expect(journaled()).toEqual([
      'a|2026-11-21|checkin=s1@2026-11-21T07:58:00.000Z',
      'a|2026-11-21|checkin=s1@2026-11-21T07:58:00.000Z',
      'a|2026-11-21|checkout=s1@2026-11-21T15:00:00.000Z',
      'b|2026-11-21|checkin=s2@2026-11-21T08:01:00.000Z',
    ]);
  });

  it('journals nothing of a record it could not store, and the journal is written before the report', async () => {
    const { ports, journaled, calls, letters } = memoryPorts({ refuse: new Set(['bad']), failReportWrites: 1 });
    const batch = [message({ userId: 'bad' }), message({ userId: 'good', schoolId: 's2', timestamp: '2026-11-21T08:10:00.000Z' }), { ...message(), value: Buffer.from('not json') }];
    await expect(storeMessages(batch, ports, now)).rejects.toThrow('store went away');
    expect(calls.findIndex((call) => call.startsWith('journal'))).toBeLessThan(calls.findIndex((call) => call.startsWith('report')));
    await storeMessages(batch, ports, now);
    expect(journaled()).toEqual(['good|2026-11-21|checkin=s2@2026-11-21T08:10:00.000Z']);
    expect(letters.size).toBe(2);
  });

  it('changes nothing when the same batch is delivered again', async () => {
    const { ports, attendances, totals } = memoryPorts();
    const batch = [message({ userId: 'a' }), message({ userId: 'b', temperature: 39 }), message({ userId: 'a', type: 'checkout' })];
    await storeMessages(batch, ports, now);
    const before = { documents: structuredClone([...attendances]), totals: totals() };
    const summary = await storeMessages(batch, ports, now);
    expect(summary.deadLettered).toEqual([]);
    expect([...attendances]).toEqual(before.documents);
    expect(totals()).toEqual(before.totals);
    expect(totals().get('s1')).toEqual({ checkIns: 2, checkOuts: 1, fevers: 1, lates: 0, excused: 0 });
  });

  it('counts a batch exactly once when the process died after storing the records but before the report', async () => {
    const { ports, totals } = memoryPorts({ failReportWrites: 1 });
    const batch = [message({ userId: 'a' }), message({ userId: 'b' }), message({ userId: 'b', type: 'checkout' })];
    await expect(storeMessages(batch, ports, now)).rejects.toThrow('store went away');
    expect(totals().get('s1')).toBeUndefined();
    await storeMessages(batch, ports, now);
    expect(totals().get('s1')).toEqual({ checkIns: 2, checkOuts: 1, fevers: 0, lates: 0, excused: 0 });
  });

  it('counts nothing for a second record of a filled slot (a duplicate check-in), in the same batch or a later one', async () => {
    const { ports, attendances, totals } = memoryPorts();
    const first = message({ userId: 'a' });
    await storeMessages([first, message({ userId: 'a', temperature: 39 })], ports, now);
    await storeMessages([message({ userId: 'a', temperature: 39.5 })], ports, now);
    expect(attendances.get('a|2026-11-21|checkin')?.source).toBe(`0:${first.offset}`);
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });
  });

  it("counts a check-out's fever only when the stored check-in (from an earlier batch) was not one", async () => {
    const { ports, totals } = memoryPorts();
    await storeMessages([message({ userId: 'hot', temperature: 38.9 }), message({ userId: 'cool' })], ports, now);
    await storeMessages([message({ userId: 'hot', type: 'checkout', temperature: 38.4 }), message({ userId: 'cool', type: 'checkout', temperature: 38.4 })], ports, now);
    expect(totals().get('s1')).toEqual({ checkIns: 2, checkOuts: 2, fevers: 2, lates: 0, excused: 0 });
  });

  it('dead-letters what the store refuses and what is not a record, and counts the rest', async () => {
    const { ports, letters, totals } = memoryPorts({ refuse: new Set(['bad']) });
    const poison: IncomingMessage = { topic: 'attendance', partition: 0, offset: nextOffset++, value: Buffer.from('{not json') };
    const summary = await storeMessages([message({ userId: 'bad' }), poison, message({ userId: 'good' })], ports, now);
    expect(summary.deadLettered.map(({ reason }) => reason).sort()).toEqual(['invalid-json', 'rejected-by-database']);
    expect([...letters.values()].map((letter) => letter.source.offset)).toContain(poison.offset);
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });
  });

  it('re-reads a report the reprocess job corrected under the same offset between its read and its write, losing neither', async () => {
    let corrected = false;
    // Between the consumer's read and its write, the job adds a check-in it found missing (same offset, new updatedAt).
    const { ports, totals, calls } = memoryPorts({
      beforeReportWrite: (reports) => {
        const report = reports.get(`${day}|0`);
        if (!report || corrected) return;
        corrected = true;
        const s1 = report.schools.s1 as PartitionReport['schools'][string];
        reports.set(report._id, { ...report, schools: { ...report.schools, s1: { ...s1, checkIns: s1.checkIns + 1 } }, updatedAt: new Date(report.updatedAt.getTime() + 1) });
      },
    });
    await storeMessages([message({ userId: 'a' })], ports, now);
    await storeMessages([message({ userId: 'b' })], ports, new Date(now.getTime() + 1000));
    expect(corrected).toBe(true);
    expect(totals().get('s1')).toEqual({ checkIns: 3, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });
    expect(calls.filter((call) => call.startsWith('report'))).toHaveLength(3);
  });

  it("keeps each day's counts in that day's report", async () => {
    const { ports, reports } = memoryPorts();
    await storeMessages([message({ userId: 'late', day: '2026-11-20', timestamp: '2026-11-20T08:00:00.000Z' }), message({ userId: 'now' })], ports, now);
    expect([...reports.keys()].sort()).toEqual(['2026-11-20|0', '2026-11-21|0']);
    expect(reports.get('2026-11-20|0')?.schools).toEqual({ s1: { checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } });
  });

  it('marks a check-in after the school start time late, with its minutes', async () => {
    const { ports, attendances, totals } = memoryPorts();
    await storeMessages([message({ userId: 'early' }), message({ userId: 'slow', timestamp: '2026-11-21T08:17:30.000Z' })], ports, now);
    expect(attendances.get('slow|2026-11-21|checkin')?.lateMinutes).toBe(17);
    expect(attendances.get('early|2026-11-21|checkin')).not.toHaveProperty('lateMinutes');
    expect(totals().get('s1')).toEqual({ checkIns: 2, checkOuts: 0, fevers: 0, lates: 1, excused: 0 });
  });
});

describe('storeMessages with staff corrections', () => {
  it('counts a staff check-in once when its event is delivered twice, and a later device check-in not at all', async () => {
    const { ports, attendances, totals } = memoryPorts();
    const first = correction({ action: 'checkin', at: '2026-11-21T08:05:00.000Z' });
    const copy = { ...first, offset: nextOffset++ };
    await storeMessages([first], ports, now);
    await storeMessages([first, copy, message({ userId: 'u1' })], ports, now);
    expect(attendances.get('u1|2026-11-21|checkin')).toMatchObject({ correction: { id: `c${first.offset}` }, lateMinutes: 5, source: `0:${first.offset}` });
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 1, excused: 0 });
  });

  it('applies a time correction exactly once even when the process died before the report, with the device record delivered again', async () => {
    const { ports, attendances, totals } = memoryPorts({ failReportWrites: 1 });
    const device = message({ userId: 'u1', timestamp: '2026-11-21T08:30:00.000Z' });
    const fix = correction({ action: 'checkin', at: '2026-11-21T07:55:00.000Z' });
    await expect(storeMessages([device, fix], ports, now)).rejects.toThrow('store went away');
    await storeMessages([device, fix], ports, now);
    await storeMessages([device, fix], ports, now);
    expect(attendances.get('u1|2026-11-21|checkin')).toMatchObject({ at: new Date('2026-11-21T07:55:00.000Z'), recorded: { lateMinutes: 30 } });
    expect(attendances.get('u1|2026-11-21|checkin')).not.toHaveProperty('lateMinutes');
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });
  });

  it('counts an excused absence, refuses excusing a student who came, and undoes an excuse', async () => {
    const { ports, excuses, corrections, totals } = memoryPorts();
    const excuse = correction({ action: 'excuse', reason: 'sick', note: 'flu' }, { userId: 'away' });
    await storeMessages([excuse, message({ userId: 'here' }), correction({ action: 'excuse', reason: 'family' }, { userId: 'here' })], ports, now);
    expect(excuses.get('away|2026-11-21')).toMatchObject({ reason: 'sick', note: 'flu', by: { id: 'st-1' } });
    expect(excuses.has('here|2026-11-21')).toBe(false);
    expect([...corrections.values()].map((stored) => stored.status)).toEqual(['applied', 'refused']);
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 1 });
    await storeMessages([correction({ action: 'undo', correctionId: `c${excuse.offset}` }, { userId: 'away' })], ports, now);
    expect(excuses.has('away|2026-11-21')).toBe(false);
    expect(corrections.get(`c${excuse.offset}`)?.undoneBy).toBeDefined();
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });
  });

  it('undoes an added check-in, after which a device check-in counts again', async () => {
    const { ports, attendances, totals } = memoryPorts();
    const added = correction({ action: 'checkin', at: '2026-11-21T07:50:00.000Z', temperature: 38.6 });
    await storeMessages([added], ports, now);
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 1, lates: 0, excused: 0 });
    await storeMessages([correction({ action: 'undo', correctionId: `c${added.offset}` }), message({ userId: 'u1', timestamp: '2026-11-21T08:10:00.000Z' })], ports, now);
    expect(attendances.get('u1|2026-11-21|checkin')).toMatchObject({ lateMinutes: 10 });
    expect(attendances.get('u1|2026-11-21|checkin')).not.toHaveProperty('correction');
    expect(totals().get('s1')).toEqual({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 1, excused: 0 });
  });
});
