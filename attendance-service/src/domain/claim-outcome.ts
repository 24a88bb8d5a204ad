import { AppError } from '@attendance/common';

/** A state change the state machine refuses; each is a 409 with this code. */
export type ClaimRefusal = 'already-checked-in' | 'already-checked-out' | 'not-checked-in' | 'checked-in-elsewhere' | 'checkout-before-checkin';

/**
 * What the atomic state change in Redis decided for one record:
 * - `claimed`: the change is held as pending; `ticket` identifies this claim
 *   for its confirm or release; `tookOver` when it replaced a claim whose
 *   request was abandoned (answered 503 or never answered);
 * - `pending`: another request's claim for this user is still being
 *   published, so nothing can be said yet (never a 409: that record may fail);
 * - `rate-limited`: the device's token bucket was empty (the claim, if any, was undone);
 * - a refusal.
 */
export type Claim = { outcome: 'claimed'; ticket: string; tookOver: boolean } | { outcome: 'pending' } | { outcome: 'rate-limited'; retryAfterMs: number } | { outcome: ClaimRefusal };

const conflictMessages: Record<ClaimRefusal, string> = {
  'already-checked-in': 'this user has already checked in that day',
  'already-checked-out': 'this user has already checked out that day',
  'not-checked-in': 'this user has not checked in that day',
  'checked-in-elsewhere': 'this user checked in at another school that day',
  'checkout-before-checkin': 'the check-out is earlier than the check-in of that day',
};

/** A refused state change is a 409 whose code says which rule refused it; a pending one is a 503 to retry. */
export function assertClaimed(claim: Claim): asserts claim is Extract<Claim, { outcome: 'claimed' }> {
  if (claim.outcome === 'claimed') return;
  if (claim.outcome === 'rate-limited') {
    throw new AppError('rate-limited', "this device is over its rate of records, retry after the time in Retry-After", 429, { retryAfterSeconds: Math.max(1, Math.ceil(claim.retryAfterMs / 1000)) });
  }
  if (claim.outcome === 'pending') {
    throw new AppError('record-in-progress', 'another record of this user is being stored, retry shortly', 503, { retryAfterSeconds: 1 });
  }
  throw new AppError(claim.outcome, conflictMessages[claim.outcome], 409);
}
