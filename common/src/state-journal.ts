import type { AttendanceType } from './attendance-record.ts';

/**
 * The state journal: what the `rebuild` job needs of a day's stored records
 * (who, at which school, when), written by the consumer beside the
 * `attendances` documents, one document per (day, type) of each batch, with
 * the records packed into one string. Reading 1 million `attendances`
 * documents costs FerretDB about 80 s (it turns every row into BSON); the
 * same records in the journal are a few hundred documents.
 *
 * It is written before the batch's offsets are committed, so every stored
 * record is in it (a crash means redelivery, which writes it again; a batch
 * cut differently on redelivery is a second document with the same records:
 * rebuilding merges, so a record twice changes nothing). It holds what is
 * stored for each slot (the first message's document, read back on a
 * duplicate), never a later duplicate's values. Staff corrections change
 * slots afterwards without it: `rebuild` reads the corrected students' days
 * from `attendances` instead.
 */
export const STATE_JOURNAL_COLLECTION = 'state_journal';

/** The `_id` of the document that says from which day on the journal holds every stored record. */
export const STATE_JOURNAL_START_ID = 'start';

export interface StateJournalDocument {
  /** `day:type:partition:firstOffset-lastOffset` of the batch: a redelivery of the same batch is a duplicate key. */
  _id: string;
  day: string;
  type: AttendanceType;
  /** The schools the records name; each record refers to one by index. */
  schools: string[];
  /** JSON of `[userId, school index, time of the record in ms][]`. */
  records: string;
  writtenAt: Date;
}

/**
 * Written once, by the first consumer that journals: `since` is the first day
 * whose records all went through the journal (the day it started when no
 * record was stored before it, else the next day).
 */
export interface StateJournalStartDocument {
  /** {@link STATE_JOURNAL_START_ID}. */
  _id: string;
  since: string;
  startedAt: Date;
}

export interface JournalRecord {
  userId: string;
  schoolId: string;
  day: string;
  type: AttendanceType;
  at: Date;
}

/** One journal document per (day, type) of a partition's batch (`firstOffset`-`lastOffset`). */
export function journalDocumentsOf(batch: { partition: number; firstOffset: number; lastOffset: number }, records: Iterable<JournalRecord>, writtenAt: Date): StateJournalDocument[] {
  const groups = new Map<string, { day: string; type: AttendanceType; schools: Map<string, number>; rows: [string, number, number][] }>();
  for (const record of records) {
    const key = `${record.day}:${record.type}`;
    let group = groups.get(key);
    if (!group) {
      group = { day: record.day, type: record.type, schools: new Map(), rows: [] };
      groups.set(key, group);
    }
    let school = group.schools.get(record.schoolId);
    if (school === undefined) {
      school = group.schools.size;
      group.schools.set(record.schoolId, school);
    }
    group.rows.push([record.userId, school, record.at.getTime()]);
  }
  return [...groups].map(([key, group]) => ({
    _id: `${key}:${batch.partition}:${batch.firstOffset}-${batch.lastOffset}`,
    day: group.day,
    type: group.type,
    schools: [...group.schools.keys()],
    records: JSON.stringify(group.rows),
    writtenAt,
  }));
}

/** The records of a journal document, as {@link journalDocumentsOf} packed them. */
export function journalRecordsOf(document: Pick<StateJournalDocument, 'day' | 'type' | 'schools' | 'records'>): JournalRecord[] {
  const rows = JSON.parse(document.records) as [string, number, number][];
  return rows.map(([userId, school, at]) => {
    const schoolId = document.schools[school];
    if (schoolId === undefined) throw new Error(`state journal ${document.day}/${document.type}: a record names school ${school} of ${document.schools.length}`);
    return { userId, schoolId, day: document.day, type: document.type, at: new Date(at) };
  });
}
