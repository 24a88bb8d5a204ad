import { type AttendanceDocument, type CorrectionDocument, daySlots, type DayState, type ExcuseDocument } from '@attendance/common/records';
import { changedSlots } from './apply-correction.ts';

export const dayStatuses = ['present', 'late', 'absent', 'excused', 'checked-out'] as const;
export type DayStatus = (typeof dayStatuses)[number];

/** What a status depends on: which slots are filled, and the check-in's lateness (a `DayState`, or the office page's roster row). */
export interface StatusSlots {
  checkIn: { lateMinutes?: number | undefined } | null | undefined;
  checkOut: unknown;
  excuse: unknown;
}

/** One status per student and day: checked out, else late or present once checked in, else excused, else absent. */
export function statusOf(state: StatusSlots): DayStatus {
  if (state.checkOut) return 'checked-out';
  if (state.checkIn) return (state.checkIn.lateMinutes ?? 0) > 0 ? 'late' : 'present';
  return state.excuse ? 'excused' : 'absent';
}

const sourceOfRecord = (document: AttendanceDocument): 'device' | 'correction' => (document.correction || document.recorded ? 'correction' : 'device');

export function checkInView(document: AttendanceDocument | null) {
  return document ? { at: document.at, temperature: document.temperature ?? null, lateMinutes: document.lateMinutes ?? 0, source: sourceOfRecord(document) } : null;
}

export function checkOutView(document: AttendanceDocument | null) {
  return document ? { at: document.at, temperature: document.temperature ?? null, source: sourceOfRecord(document) } : null;
}

export function excuseView(document: ExcuseDocument | null) {
  return document ? { reason: document.reason, note: document.note ?? null, by: document.by } : null;
}

/** What a history entry shows of a slot before or after a change. */
function slotView(state: DayState, slots: readonly (keyof DayState)[]) {
  const view: Record<string, unknown> = {};
  for (const slot of slots) {
    const document = state[slot];
    if (slot === 'excuse') view.excuse = document ? { reason: (document as ExcuseDocument).reason, note: (document as ExcuseDocument).note ?? null } : null;
    else {
      const record = document as AttendanceDocument | null;
      view[slot] = record ? { at: record.at, temperature: record.temperature ?? null, ...(slot === 'checkIn' ? { lateMinutes: record.lateMinutes ?? 0 } : {}) } : null;
    }
  }
  return view;
}

export interface HistoryEntry {
  id: string;
  kind: 'device' | 'correction';
  action: string;
  at: Date | null;
  recordedAt: Date;
  by: { role: string; id: string } | null;
  reason?: string;
  note?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  undone?: boolean;
  /** Why the consumer refused it (the day had changed before its turn). */
  refused?: string;
}

/** The device records as they arrived (their own values, even when a correction changed them later). */
function deviceEntries(state: DayState, corrections: CorrectionDocument[]): HistoryEntry[] {
  const documents = new Map<string, AttendanceDocument>();
  // A device record a correction later undid or replaced is still in the corrections' before-states.
  for (const correction of corrections) for (const slot of ['checkIn', 'checkOut'] as const) for (const document of [correction.before[slot], correction.after[slot]]) if (document && !document.correction) documents.set(document._id, document);
  for (const document of [state.checkIn, state.checkOut]) if (document && !document.correction) documents.set(document._id, document);
  return [...documents.values()].map((document) => {
    const own = document.recorded ?? document;
    const slot = document.type === 'checkin' ? 'checkIn' : 'checkOut';
    return {
      id: document.recordId,
      kind: 'device',
      action: document.type,
      at: own.at,
      recordedAt: document.receivedAt,
      by: null,
      before: { [slot]: null },
      after: { [slot]: { at: own.at, temperature: own.temperature ?? null, ...(slot === 'checkIn' ? { lateMinutes: own.lateMinutes ?? 0 } : {}) } },
    };
  });
}

/** Every change of a student's day, oldest first: device records and corrections, with who, when, why, before and after. */
export function historyOf(state: DayState, corrections: CorrectionDocument[]): HistoryEntry[] {
  const entries: HistoryEntry[] = deviceEntries(state, corrections);
  for (const correction of corrections) {
    const changed = correction.status === 'applied' ? changedSlots(correction.before, correction.after) : [];
    const shown = changed.length > 0 ? changed : daySlots.filter((slot) => (correction.action === 'excuse' ? slot === 'excuse' : correction.action === 'checkout' ? slot === 'checkOut' : slot === 'checkIn'));
    const { change } = correction;
    entries.push({
      id: correction._id,
      kind: 'correction',
      action: correction.action,
      at: change.action === 'checkin' || change.action === 'checkout' ? new Date(change.at) : null,
      recordedAt: correction.receivedAt,
      by: correction.by,
      ...(change.action === 'excuse' ? { reason: change.reason, ...(change.note === undefined ? {} : { note: change.note }) } : {}),
      before: slotView(correction.before, shown),
      after: slotView(correction.after, shown),
      ...(correction.undoneBy ? { undone: true } : {}),
      ...(correction.status === 'refused' ? { refused: correction.error ?? 'refused' } : {}),
    });
  }
  return entries.sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
}
