import { attendanceEventSchema, describeIssues, type AttendanceEvent } from '@attendance/common';
import { applyEvents, attendanceId, type AttendanceDocument, type ReportEffect, type SourcedEvent } from './attendance-document.ts';
import { reportShardId, shardDeltas, type ShardDelta } from './report-shard.ts';

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
   * Inserts documents that must not exist yet, in one round trip. Returns the
   * ids that did exist (left untouched) and those refused for their content.
   */
  insertNew(documents: AttendanceDocument[]): Promise<{ existing: string[]; refused: { id: string; error: { code: string; message: string } }[] }>;
  load(ids: string[]): Promise<Map<string, AttendanceDocument>>;
  /**
   * Writes the documents; returns those the database refused for their
   * content (with the reason). Throws on outages, which the caller retries.
   */
  save(documents: AttendanceDocument[]): Promise<{ id: string; error: { code: string; message: string } }[]>;
}

export interface ReportStore {
  watermarks(shardIds: string[]): Promise<Map<string, number>>;
  /** Applies the delta if the shard's watermark is still `fromOffset`; false if it moved (then re-read and retry). */
  apply(delta: ShardDelta, now: Date): Promise<boolean>;
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
  reports: ReportStore;
  deadLetters: DeadLetterStore;
}

export interface StoreSummary {
  stored: number;
  deadLettered: { reason: string }[];
}

const MAX_WATERMARK_RACES = 5;

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
 * Stores one partition's batch, exactly once in effect:
 * 1. invalid messages become dead letters;
 * 2. the users' day documents are loaded, the messages applied, the changed
 *    documents written (idempotent whole-document upserts);
 * 3. each report shard gets the effects past its watermark in one
 *    conditional single-document update.
 * Everything is acknowledged before the caller commits the offsets, so a
 * crash at any point means redelivery, and redelivery changes nothing twice.
 */
export async function storeMessages(messages: IncomingMessage[], ports: StorePorts, now: Date): Promise<StoreSummary> {
  const failed: { message: IncomingMessage; letter: DeadLetterInput }[] = [];
  const retriedLetters = new Map<string, IncomingMessage>();
  const valid: (SourcedEvent & { message: IncomingMessage })[] = [];
  for (const message of messages) {
    const decoded = decode(message);
    if ('letter' in decoded) failed.push({ message, letter: decoded.letter });
    else valid.push({ event: decoded.event, partition: message.partition, offset: message.offset, message });
  }

  const effectOf = await applyToAttendances(valid, ports.attendances, now);

  const countable: ReportEffect[] = [];
  for (const { event, message } of valid) {
    const effect = effectOf.get(message);
    if ('error' in effect) {
      failed.push({ message, letter: letterFor(message, event, effect.error) });
      continue;
    }
    countable.push(effect);
    if (message.deadLetterId) retriedLetters.set(message.deadLetterId, message);
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

type Outcome = ReportEffect | { error: { code: string; message: string } };

/**
 * Writes the users' day documents and says what each message adds to the
 * reports (or why the database refused it).
 *
 * Most messages are a user's first record of the day, so the documents are
 * first built as if none existed and inserted in one round trip (inserts are
 * cheap on MongoDB and FerretDB alike). Only the documents that already
 * existed (check-outs, duplicates, redeliveries) are read and rewritten, and
 * their messages' effects come from the stored state, so the outcome is the
 * same as reading every document first.
 */
async function applyToAttendances(valid: (SourcedEvent & { message: IncomingMessage })[], attendances: AttendanceStore, now: Date): Promise<{ get(message: IncomingMessage): Outcome }> {
  const outcomes = new Map<IncomingMessage, Outcome>();
  const idOf = ({ event }: SourcedEvent): string => attendanceId(event.userId, event.day);

  const assumedNew = applyEvents(new Map(), valid, now);
  const inserted = await attendances.insertNew([...assumedNew.changed.values()]);
  const existing = new Set(inserted.existing);
  const refused = new Map(inserted.refused.map(({ id, error }) => [id, error]));

  const rest = valid.filter((message) => existing.has(idOf(message)));
  const stored = applyEvents(await attendances.load([...existing]), rest, now);
  for (const { id, error } of await attendances.save([...stored.changed.values()])) refused.set(id, error);

  valid.forEach((message, i) => {
    if (!existing.has(idOf(message))) outcomes.set(message.message, assumedNew.effects[i] as ReportEffect);
  });
  rest.forEach((message, i) => outcomes.set(message.message, stored.effects[i] as ReportEffect));
  for (const message of valid) {
    const error = refused.get(idOf(message));
    if (error) outcomes.set(message.message, { error });
  }
  return { get: (message) => outcomes.get(message) as Outcome };
}

async function applyReportEffects(effects: ReportEffect[], reports: ReportStore, now: Date): Promise<void> {
  let pending = effects;
  for (let race = 0; pending.length > 0; race += 1) {
    if (race >= MAX_WATERMARK_RACES) throw new Error('report watermark kept moving: another consumer is writing the same partition');
    const ids = [...new Set(pending.map((effect) => reportShardId(effect.schoolId, effect.day, effect.partition)))];
    const deltas = shardDeltas(pending, await reports.watermarks(ids));
    const lost = new Set<string>();
    // Different shards are different documents: their updates can run side by side.
    await Promise.all(
      deltas
        .filter((delta) => delta.checkIns + delta.checkOuts + delta.fevers > 0)
        .map(async (delta) => {
          if (!(await reports.apply(delta, now))) lost.add(delta.id);
        }),
    );
    pending = pending.filter((effect) => lost.has(reportShardId(effect.schoolId, effect.day, effect.partition)));
  }
}
