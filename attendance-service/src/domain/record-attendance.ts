import { serviceUnavailable, type AttendanceEvent, type AttendanceInput } from '@attendance/common';
import { toAttendanceEvent } from './attendance-event.ts';
import { assertClaimed, type ClaimOutcome } from './claim-outcome.ts';

/** Today's check-in state: the atomic claim, and its undo. */
export interface AttendanceState {
  claim(event: AttendanceEvent, minute: number): Promise<ClaimOutcome>;
  /** Undoes a claim whose record could not be published. Never throws. */
  release(event: AttendanceEvent, minute: number): Promise<void>;
}

/** Resolves once the broker has acknowledged the record (acks = all). */
export interface AttendancePublisher {
  publish(event: AttendanceEvent): Promise<void>;
}

export interface RecordAttendanceDeps {
  state: AttendanceState;
  publisher: AttendancePublisher;
  timeZone: string;
  now: () => number;
  newId: () => string;
}

/**
 * The write contract: claim the state change atomically, publish, wait for
 * the broker's ack. A record is accepted only once it is durable in Kafka; if
 * publishing fails the claim is undone, so the client's retry can succeed.
 *
 * Throws `AppError` 409 when the state machine refuses the record and 503
 * when Redis or Kafka cannot take it.
 */
export async function recordAttendance(input: AttendanceInput, deps: RecordAttendanceDeps): Promise<AttendanceEvent> {
  const { event, minute } = toAttendanceEvent(input, { timeZone: deps.timeZone, now: deps.now(), id: deps.newId() });
  let outcome: ClaimOutcome;
  try {
    outcome = await deps.state.claim(event, minute);
  } catch (err) {
    throw serviceUnavailable('attendance state (Redis)', err);
  }
  assertClaimed(outcome);
  try {
    await deps.publisher.publish(event);
  } catch (err) {
    await deps.state.release(event, minute);
    throw serviceUnavailable('event log (Kafka)', err);
  }
  return event;
}
