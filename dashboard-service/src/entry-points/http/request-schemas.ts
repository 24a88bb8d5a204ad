import { AppError } from '@attendance/common';
import { addDays, entityId } from '@attendance/common/records';
import { z } from 'zod';
import { sortKeys } from '../../domain/school-summary.ts';
import { dayStatuses } from '../../domain/student-day.ts';

/**
 * The read API's path and query schemas: what the routes parse with
 * (parse-input.ts) and what the OpenAPI contract (contract.ts) describes.
 */

const MAX_SERIES_DAYS = 366;

const limit = z.coerce.number().int().min(1).max(1000).default(50);

export const schoolParams = z.object({ id: entityId });

export const studentDayParams = z.object({ id: entityId, userId: entityId, day: z.iso.date() });

export const dayQuery = z.strictObject({ day: z.iso.date().optional() });

export const schoolsQuery = z.strictObject({
  sort: z.enum(sortKeys).default('checkIns'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit,
  page: z.coerce.number().int().min(1).default(1),
});

export const rangeQuery = z
  .strictObject({ from: z.iso.date().optional(), to: z.iso.date().optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, 'from must not be after to');

export const attendancesQuery = z.strictObject({
  day: z.iso.date().optional(),
  status: z.enum(dayStatuses).default('present'),
  limit,
  cursor: entityId.optional(),
});

/** The days of a series request: `to` defaults to today, `from` to six days before `to`; at most MAX_SERIES_DAYS. */
export function seriesRange(query: z.infer<typeof rangeQuery>, today: string): { from: string; to: string } {
  const to = query.to ?? today;
  const from = query.from ?? addDays(to, -6);
  if (addDays(from, MAX_SERIES_DAYS) <= to) throw new AppError('validation-failed', `at most ${MAX_SERIES_DAYS} days per request`, 400);
  return { from, to };
}
