import { AppError, serviceUnavailable } from '@attendance/common';
import type { AttendanceEvent, AttendanceInput } from '@attendance/common/records';
import { toAttendanceEvent } from './attendance-event.ts';
import { assertClaimed, type Claim } from './claim-outcome.ts';
import type { InFlightRecords } from './in-flight-records.ts';

/** Today's check-in state: the atomic claim, its confirmation and its undo. */
export interface AttendanceState {
  /** Claims the change; with `deviceId`, first takes one record from that device's rate limit, in the same pipeline. */
  claim(event: AttendanceEvent, minute: number, deviceId?: string): Promise<Claim>;
  /** Marks the claim as published. Throws if Redis cannot take it. */
  confirm(event: AttendanceEvent, ticket: string): Promise<void>;
  /** Undoes a claim whose record could not be published. Never throws. */
  release(event: AttendanceEvent, ticket: string): Promise<void>;
}

/** Resolves once the broker has acknowledged the record (acks = all). */
export interface AttendancePublisher {
  publish(event: AttendanceEvent): Promise<void>;
}

export interface RecordAttendanceDeps {
  state: AttendanceState;
  publisher: AttendancePublisher;
  inFlight: InFlightRecords;
  /** How long a request waits for its record's publish and confirmation before answering 503. */
  publishTimeoutMs: number;
  timeZone: string;
  now: () => number;
  newId: () => string;
}

/** How often a request waits for another request of this process for the same user before answering 503. */
const MAX_LOCAL_WAITS = 3;

/**
 * The write contract: claim the state change atomically (pending), publish,
 * wait for the broker's ack, confirm the claim, answer. A 409 therefore only
 * ever rests on a confirmed claim, i.e. on a record Kafka holds. If
 * publishing fails the claim is undone, so the client's retry can succeed;
 * if this process dies first, the claim stays pending and the device's retry
 * takes it over once it is older than the publish timeout.
 *
 * Throws `AppError` 409 when the state machine refuses the record and 503
 * when Redis or Kafka cannot take it or another request for the user is
 * still in flight.
 */
export async function recordAttendance(input: AttendanceInput, deps: RecordAttendanceDeps, deviceId?: string): Promise<AttendanceEvent> {
  const { event, minute } = toAttendanceEvent(input, { timeZone: deps.timeZone, now: deps.now(), id: deps.newId() });
  // The record counts against its device's rate once; a local wait's new claim does not count again.
  let claim = await claimState(event, minute, deps, deviceId);
  for (let waits = 0; claim.outcome === 'pending' && waits < MAX_LOCAL_WAITS; waits += 1) {
    const local = deps.inFlight.of(event);
    if (!local) break;
    await local;
    claim = await claimState(event, minute, deps);
  }
  assertClaimed(claim);
  const stored = publishAndConfirm(event, claim.ticket, deps);
  deps.inFlight.track(event, stored);
  await withTimeout(stored, deps.publishTimeoutMs);
  return event;
}

async function claimState(event: AttendanceEvent, minute: number, deps: RecordAttendanceDeps, deviceId?: string): Promise<Claim> {
  try {
    return await deps.state.claim(event, minute, deviceId);
  } catch (err) {
    throw serviceUnavailable('attendance state (Redis)', err);
  }
}

async function publishAndConfirm(event: AttendanceEvent, ticket: string, deps: RecordAttendanceDeps): Promise<void> {
  try {
    await deps.publisher.publish(event);
  } catch (err) {
    await deps.state.release(event, ticket);
    throw serviceUnavailable('event log (Kafka)', err);
  }
  try {
    await deps.state.confirm(event, ticket);
  } catch (err) {
    // The record is in Kafka but its claim stays pending: answering 202 would leave later
    // requests of this user waiting on it. The device's retry takes the claim over.
    throw serviceUnavailable('attendance state (Redis)', err);
  }
}

/**
 * A request answers within the publish timeout. A publish still running then
 * goes on: if it lands, its confirm finds the claim (or a takeover, and
 * leaves that alone); the client has its 503 and retries.
 */
async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AppError('service-unavailable', 'the event log (Kafka) did not acknowledge in time, retry later', 503, { retryAfterSeconds: 1 })), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
