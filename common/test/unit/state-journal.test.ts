import { describe, expect, it } from 'vitest';
import { type JournalRecord, journalDocumentsOf, journalRecordsOf } from '../../src/state-journal.ts';

describe('the state journal', () => {
  const batch = { partition: 3, firstOffset: 120, lastOffset: 180 };
  const writtenAt = new Date('2026-11-24T08:00:00Z');
  const record = (userId: string, schoolId: string, day: string, type: JournalRecord['type'], at: string): JournalRecord => ({ userId, schoolId, day, type, at: new Date(at) });

  it('packs a batch into one document per day and type, named by the batch, and unpacks the same records', () => {
    const records = [
      record('u1', 'school-1', '2026-11-24', 'checkin', '2026-11-24T07:58:00.123Z'),
      record('u2 "quoted", \\ and\nnewline', 'school-2', '2026-11-24', 'checkin', '2026-11-24T08:01:00Z'),
      record('u1', 'school-1', '2026-11-24', 'checkout', '2026-11-24T15:00:00Z'),
      // Just after midnight, a record of the day before.
      record('u3', 'school-1', '2026-11-23', 'checkout', '2026-11-23T23:59:00Z'),
    ];
    const documents = journalDocumentsOf(batch, records, writtenAt);
    expect(documents.map((document) => document._id)).toEqual(['2026-11-24:checkin:3:120-180', '2026-11-24:checkout:3:120-180', '2026-11-23:checkout:3:120-180']);
    expect(documents[0]).toMatchObject({ day: '2026-11-24', type: 'checkin', schools: ['school-1', 'school-2'], writtenAt });
    expect(documents.flatMap(journalRecordsOf)).toEqual([records[0], records[1], records[2], records[3]]);
  });

  it('refuses a document whose records name a school it does not list', () => {
    const [document] = journalDocumentsOf(batch, [record('u1', 'school-1', '2026-11-24', 'checkin', '2026-11-24T07:58:00Z')], writtenAt);
    expect(() => journalRecordsOf({ ...(document as NonNullable<typeof document>), schools: [] })).toThrow('names school 0 of 0');
  });
});
