import { type AttendanceDocument, type AttendanceEvent, attendanceId, countsOfRecord, emptyCounts, isFever, type Source } from '@attendance/common/records';

export type { AttendanceDocument, Source } from '@attendance/common/records';
export { attendanceId } from '@attendance/common/records';

export interface SourcedEvent {
  event: AttendanceEvent;
  partition: number;
  offset: number;
}

/** What one message adds to its school's counts for its day, applied to the partition's report. */
export interface ReportEffect {
  schoolId: string;
  day: string;
  partition: number;
  offset: number;
  checkIns: number;
  checkOuts: number;
  fevers: number;
  lates: number;
  /** Can be negative, as every count of a correction's effect. */
  excused: number;
}

export const sourceOf = (partition: number, offset: number): Source => `${partition}:${offset}`;

export const documentIdOf = ({ event }: SourcedEvent): string => attendanceId(event.userId, event.day, event.type);

/** The check-in document a check-out's fever depends on. */
export const checkInIdOf = ({ event }: SourcedEvent): string => attendanceId(event.userId, event.day, 'checkin');

/**
 * The document a message stores if it is the first for its slot.
 *
 * `fever` says whether this reading is the one that counts the student's
 * fever that day: a check-in's high reading always is; a check-out's only
 * when the stored check-in's was not (`checkInFever`), so a student with two
 * high readings counts once.
 */
export function documentOf(message: SourcedEvent, checkInFever: boolean, lateMinutes = 0): AttendanceDocument {
  const { event, partition, offset } = message;
  return {
    _id: documentIdOf(message),
    userId: event.userId,
    schoolId: event.schoolId,
    day: event.day,
    type: event.type,
    recordId: event.id,
    at: new Date(event.timestamp),
    temperature: event.temperature,
    ...(event.image === undefined ? {} : { image: event.image }),
    receivedAt: new Date(event.receivedAt),
    source: sourceOf(partition, offset),
    fever: isFever(event.temperature) && (event.type === 'checkin' || !checkInFever),
    ...(event.type === 'checkin' && lateMinutes > 0 ? { lateMinutes } : {}),
  };
}

/**
 * What a message adds to the report, given the document that holds its slot.
 *
 * A message counts only when the stored document is its own (same
 * `partition:offset`): a duplicate record finds another message's document
 * and counts nothing, and a message delivered again after a crash finds its
 * own document and has exactly the effect it had the first time, which the
 * partition report's watermark then applies at most once.
 */
export function effectOf(message: SourcedEvent, stored: AttendanceDocument): ReportEffect {
  const { event, partition, offset } = message;
  const owns = stored.source === sourceOf(partition, offset);
  // A correction may have changed the document since: the message's own effect is what it stored.
  const own = stored.recorded ?? stored;
  const counts = owns ? countsOfRecord({ type: stored.type, fever: own.fever, lateMinutes: own.lateMinutes }) : emptyCounts();
  return { schoolId: stored.schoolId, day: event.day, partition, offset, ...counts };
}
