import {
  type AttendanceEvent,
  attendanceEventSchema,
  type CorrectionDocument,
  type CorrectionEvent,
  correctionEventSchema,
  type DayState,
  dayOf,
  describeIssues,
  isFever,
  journalDocumentsOf,
  type StateJournalDocument,
} from '@attendance/common/records';
import { changedSlots, correctionDocumentOf } from './apply-correction.ts';
import { checkInIdOf, documentIdOf, documentOf, effectOf, sourceOf, type AttendanceDocument, type ReportEffect, type SourcedEvent } from './attendance-document.ts';
import { lateMinutesOf, type StartTimeOf } from './late-arrival.ts';
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
   * `expectedOffset` (-1: while there is none) and its `updatedAt` still
   * `expectedUpdatedAt` (the `reprocess` job rewrites counts under the same
   * offset). False when it moved: re-read and retry.
   */
  replace(next: PartitionReport, expectedOffset: number, expectedUpdatedAt: Date): Promise<boolean>;
}

/** Staff corrections and the student-day documents they change (rare: one user-day at a time). */
export interface CorrectionStore {
  /** A student's day as stored: check-in, check-out, excuse (by `_id`). */
  loadDay(userId: string, day: string): Promise<DayState>;
  load(id: string): Promise<CorrectionDocument | undefined>;
  /** Inserts the correction unless its id exists; answers the stored one (this one, or the first with that id). */
  insertNew(correction: CorrectionDocument): Promise<CorrectionDocument>;
  /** Makes the given slots hold `after`'s documents (replace, insert or delete by `_id`): the same call twice changes nothing more. */
  writeSlots(userId: string, day: string, after: DayState, slots: readonly (keyof DayState)[]): Promise<void>;
  markUndone(id: string, undoneBy: string): Promise<void>;
}

/** When each school starts (late check-ins), in the attendance time zone. */
export interface Schedule {
  startTimeOf: StartTimeOf;
  timeZone: string;
}

export interface DeadLetterRecorder {
  add(letters: DeadLetterInput[], now: Date): Promise<void>;
  /** A republished entry was stored: it is done. */
  markResolved(ids: string[], now: Date): Promise<void>;
  /** A republished entry failed again: keep its latest error on the same entry. */
  markFailed(id: string, error: { code: string; message: string }, now: Date): Promise<void>;
}

/** The `rebuild` job's compact copy of what is stored (see `state-journal.ts` in common). */
export interface StateJournal {
  /** Before the first record is stored: dates from which day the journal is complete (once; later calls return at once). */
  start(today: string, now: Date): Promise<void>;
  /** Inserts the documents unless their ids exist (the same batch written before). */
  append(documents: StateJournalDocument[]): Promise<void>;
}

export interface StorePorts {
  attendances: AttendanceStore;
  journal: StateJournal;
  reports: PartitionReportStore;
  deadLetters: DeadLetterRecorder;
  corrections: CorrectionStore;
  schedule: Schedule;
}

export interface StoreSummary {
  stored: number;
  deadLettered: { reason: string }[];
}

/** The dead letter of a message that can never be stored; one per `topic:partition:offset`. */
function letterFor(message: IncomingMessage, record: unknown, error: DeadLetterInput['error']): DeadLetterInput {
  return { id: `${message.topic}:${message.partition}:${message.offset}`, record, error, source: { topic: message.topic, partition: message.partition, offset: message.offset } };
}

