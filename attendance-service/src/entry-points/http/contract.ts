import { errorResponse, type JsonSchema, openApiDocument, type OperationSpec } from '@attendance/common/http';
import { attendanceInputSchema, type TimestampWindow } from '@attendance/common/records';
import { z } from 'zod';
import { batchSchema, MAX_BATCH_RECORDS } from './attendance-routes.ts';

const accepted = z.object({ id: z.string().describe('the record id: its Kafka message id'), status: z.literal('accepted') });

const batchResult = z.object({
  index: z.int().min(0),
  status: z.int().describe('what the record would have answered alone: 202, 400, 403, 409, 422, 429 or 503'),
  id: z.string().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
  details: z.unknown().optional(),
});
const batchAnswer = z.object({ accepted: z.int().min(0), rejected: z.int().min(0), results: z.array(batchResult) });

const refused = ['already-checked-in', 'already-checked-out', 'not-checked-in', 'checked-in-elsewhere', 'checkout-before-checkin'] as const;
const unauthorized = errorResponse('no valid device key', ['unauthorized']);
const unavailable = { ...errorResponse('Kafka or Redis is down, or another record of this user is being stored: retry after Retry-After', ['service-unavailable', 'record-in-progress']), headers: { 'Retry-After': 'seconds' } };
const unsupported = errorResponse('not application/json', ['unsupported-media-type']);
const tooLarge = errorResponse('body over the limit (16 KB for one record, 4 MB for a batch)', ['payload-too-large']);

/** The write API's operations (see attendance-routes.ts). */
function operations(window: TimestampWindow): OperationSpec[] {
  return [
    {
      method: 'post',
      path: '/attendances',
      tag: 'records',
      summary: 'Record one check-in or check-out',
      description: 'A 202 means the record is durable in Kafka; it is stored exactly once in effect.',
      security: 'deviceKey',
      body: attendanceInputSchema(window),
      responses: {
        202: { description: 'durable in Kafka', json: accepted },
        400: errorResponse('invalid record or JSON', ['validation-failed', 'invalid-json', 'bad-request']),
        401: unauthorized,
        403: errorResponse("the device's key is for another school", ['wrong-school']),
        409: errorResponse('the state machine refuses the change', refused),
        413: tooLarge,
        415: unsupported,
        422: errorResponse('the school is not on the roster', ['unknown-school']),
        429: { ...errorResponse('the device is over its rate', ['rate-limited']), headers: { 'Retry-After': 'seconds' } },
        503: unavailable,
      },
    },
    {
      method: 'post',
      path: '/attendances/batch',
      tag: 'records',
      summary: `Record up to ${MAX_BATCH_RECORDS} records of a device that was offline`,
      description: 'Each record is judged as a single one, results in request order. 200 when no record failed for lack of a dependency or rate; 429 or 503 (with every result) when the batch should be retried.',
      security: 'deviceKey',
      body: batchSchema,
      responses: {
        200: { description: 'every record judged', json: batchAnswer },
        400: errorResponse('not { records: [...] } with 1 to 1,000 records, or invalid JSON', ['validation-failed', 'invalid-json', 'bad-request']),
        401: unauthorized,
        413: tooLarge,
        415: unsupported,
        429: { description: 'some records were over the device rate; retry those after Retry-After', json: batchAnswer, headers: { 'Retry-After': 'seconds' } },
        503: { description: 'some records could not be stored for lack of a dependency; retry the batch', json: batchAnswer, headers: { 'Retry-After': 'seconds' } },
      },
    },
  ];
}

/** attendance-service's OpenAPI 3.1 document, served at `GET /openapi.json`. */
export function attendanceContract(window: TimestampWindow): JsonSchema {
  return openApiDocument(
    {
      title: 'attendance-service',
      version: '1',
      description: 'The write API: devices post check-ins and check-outs. Errors are `{ error, message, details? }` with a stable `error` code.',
      securitySchemes: { deviceKey: { description: "A device's key (`Authorization: Bearer <key>`), created with `pnpm --filter @attendance/tasks job device:create`." } },
    },
    operations(window),
  );
}
