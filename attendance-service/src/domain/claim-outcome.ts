import { AppError } from '@attendance/common';

/** What the atomic state change in Redis decided for one record. */
export type ClaimOutcome = 'claimed' | 'already-checked-in' | 'already-checked-out' | 'not-checked-in';

const conflictMessages: Record<Exclude<ClaimOutcome, 'claimed'>, string> = {
  'already-checked-in': 'this user has already checked in that day',
  'already-checked-out': 'this user has already checked out that day',
  'not-checked-in': 'this user has not checked in that day',
};

/** A refused state change is a 409 whose code says which rule refused it. */
export function assertClaimed(outcome: ClaimOutcome): void {
  if (outcome !== 'claimed') throw new AppError(outcome, conflictMessages[outcome], 409);
}