function decode(message: IncomingMessage): { event: AttendanceEvent } | { correction: CorrectionEvent } | { letter: DeadLetterInput } {
  const text = message.value?.toString('utf8') ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { letter: letterFor(message, text, { code: 'invalid-json', message: 'message value is not JSON' }) };
  }
  if (typeof json === 'object' && json !== null && 'kind' in json && json.kind === 'correction') {
    const correction = correctionEventSchema.safeParse(json);
    if (correction.success) return { correction: correction.data };
    return { letter: letterFor(message, json, { code: 'invalid-correction', message: 'message is not a valid correction event', details: describeIssues(correction.error) }) };
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
 * 3. the stored documents of the batch's slots go to the state journal, one
 *    insert per day and type;
 * 4. the partition's report for the day gets the effects past its watermark
 *    in one conditional write.
 * Everything is acknowledged before the caller commits the offsets, so a
 * crash at any point means redelivery, and redelivery changes nothing twice.
 */
export async function storeMessages(messages: IncomingMessage[], ports: StorePorts, now: Date): Promise<StoreSummary> {
  const failed: { message: IncomingMessage; letter: DeadLetterInput }[] = [];
  const retriedLetters = new Map<string, IncomingMessage>();
  const countable: ReportEffect[] = [];
  const journaled = new Map<string, AttendanceDocument>();
  await ports.journal.start(dayOf(now.getTime(), ports.schedule.timeZone), now);
  // Device records go in bulk; a correction (rare) splits the batch so every user's messages keep their order.
  let run: Valid[] = [];
  const storeRun = async (): Promise<void> => {
    if (run.length === 0) return;
    const stored = await storeDeviceRecords(run, ports);
    run = [];
    countable.push(...stored.countable);
    for (const document of stored.documents) journaled.set(document._id, document);
    failed.push(...stored.failed);
    for (const message of stored.retried) if (message.deadLetterId) retriedLetters.set(message.deadLetterId, message);
  };
  for (const message of messages) {
    const decoded = decode(message);
    if ('letter' in decoded) failed.push({ message, letter: decoded.letter });
    else if ('correction' in decoded) {
      await storeRun();
      countable.push(await storeCorrection(decoded.correction, message, ports));
      if (message.deadLetterId) retriedLetters.set(message.deadLetterId, message);
    } else run.push({ event: decoded.event, partition: message.partition, offset: message.offset, message });
  }
  await storeRun();

  const first = messages[0];
  const last = messages.at(-1);
  if (first && last && journaled.size > 0) {
    const batch = { partition: first.partition, firstOffset: first.offset, lastOffset: last.offset };
    await ports.journal.append(journalDocumentsOf(batch, journaled.values(), now));
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

/**
 * A run of device records, in a constant number of operations: each record
 * is inserted as its own document (check-ins first, then check-outs, whose
 * fever depends on the stored check-in); a slot already filled is a
 * duplicate key, read back only to tell a redelivery from a duplicate record.
 */
async function storeDeviceRecords(
  valid: Valid[],
  ports: StorePorts,
): Promise<{ countable: ReportEffect[]; documents: AttendanceDocument[]; failed: { message: IncomingMessage; letter: DeadLetterInput }[]; retried: IncomingMessage[] }> {
  const { startTimeOf, timeZone } = ports.schedule;
  const lateOf = ({ event }: Valid): number => (event.type === 'checkin' ? lateMinutesOf(Date.parse(event.timestamp), startTimeOf(event.schoolId), timeZone) : 0);
  const checkIns = valid.filter(({ event }) => event.type === 'checkin');
  const checkOuts = valid.filter(({ event }) => event.type === 'checkout');
  const storedCheckIns = await storeSlots(checkIns, () => false, lateOf, ports.attendances);
  const checkInFever = await checkInFevers(checkOuts, storedCheckIns.stored, ports.attendances);
  const storedCheckOuts = await storeSlots(checkOuts, (message) => checkInFever.has(checkInIdOf(message)), lateOf, ports.attendances);

  const countable: ReportEffect[] = [];
  const failed: { message: IncomingMessage; letter: DeadLetterInput }[] = [];
  const retried: IncomingMessage[] = [];
  // What each slot holds (the first message's document, or the one stored before): what the journal keeps.
  const documents = [...storedCheckIns.stored.values(), ...storedCheckOuts.stored.values()];
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
    retried.push(item.message);
  }
  return { countable, documents, failed, retried };
}

/**
 * One correction, exactly once in effect, by the same rule as a device
 * record: the correction document is inserted once (`_id` = its id) with the
 * day before and after it and its effect, all decided from the day as stored
 * at this point of the partition; it counts only when the stored document is
 * its own (`partition:offset`). Then the day's documents are set to its
 * `after` (idempotent: a redelivery sets them again, and every later message
 * of that user, in the same partition, is redelivered after it and sets its
 * own). The report's watermark applies the effect at most once.
 */
async function storeCorrection(event: CorrectionEvent, message: IncomingMessage, ports: StorePorts): Promise<ReportEffect> {
  const { corrections, schedule } = ports;
  const source = sourceOf(message.partition, message.offset);
  let stored = await corrections.load(event.id);
  if (!stored) {
    const target = event.change.action === 'undo' ? await corrections.load(event.change.correctionId) : undefined;
    const state = await corrections.loadDay(event.userId, event.day);
    const document = correctionDocumentOf(event, state, { partition: message.partition, offset: message.offset, startTime: schedule.startTimeOf(event.schoolId), timeZone: schedule.timeZone, target });
    stored = await corrections.insertNew(document);
  }
  const owns = stored.source === source;
  if (owns && stored.status === 'applied') {
    await corrections.writeSlots(stored.userId, stored.day, stored.after, changedSlots(stored.before, stored.after));
    if (stored.change.action === 'undo') await corrections.markUndone(stored.change.correctionId, stored._id);
  }
  const effect = owns ? stored.effect : { checkIns: 0, checkOuts: 0, fevers: 0, lates: 0, excused: 0 };
  return { schoolId: event.schoolId, day: event.day, partition: message.partition, offset: message.offset, ...effect };
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
async function storeSlots(messages: Valid[], checkInFever: (message: Valid) => boolean, lateOf: (message: Valid) => number, attendances: AttendanceStore): Promise<StoredSlots> {
  const candidates = new Map<string, AttendanceDocument>();
  for (const message of messages) {
    const id = documentIdOf(message);
    if (!candidates.has(id)) candidates.set(id, documentOf(message, checkInFever(message), lateOf(message)));
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
        if (!next || (await reports.replace(next, current.offset, current.updatedAt))) return;
      }
      throw new Error(`report ${id} kept moving: another consumer is writing the same partition`);
    }),
  );
}
