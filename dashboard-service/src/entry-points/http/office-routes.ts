import { randomUUID } from 'node:crypto';
import { AppError } from '@attendance/common';
import type { Logger } from '@attendance/common/config';
import type { BearerAuth } from '@attendance/common/http';
import { addDays, type CorrectionEvent, correctionInputSchema, dayOf, localTime } from '@attendance/common/records';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { CorrectionClaims } from '../../data-access/correction-claims.ts';
import type { CorrectionPublisher } from '../../data-access/correction-publisher.ts';
import type { CorrectionRepository } from '../../data-access/correction-repository.ts';
import type { RosterRepository } from '../../data-access/roster-repository.ts';
import { refusalOf } from '../../domain/apply-correction.ts';
import { assertMayReadSchool, type StaffCaller } from '../../domain/staff-access.ts';
import { checkInView, checkOutView, excuseView, historyOf, statusOf } from '../../domain/student-day.ts';
import { parseInput } from './parse-input.ts';
import { studentDayParams } from './request-schemas.ts';

export interface OfficeDeps {
  corrections: CorrectionRepository;
  roster: RosterRepository;
  publisher: CorrectionPublisher;
  claims: CorrectionClaims;
  auth: BearerAuth<StaffCaller>;
  timeZone: string;
  now: () => number;
  logger: Logger;
}

/** A correction's time may be a little ahead of the server's clock, as a device's may. */
const MAX_FUTURE_MS = 5 * 60_000;
/** The days devices can still post for (`ATTENDANCE_MAX_AGE_HOURS`, 48 h): their claim state in Redis follows corrections. */
const CLAIM_STATE_DAYS = 2;

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('application/json')) next(new AppError('unsupported-media-type', 'send the correction as application/json', 415));
  else next();
}

/** 409 for what the day does not allow; an unknown correction to undo is a 404. */
const refusalStatus = (code: string): number => (code === 'correction-not-found' ? 404 : 409);

/**
 * The school office's routes (issue 13): corrections of a student's day and
 * the day with its history. A correction is never written here: it is
 * published to the attendance topic and stored by the consumer, like a
 * device record; the 202 means Kafka acknowledged it.
 */
export function officeRoutes(deps: OfficeDeps): Router {
  const router = express.Router();
  const { auth, corrections, roster, timeZone } = deps;
  const today = (): string => dayOf(deps.now(), timeZone);

  router.post('/schools/:id/students/:userId/days/:day/corrections', auth.middleware, requireJson, express.json({ limit: '8kb' }), async (req, res) => {
    const { id: schoolId, userId, day } = parseInput(studentDayParams, req.params, 'path');
    const caller = auth.credentialOf(req);
    assertMayReadSchool(caller, schoolId);
    const change = parseInput(correctionInputSchema, req.body, 'correction');
    if (day > today()) throw new AppError('validation-failed', 'the day is in the future', 400, { details: [{ field: 'day', message: 'in the future' }] });
    if (change.action === 'checkin' || change.action === 'checkout') {
      const at = Date.parse(change.at);
      if (dayOf(at, timeZone) !== day) throw new AppError('validation-failed', `at is not on ${day} (${timeZone})`, 400, { details: [{ field: 'at', message: `not on ${day}` }] });
      if (at > deps.now() + MAX_FUTURE_MS) throw new AppError('validation-failed', 'at is in the future', 400, { details: [{ field: 'at', message: 'in the future' }] });
    }
    if (!(await roster.student(schoolId, userId))) throw new AppError('student-not-found', `no student ${userId} at ${schoolId}`, 404);

    const event: CorrectionEvent = { kind: 'correction', id: `cor-${randomUUID()}`, userId, schoolId, day, by: { role: caller.role, id: caller.id }, receivedAt: new Date(deps.now()).toISOString(), change };
    const [state, target] = await Promise.all([corrections.loadDay(userId, day), change.action === 'undo' ? corrections.load(change.correctionId) : undefined]);
    if (change.action === 'undo' && target && target.schoolId === schoolId && target.userId === userId && target.day === day && target.by.id !== caller.id) {
      throw new AppError('not-author', 'only the author of a correction can undo it', 403);
    }
    // The same rules the consumer applies in its turn; checked here too so the office gets its answer at once.
    const refusal = refusalOf(event, state, target);
    if (refusal) throw new AppError(refusal, `the correction does not fit the day as stored (${refusal})`, refusalStatus(refusal));

    await deps.publisher.publish(event);
    await followInClaimState(deps, event, state, target).catch((err: unknown) =>
      deps.logger.warn({ err, correctionId: event.id }, 'correction published, but the claim state in Redis was not updated (the rebuild job restores it)'),
    );
    res.status(202).json({ id: event.id, status: 'accepted' });
  });

  router.get('/schools/:id/students/:userId/days/:day', auth.middleware, async (req, res) => {
    const { id: schoolId, userId, day } = parseInput(studentDayParams, req.params, 'path');
    assertMayReadSchool(auth.credentialOf(req), schoolId);
    const student = await roster.student(schoolId, userId);
    const [state, ofDay] = await Promise.all([corrections.loadDay(userId, day), corrections.ofDay(userId, day)]);
    if (!student && !state.checkIn && !state.checkOut) throw new AppError('student-not-found', `no student ${userId} at ${schoolId}`, 404);
    res.json({
      schoolId,
      userId,
      name: student?.name ?? null,
      day,
      status: statusOf(state),
      checkIn: checkInView(state.checkIn),
      checkOut: checkOutView(state.checkOut),
      excused: excuseView(state.excuse),
      history: historyOf(state, ofDay),
    });
  });

  return router;
}

/**
 * Keeps the write path's claim state in step (see CorrectionClaims), for the
 * days devices can still post for: a missed check-in or check-out added by
 * staff, or an added check-in undone.
 */
async function followInClaimState(deps: OfficeDeps, event: CorrectionEvent, state: Awaited<ReturnType<CorrectionRepository['loadDay']>>, target: Awaited<ReturnType<CorrectionRepository['load']>>): Promise<void> {
  const today = dayOf(deps.now(), deps.timeZone);
  if (event.day < addDays(today, -CLAIM_STATE_DAYS + 1)) return;
  const { change } = event;
  if (change.action === 'checkin' && !state.checkIn) await deps.claims.checkedIn(event.day, event.userId, event.schoolId, localTime(Date.parse(change.at), deps.timeZone).minute);
  if (change.action === 'checkout' && !state.checkOut) await deps.claims.checkedOut(event.day, event.userId, event.schoolId, localTime(Date.parse(change.at), deps.timeZone).minute);
  if (change.action === 'undo' && target?.change.action === 'checkin' && !target.before.checkIn && !state.checkOut) {
    await deps.claims.checkInWithdrawn(event.day, event.userId, event.schoolId, localTime(Date.parse(target.change.at), deps.timeZone).minute);
  }
  if (change.action === 'undo' && target?.change.action === 'checkout' && !target.before.checkOut && state.checkIn) {
    // The state's check-in minute is the device's (a time correction does not move it): what the record stored.
    const checkInAt = (state.checkIn.recorded ?? state.checkIn).at.getTime();
    await deps.claims.checkOutWithdrawn(event.day, event.userId, event.schoolId, localTime(checkInAt, deps.timeZone).minute, localTime(Date.parse(target.change.at), deps.timeZone).minute);
  }
}
