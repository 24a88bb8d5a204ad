import { attendanceEventSchema, describeIssues, isFever, type AttendanceEvent } from '@attendance/common';
import { checkInIdOf, documentIdOf, documentOf, effectOf, type AttendanceDocument, type ReportEffect, type SourcedEvent } from './attendance-document.ts';
import { addEffects, emptyReport, groupByReport, type PartitionReport } from './partition-report.ts';

/** A Kafka message as the consumer hands it over. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: number;
  value: Buffer | null;
  /** Set by the dead-letter retry job when it republishes an entry. */
  deadLetterId?: string;
}

export interface DeadLetterInput {
  /** `topic:partition:offset`, so a redelivered poison message is one entry, not two. */
  id: string;
  record: unknown;
  error: { code: string; message: string; details?: unknown };
  source: { topic: string; partition: number; offset: number };
}

export interface AttendanceStore {
  /**
   * Inserts documents whose `_id` must not exist yet, in as few round trips
   * as the store allows. Returns the ids that existed (left untouched) and
   * those refused for their content; throws on outages, which the caller retries.
   */
  insertNew(documents: AttendanceDocument[]): Promise<{ existing: string[]; refused: { id: string; error: { code: string; message: string } }[] }>;
  load(ids: string[]): Promise<Map<string, AttendanceDocument>>;
}

export interface PartitionReportStore {
  load(id: string): Promise<PartitionReport | undefined>;
  /**
   * Writes `next` only while the stored report's offset is still
   * `expectedOffset` (-1: while there is none). False when it moved: re-read and retry.
   */
  replace(next: PartitionReport, expectedOffset: number): Promise<boolean>;
}

export interface DeadLetterStore {
  add(letters: DeadLetterInput[], now: Date): Promise<void>;
  /** A republished entry was stored: it is done. */
  markResolved(ids: string[], now: Date): Promise<void>;
  /** A republished entry failed again: keep its latest error on the same entry. */
  markFailed(id: string, error: { code: string; message: string }, now: Date): Promise<void>;
}

export interface StorePorts {
  attendances: AttendanceStore;
  reports: PartitionReportStore;
  deadLetters: DeadLetterStore;
}

export interface StoreSummary {
  stored: number;
  deadLettered: { reason: string }[];
}

/** The dead letter of a message that can never be stored; one per `topic:partition:offset`. */
function letterFor(message: IncomingMessage, record: unknown, error: DeadLetterInput['error']): DeadLetterInput {
  return { id: `${message.topic}:${message.partition}:${message.offset}`, record, error, source: { topic: message.topic, partition: message.partition, offset: message.offset } };
}

function decode(message: IncomingMessage): { event: AttendanceEvent } | { letter: DeadLetterInput } {
  const text = message.value?.toString('utf8') ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { letter: letterFor(message, text, { code: 'invalid-json', message: 'message value is not JSON' }) };
  }
  const parsed = attendanceEventSchema.safeParse(json);
  if (!parsed.success) {
    return { letter: letterFor(message, json, { code: 'invalid-record', message: 'message is not a valid attendance event', details: describeIssues(parsed.error) }) };
  }
  return { event: parsed.data };
}

/**
 * Stores one partition's batch, exactly once in effect, in a constant number
 * of database operations per batch (not per record or school):
 * 1. invalid messages become dead letters;
 * 2. each record is inserted as its own document (check-ins first, then
 *    check-outs, whose fever depends on the stored check-in); a slot already
 *    filled is a duplicate key, read back only to tell a redelivery from a
 *    duplicate record;
 * 3. the partition's report for the day gets the effects past its watermark
 *    in one conditional write.
 * Everything is acknowledged before the caller commits the offsets, so a
 * crash at any point means redelivery, and redelivery changes nothing twice.
 */
