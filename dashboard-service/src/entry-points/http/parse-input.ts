import { AppError } from '@attendance/common';
import { describeIssues } from '@attendance/common/records';
import type { z } from 'zod';

/** Parses a request's path, query or body, or throws `400 validation-failed` with each failing field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'query parameters'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('validation-failed', `invalid ${what}`, 400, { details: describeIssues(parsed.error) });
  return parsed.data;
}
