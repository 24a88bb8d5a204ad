import { addCounts, type AttendanceDocument, attendanceId, type CorrectionDocument, type CorrectionEvent, countKeys, countsOfRecord, type DaySlot, daySlots, type DayState, emptyCounts, excuseId, isFever, type SchoolCounts } from '@attendance/common/records';
import { sourceOf } from './attendance-document.ts';
import { lateMinutesOf } from './late-arrival.ts';

export const emptyDay = (): DayState => ({ checkIn: null, checkOut: null, excuse: null });

/** What one student's day adds to the counts: each figure 0 or 1 (a fever counts once, on the document flagged). */
export function countsOfDay(state: DayState): SchoolCounts {
  const counts = emptyCounts();
  for (const record of [state.checkIn, state.checkOut]) if (record) addCounts(counts, countsOfRecord(record));
  counts.excused = state.excuse ? 1 : 0;
  return counts;
}

export function differenceOf(after: SchoolCounts, before: SchoolCounts): SchoolCounts {
  const effect = emptyCounts();
  for (const key of countKeys) effect[key] = after[key] - before[key];
  return effect;
}

/** Two versions of a slot hold the same thing (compared as stored: dates as ISO text). */
export function sameSlot(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The slots whose document differs between two states: what applying `after` writes. */
export function changedSlots(before: DayState, after: DayState): DaySlot[] {
  return daySlots.filter((slot) => !sameSlot(before[slot], after[slot]));
}

export interface CorrectionContext {
  partition: number;
  offset: number;
  startTime: string;
  timeZone: string;
  /** The correction an `undo` names, as stored (undefined: none with that id). */
  target?: CorrectionDocument | undefined;
}

/** Refusal codes the consumer can reach when the day changed between the API's check and the event's turn. */
export type CorrectionRefusal = 'already-present' | 'excused' | 'not-checked-in' | 'checkout-before-checkin' | 'checked-in-elsewhere' | 'correction-not-found' | 'already-undone' | 'not-undoable' | 'changed-since';

/**
 * The state a correction rule refuses, or undefined when it is allowed. The
 * API runs the same rules before publishing (so the office gets its 409 at
 * once); the consumer runs them again on the state it stores, in the
 * partition's order, and a correction refused there is stored as refused
 * with no effect.
 */
export function refusalOf(event: CorrectionEvent, state: DayState, target?: CorrectionDocument): CorrectionRefusal | undefined {
  const { change } = event;
  const other = (document: AttendanceDocument | null): boolean => document !== null && document.schoolId !== event.schoolId;
  if (other(state.checkIn)) return 'checked-in-elsewhere';
  switch (change.action) {
    case 'excuse':
      return state.checkIn ? 'already-present' : undefined;
    case 'checkin':
      if (state.excuse) return 'excused';
      if (state.checkOut && Date.parse(change.at) > state.checkOut.at.getTime()) return 'checkout-before-checkin';
      return undefined;
    case 'checkout':
      if (!state.checkIn) return 'not-checked-in';
      return Date.parse(change.at) < state.checkIn.at.getTime() ? 'checkout-before-checkin' : undefined;
    case 'undo':
      if (!target || target.userId !== event.userId || target.day !== event.day) return 'correction-not-found';
      if (target.undoneBy) return 'already-undone';
      if (target.status !== 'applied' || target.action === 'undo') return 'not-undoable';
      // Only while nothing touched what it changed: an undo never erases a later change.
      return changedSlots(target.before, target.after).every((slot) => sameSlot(state[slot], target.after[slot])) ? undefined : 'changed-since';
  }
}

/** The fever flags after a change: the check-in's high reading counts; the check-out's only when the check-in's was not high. */
function withFevers(state: DayState): DayState {
  const high = (document: AttendanceDocument): boolean => document.temperature !== undefined && isFever(document.temperature);
  const checkInFever = state.checkIn ? high(state.checkIn) : false;
  return {
    ...state,
    checkIn: state.checkIn && state.checkIn.fever !== checkInFever ? keepRecorded(state.checkIn, { fever: checkInFever }) : state.checkIn,
    checkOut: state.checkOut && state.checkOut.fever !== (high(state.checkOut) && !checkInFever) ? keepRecorded(state.checkOut, { fever: !checkInFever && high(state.checkOut) }) : state.checkOut,
  };
}

/**
 * A changed copy of a stored record. The first change keeps what the
 * record's own message stored (`recorded`), so that message, delivered again,
 * has the effect it had the first time (see `effectOf`).
 */
function keepRecorded(document: AttendanceDocument, changes: Partial<AttendanceDocument>): AttendanceDocument {
  if (document.correction) return { ...document, ...changes };
  const recorded = document.recorded ?? { at: document.at, ...(document.temperature === undefined ? {} : { temperature: document.temperature }), fever: document.fever, ...(document.lateMinutes ? { lateMinutes: document.lateMinutes } : {}) };
  return { ...document, ...changes, recorded };
}

function timed(document: AttendanceDocument, at: Date, temperature: number | undefined, lateMinutes: number): AttendanceDocument {
  const kept = keepRecorded(document, {});
  delete kept.lateMinutes;
  return { ...kept, at, ...(temperature === undefined ? {} : { temperature }), ...(lateMinutes > 0 ? { lateMinutes } : {}) };
}

/**
 * The day after an allowed correction (pure). Added records are new
 * documents stored by the correction's own message (`source`), so a device
 * record for the same slot later is a duplicate, exactly as for two device
 * records.
 */
export function stateAfter(event: CorrectionEvent, state: DayState, context: CorrectionContext): DayState {
  const { change } = event;
  const source = sourceOf(context.partition, context.offset);
  const by = event.by;
  switch (change.action) {
    case 'excuse':
      return {
        ...state,
        excuse: {
          _id: excuseId(event.userId, event.day),
          userId: event.userId,
          schoolId: event.schoolId,
          day: event.day,
          reason: change.reason,
          ...(change.note === undefined ? {} : { note: change.note }),
          by,
          correctionId: event.id,
          source,
        },
      };
    case 'checkin':
    case 'checkout': {
      const at = new Date(change.at);
      const type = change.action;
      const slot = type === 'checkin' ? 'checkIn' : 'checkOut';
      const lateMinutes = type === 'checkin' ? lateMinutesOf(at.getTime(), context.startTime, context.timeZone) : 0;
      const existing = state[slot];
      const document: AttendanceDocument = existing
        ? timed(existing, at, change.temperature, lateMinutes)
        : {
            _id: attendanceId(event.userId, event.day, type),
            userId: event.userId,
            schoolId: event.schoolId,
            day: event.day,
            type,
            recordId: event.id,
            at,
            ...(change.temperature === undefined ? {} : { temperature: change.temperature }),
            receivedAt: new Date(event.receivedAt),
            source,
            fever: false,
            ...(lateMinutes > 0 ? { lateMinutes } : {}),
            correction: { id: event.id, by },
          };
      return withFevers({ ...state, [slot]: document });
    }
    case 'undo': {
      const target = context.target as CorrectionDocument;
      const after = { ...state };
      for (const slot of changedSlots(target.before, target.after)) Object.assign(after, { [slot]: target.before[slot] });
      return withFevers(after);
    }
  }
}

/** The stored correction: applied with its effect, or refused with none. */
export function correctionDocumentOf(event: CorrectionEvent, state: DayState, context: CorrectionContext): CorrectionDocument {
  const refusal = refusalOf(event, state, context.target);
  const after = refusal ? state : stateAfter(event, state, context);
  return {
    _id: event.id,
    userId: event.userId,
    schoolId: event.schoolId,
    day: event.day,
    action: event.change.action,
    change: event.change,
    by: event.by,
    receivedAt: new Date(event.receivedAt),
    source: sourceOf(context.partition, context.offset),
    status: refusal ? 'refused' : 'applied',
    ...(refusal ? { error: refusal } : {}),
    before: state,
    after,
    effect: differenceOf(countsOfDay(after), countsOfDay(state)),
  };
}
