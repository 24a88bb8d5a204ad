import { AppError, toAppError } from '@attendance/common';
import type { BearerAuth } from '@attendance/common/http';
import { type AttendanceEvent, attendanceInputSchema, describeIssues, type TimestampWindow } from '@attendance/common/records';
import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { assertDeviceMayPost, type DeviceCaller } from '../../domain/device-access.ts';
import { recordAttendance, type RecordAttendanceDeps } from '../../domain/record-attendance.ts';
import type { AttendanceMetrics } from './attendance-metrics.ts';

/** One check-in is ~200 bytes; 16 KB leaves room for an image reference and nothing silly. */
const SINGLE_BODY_LIMIT = '16kb';
export const MAX_BATCH_RECORDS = 1000;
const BATCH_BODY_LIMIT = '4mb';
/** The largest body any route takes (the batch's); a larger announced Content-Length is refused before reading. */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Error details are capped per record (describeIssues) and per response:
 * only the first records refused carry their details, so a 4 MB batch of
 * broken records cannot make a response many times its size.
 */
const MAX_DETAILED_RESULTS = 50;

const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    next(new AppError('unsupported-media-type', 'send the record as application/json', 415));
    return;
  }
  next();
};

export const batchSchema = z.strictObject({
  records: z.array(z.unknown()).min(1).max(MAX_BATCH_RECORDS),
});

export interface BatchItemResult {
  index: number;
  status: number;
  id?: string;
  error?: string;
  message?: string;
  details?: unknown;
  retryAfterSeconds?: number;
}

export interface DeviceAccess {
  /** Device keys: `Authorization: Bearer <key>` on every write. */
  auth: BearerAuth<DeviceCaller>;
  isKnownSchool: (schoolId: string) => boolean;
  /** Called with every accepted record and its device (anomaly flags); must not throw or wait. */
  onAccepted?: (event: AttendanceEvent, device: DeviceCaller) => void;
}

export function attendanceRoutes(deps: RecordAttendanceDeps, window: TimestampWindow, metrics: AttendanceMetrics, access: DeviceAccess): Router {
  const inputSchema = attendanceInputSchema(window);
  const router = express.Router();

  /** Validates and records one record for its device; throws AppError. */
  async function recordOne(body: unknown, device: DeviceCaller): Promise<string> {
    const parsed = inputSchema.safeParse(body);
    if (!parsed.success) {
      throw new AppError('validation-failed', 'the attendance record is invalid', 400, { details: describeIssues(parsed.error) });
    }
    assertDeviceMayPost(device, parsed.data.schoolId, access.isKnownSchool);
    const event = await recordAttendance(parsed.data, deps, device.id);
    metrics.accepted.inc({ type: event.type });
    access.onAccepted?.(event, device);
    return event.id;
  }

  router.post('/attendances', access.auth.middleware, requireJson, express.json({ limit: SINGLE_BODY_LIMIT }), async (req, res) => {
    try {
      const id = await recordOne(req.body, access.auth.credentialOf(req));
      res.status(202).json({ id, status: 'accepted' });
    } catch (err) {
      metrics.rejected.inc({ reason: toAppError(err).code });
      throw err;
    }
  });

  /**
   * For devices that were offline: up to 1,000 records, each judged by the
   * same rules as a single one, results in request order. Records are claimed
   * in request order, so a duplicate inside the batch gets its 409. The batch
   * answers 503 (with every record's own result) if any record could not be
   * stored for lack of a dependency, so the device retries it; records that
   * were accepted then answer 409 on the retry.
   */
  router.post('/attendances/batch', access.auth.middleware, requireJson, express.json({ limit: BATCH_BODY_LIMIT }), async (req, res) => {
    const device = access.auth.credentialOf(req);
    const batch = batchSchema.safeParse(req.body);
    if (!batch.success) {
      throw new AppError('validation-failed', `send { "records": [...] } with 1 to ${MAX_BATCH_RECORDS} records`, 400, { details: describeIssues(batch.error) });
    }
    let detailed = 0;
    const results = await Promise.all(
      batch.data.records.map(async (record, index): Promise<BatchItemResult> => {
        try {
          return { index, status: 202, id: await recordOne(record, device) };
        } catch (err) {
          const error = toAppError(err);
          metrics.rejected.inc({ reason: error.code });
          return {
            index,
            status: error.httpStatus,
            error: error.code,
            message: error.message,
            ...(error.details === undefined || detailed++ >= MAX_DETAILED_RESULTS ? {} : { details: error.details }),
            ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
          };
        }
      }),
    );
    const accepted = results.filter((result) => result.status === 202).length;
    const unavailable = results.some((result) => result.status === 503);
    // Records count against the device's rate one by one: past it, the rest answer 429 and the batch says when to retry.
    const limited = results.filter((result) => result.status === 429);
    const status = unavailable ? 503 : limited.length > 0 ? 429 : 200;
    if (unavailable) res.setHeader('Retry-After', '1');
    else if (limited.length > 0) res.setHeader('Retry-After', String(Math.max(...limited.map((result) => result.retryAfterSeconds ?? 1))));
    res.status(status).json({ accepted, rejected: results.length - accepted, results: results.map(({ retryAfterSeconds: _, ...result }) => result) });
  });

  return router;
}