export async function storeMessages(messages: IncomingMessage[], ports: StorePorts, now: Date): Promise<StoreSummary> {
  const failed: { message: IncomingMessage; letter: DeadLetterInput }[] = [];
  const retriedLetters = new Map<string, IncomingMessage>();
  const valid: Valid[] = [];
  for (const message of messages) {
    const decoded = decode(message);
    if ('letter' in decoded) failed.push({ message, letter: decoded.letter });
    else valid.push({ event: decoded.event, partition: message.partition, offset: message.offset, message });
  }

  const checkIns = valid.filter(({ event }) => event.type === 'checkin');
  const checkOuts = valid.filter(({ event }) => event.type === 'checkout');
  const storedCheckIns = await storeSlots(checkIns, () => false, ports.attendances);
  const checkInFever = await checkInFevers(checkOuts, storedCheckIns.stored, ports.attendances);
  const storedCheckOuts = await storeSlots(checkOuts, (message) => checkInFever.has(checkInIdOf(message)), ports.attendances);

  const countable: ReportEffect[] = [];
  for (const item of valid) {
    const { stored, refused } = item.event.type === 'checkin' ? storedCheckIns : storedCheckOuts;
    const id = documentIdOf(item);
    const error = refused.get(id);
    const document = stored.get(id);
    if (error || !document) {
      failed.push({ message: item.message, letter: letterFor(item.message, item.event, error ?? { code: 'rejected-by-database', message: 'not stored' }) });
      continue;
    }
    countable.push(effectOf(item, document));
    if (item.message.deadLetterId) retriedLetters.set(item.message.deadLetterId, item.message);
  }

  await applyReportEffects(countable, ports.reports, now);

  // Entries the retry job republished: settle them on the original entry instead of adding new ones.
  const fresh: DeadLetterInput[] = [];
  for (const { message, letter } of failed) {
    if (message.deadLetterId) await ports.deadLetters.markFailed(message.deadLetterId, letter.error, now);
    else fresh.push(letter);
  }
  if (fresh.length > 0) await ports.deadLetters.add(fresh, now);
  if (retriedLetters.size > 0) await ports.deadLetters.markResolved([...retriedLetters.keys()], now);

  return { stored: countable.length, deadLettered: failed.map(({ letter }) => ({ reason: letter.error.code })) };
}

type Valid = SourcedEvent & { message: IncomingMessage };

interface StoredSlots {
  /** The document that holds each slot the messages aimed at. */
  stored: Map<string, AttendanceDocument>;
  refused: Map<string, { code: string; message: string }>;
}

/**
 * Inserts the first message's document for each slot, in one round trip.
 * Slots that were already filled (a duplicate record, or this very message
 * stored before a crash) are read back, so the caller can tell which.
 */
async function storeSlots(messages: Valid[], checkInFever: (message: Valid) => boolean, attendances: AttendanceStore): Promise<StoredSlots> {
  const candidates = new Map<string, AttendanceDocument>();
  for (const message of messages) {
    const id = documentIdOf(message);
    if (!candidates.has(id)) candidates.set(id, documentOf(message, checkInFever(message)));
  }
  const { existing, refused } = await attendances.insertNew([...candidates.values()]);
  const stored = new Map(candidates);
  for (const { id } of refused) stored.delete(id);
  if (existing.length > 0) {
    const found = await attendances.load(existing);
    for (const id of existing) {
      const document = found.get(id);
      // It existed a moment ago: gone now means someone deleted it; retry the batch rather than guess.
      if (!document) throw new Error(`attendance ${id} existed on insert but could not be read`);
      stored.set(id, document);
    }
  }
  return { stored, refused: new Map(refused.map(({ id, error }) => [id, error])) };
}

/**
 * The check-ins (by document id) whose reading was a fever, for the
 * check-outs that have a high reading themselves: from this batch, or read
 * by id (only for those few check-outs, never for all of them).
 */
async function checkInFevers(checkOuts: Valid[], batchCheckIns: Map<string, AttendanceDocument>, attendances: AttendanceStore): Promise<Set<string>> {
  const needed = new Set(checkOuts.filter(({ event }) => isFever(event.temperature)).map(checkInIdOf));
  const known = new Map<string, AttendanceDocument>();
  const missing: string[] = [];
  for (const id of needed) {
    const document = batchCheckIns.get(id);
    if (document) known.set(id, document);
    else missing.push(id);
  }
  if (missing.length > 0) for (const [id, document] of await attendances.load(missing)) known.set(id, document);
  return new Set([...known].filter(([, document]) => document.fever).map(([id]) => id));
}

const MAX_WATERMARK_RACES = 5;

/**
 * One conditional write per partition report (day and partition) the batch
 * touched. Reports of different days are different documents: they are
 * written side by side.
 */
async function applyReportEffects(effects: ReportEffect[], reports: PartitionReportStore, now: Date): Promise<void> {
  await Promise.all(
    [...groupByReport(effects)].map(async ([id, group]) => {
      const first = group[0] as ReportEffect;
      for (let race = 0; race < MAX_WATERMARK_RACES; race += 1) {
        const current: PartitionReport = (await reports.load(id)) ?? emptyReport(first.day, first.partition, now);
        const next = addEffects(current, group, now);
        if (!next || (await reports.replace(next, current.offset))) return;
      }
      throw new Error(`report ${id} kept moving: another consumer is writing the same partition`);
    }),
  );
}
