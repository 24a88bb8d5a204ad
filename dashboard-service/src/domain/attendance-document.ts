import { attendanceId, isFever, type AttendanceDocument, type AttendanceEvent, type Source } from '@attendance/common';

export type { AttendanceDocument, EventDetails, Source } from '@attendance/common';
export { attendanceId } from '@attendance/common';

export interface SourcedEvent {
  event: AttendanceEvent;
  partition: number;
  offset: number;
}

/** What one message adds to its school's report for its day. */
export interface ReportEffect {
  schoolId: string;
  day: string;
  partition: number;
  offset: number;
  checkIns: number;
  checkOuts: number;
  fevers: number;
}

export const sourceOf = (partition: number, offset: number): Source => `${partition}:${offset}`;

/**
 * Applies messages (in offset order) to the users' day documents and says what
 * each message adds to the reports.
 *
 * The first message to fill a slot (check-in, check-out, fever) owns it and
 * its source is stored in the document. A message counts in the report only
 * for the slots it owns, so a duplicate record counts nothing, and a message
 * delivered again (after a crash or an offset reset) finds its own source in
 * the slot and has exactly the effect it had the first time, which the report
 * watermark then applies at most once.
 *
 * Mutates and returns the documents it changed.
 */
export function applyEvents(documents: Map<string, AttendanceDocument>, messages: SourcedEvent[], now: Date): { changed: Map<string, AttendanceDocument>; effects: ReportEffect[] } {
  const changed = new Map<string, AttendanceDocument>();
  const effects: ReportEffect[] = [];
  for (const { event, partition, offset } of messages) {
    const id = attendanceId(event.userId, event.day);
    const source = sourceOf(partition, offset);
    let document = documents.get(id);
    if (!document) {
      document = { _id: id, userId: event.userId, schoolId: event.schoolId, day: event.day, updatedAt: now };
      documents.set(id, document);
    }
    const slot = event.type === 'checkin' ? 'checkIn' : 'checkOut';
    let touched = false;
    if (!document[slot]) {
      document[slot] = {
        recordId: event.id,
        at: new Date(event.timestamp),
        temperature: event.temperature,
        ...(event.image === undefined ? {} : { image: event.image }),
        receivedAt: new Date(event.receivedAt),
        source,
      };
      touched = true;
    }
    const ownsSlot = document[slot]?.source === source;
    if (ownsSlot && isFever(event.temperature) && document.feverSource === undefined) {
      document.feverSource = source;
      touched = true;
    }
    if (touched) {
      document.updatedAt = now;
      changed.set(id, document);
    }
    effects.push({
      schoolId: event.schoolId,
      day: event.day,
      partition,
      offset,
      checkIns: ownsSlot && slot === 'checkIn' ? 1 : 0,
      checkOuts: ownsSlot && slot === 'checkOut' ? 1 : 0,
      fevers: ownsSlot && document.feverSource === source ? 1 : 0,
    });
  }
  return { changed, effects };
}
