import { AppError } from '@attendance/common';
import type { BearerAuth } from '@attendance/common/http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { OpenDayFigures } from '../../data-access/open-day-figures.ts';
import type { RosterRepository } from '../../data-access/roster-repository.ts';
import { assertAdmin, assertMayReadSchool, type StaffCaller } from '../../domain/staff-access.ts';
import type { LiveCounters } from './live-counters.ts';
import { parseInput } from './parse-input.ts';
import { schoolParams } from './request-schemas.ts';
import { schoolToday, statsToday } from '../../domain/school-figures.ts';

export interface StreamDeps {
  figures: OpenDayFigures;
  roster: RosterRepository;
  auth: BearerAuth<StaffCaller>;
  live: LiveCounters;
}

const SCHOOL_CHANNEL = 'school:';

/** A channel's current body: `stats`, or `school:<id>` (named from the roster's cached school list). */
export function channelBody(figures: OpenDayFigures, roster: RosterRepository): (channel: string) => Promise<unknown> {
  return async (channel) => {
    if (channel === 'stats') return statsToday(figures);
    const schoolId = channel.slice(SCHOOL_CHANNEL.length);
    const school = (await roster.allSchools()).find((known) => known._id === schoolId);
    return schoolToday(figures, roster, schoolId, school?.name ?? schoolId);
  };
}

/**
 * EventSource cannot set headers: these routes (and only these) also take
 * the staff token as `?access_token=`. The request log records paths
 * without their query, so the token never reaches a log line.
 */
function tokenFromQuery(req: Request, _res: Response, next: NextFunction): void {
  const token = req.query.access_token;
  if (req.headers.authorization === undefined && typeof token === 'string') req.headers.authorization = `Bearer ${token}`;
  next();
}

function lastEventIdOf(req: Request): string | undefined {
  const header = req.headers['last-event-id'];
  return typeof header === 'string' ? header : undefined;
}

/** Live counters as Server-Sent Events (see LiveCounters). */
export function streamRoutes(deps: StreamDeps): Router {
  const router = express.Router();
  const { auth, live } = deps;
  const refuseWhenFull = (_req: Request, _res: Response, next: NextFunction): void => {
    next(live.isFull() ? new AppError('service-unavailable', 'too many open streams on this instance; retry', 503) : undefined);
  };

  router.get('/stats/stream', tokenFromQuery, auth.middleware, refuseWhenFull, async (req, res) => {
    assertAdmin(auth.credentialOf(req));
    await live.open('stats', res, lastEventIdOf(req));
  });

  router.get('/schools/:id/stream', tokenFromQuery, auth.middleware, refuseWhenFull, async (req, res) => {
    const { id: schoolId } = parseInput(schoolParams, req.params, 'school id');
    assertMayReadSchool(auth.credentialOf(req), schoolId);
    const known = (await deps.roster.allSchools()).some((school) => school._id === schoolId) || deps.figures.bySchool(deps.figures.today()).has(schoolId);
    if (!known && !(await deps.roster.school(schoolId))) throw new AppError('school-not-found', `no school ${schoolId}`, 404);
    await live.open(`${SCHOOL_CHANNEL}${schoolId}`, res, lastEventIdOf(req));
  });

  return router;
}
