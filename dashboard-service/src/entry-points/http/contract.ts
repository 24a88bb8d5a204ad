import { errorResponse, type JsonSchema, openApiDocument, type OperationSpec, type ResponseSpec } from '@attendance/common/http';
import { correctionInputSchema, excuseReasons } from '@attendance/common/records';
import { z } from 'zod';
import { DAY_ROSTER_COLUMNS } from '../../domain/day-roster.ts';
import { dayStatuses } from '../../domain/student-day.ts';
import { attendanceCsvHeader } from './export-routes.ts';
import { attendancesQuery, dayQuery, rangeQuery, schoolParams, schoolsQuery, studentDayParams } from './request-schemas.ts';

/** Response bodies of the read API, as the routes build them (dates are ISO-8601 strings in JSON). */
const count = z.int().min(0);
const day = z.iso.date();
const at = z.iso.datetime({ offset: true });
const staffRef = z.object({ role: z.string(), id: z.string() });
const dayCounts = { checkIns: count, checkOuts: count, fevers: count, lates: count, excused: count };
const todayCounts = { ...dayCounts, presentNow: count.describe('checked in and not yet checked out') };
const schoolTotals = z.object({ schoolId: z.string(), name: z.string(), ...todayCounts });

const statsTodayBody = z.object({ day, ...todayCounts });
const schoolTodayBody = schoolTotals.extend({ day, absent: count, rosterSize: count });
const schoolsPage = z.object({ day, total: count, page: z.int().min(1), limit: z.int().min(1), items: z.array(schoolTotals) });
const series = z.object({ schoolId: z.string(), from: day, to: day, series: z.array(z.object({ day, ...dayCounts })) });
const reading = z.object({ at, temperature: z.number().nullable() });
const attendancesPage = z.object({
  schoolId: z.string(),
  day,
  status: z.enum(dayStatuses),
  items: z.array(
    z.object({
      userId: z.string(),
      name: z.string().optional(),
      checkIn: reading.nullable(),
      checkOut: reading.nullable(),
      fever: z.boolean(),
      lateMinutes: count,
      excused: z.object({ reason: z.enum(excuseReasons), note: z.string().nullable() }).nullable(),
    }),
  ),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
});
const dayRoster = z.object({
  schoolId: z.string(),
  day,
  columns: z.array(z.enum(DAY_ROSTER_COLUMNS)),
  rows: z.array(z.tuple([z.string(), z.string(), z.enum(dayStatuses), z.number().nullable(), z.number().nullable(), z.union([z.literal(0), z.literal(1)])])).describe('[userId, name, status, checkInAt (epoch ms), checkOutAt, fever]'),
});
const source = z.enum(['device', 'correction']);
const slots = z.record(z.string(), z.unknown()).nullable().describe('the changed slots (checkIn, checkOut, excuse) before or after');
const studentDay = z.object({
  schoolId: z.string(),
  userId: z.string(),
  name: z.string().nullable(),
  day,
  status: z.enum(dayStatuses),
  checkIn: reading.extend({ lateMinutes: count, source }).nullable(),
  checkOut: reading.extend({ source }).nullable(),
  excused: z.object({ reason: z.enum(excuseReasons), note: z.string().nullable(), by: staffRef }).nullable(),
  history: z.array(
    z.object({
      id: z.string(),
      kind: source,
      action: z.string(),
      at: at.nullable(),
      recordedAt: at,
      by: staffRef.nullable(),
      reason: z.string().optional(),
      note: z.string().optional(),
      before: slots,
      after: slots,
      undone: z.boolean().optional(),
      refused: z.string().optional(),
    }),
  ),
});
const accepted = z.object({ id: z.string().describe('the correction id'), status: z.literal('accepted') });

const text = { type: 'string' };
const unauthorized = errorResponse('no valid staff token', ['unauthorized']);
const forbidden = errorResponse("a school token asking for another school's data", ['wrong-school']);
const invalid = errorResponse('invalid path or query parameters', ['validation-failed', 'bad-request']);
const schoolNotFound = errorResponse('no such school', ['school-not-found']);
const unavailable: ResponseSpec = { ...errorResponse('MongoDB is down', ['service-unavailable']), headers: { 'Retry-After': 'seconds' } };
const read = { 400: invalid, 401: unauthorized, 403: forbidden, 503: unavailable };
const sseToken: JsonSchema = { name: 'access_token', in: 'query', required: false, description: 'the staff token, for EventSource (which cannot send headers)', schema: text };
const lastEventId: JsonSchema = { name: 'Last-Event-ID', in: 'header', required: false, description: 'the last event id seen: an up-to-date client gets nothing until the counters change', schema: text };
const stream = (body: string): ResponseSpec => ({
  description: `Server-Sent Events: \`event: counters\` whose \`data\` is ${body}, at most one a second and only on change; \`: heartbeat\` comments`,
  content: { 'text/event-stream': text },
});
const csv = (columns: readonly string[]): ResponseSpec => ({ description: `CSV with a header row: ${columns.join(', ')}`, content: { 'text/csv': text }, headers: { 'Content-Disposition': 'attachment; filename="..."' } });

const operations: OperationSpec[] = [
  { method: 'get', path: '/', tag: 'office page', summary: 'The school office page (HTML; it signs in with a staff token and reads the JSON API)', responses: { 200: { description: 'the page', content: { 'text/html': text } } } },
  {
    method: 'get',
    path: '/office/:asset',
    tag: 'office page',
    summary: "The page's script and stylesheet",
    description: 'Content-addressed names (`office.<hash>.js`, `office.<hash>.css`) linked from the page; cached for good.',
    parameters: [{ name: 'asset', in: 'path', required: true, schema: text }],
    responses: { 200: { description: 'the asset', content: { 'text/javascript': text, 'text/css': text } } },
  },
  { method: 'get', path: '/schools', tag: 'figures', security: 'staffToken', summary: "Today's figures of every school (a school token: its own)", query: schoolsQuery, responses: { 200: { description: 'one page', json: schoolsPage, headers: { 'X-Figures-Age': 'ms' } }, ...read } },
  { method: 'get', path: '/stats/today', tag: 'figures', security: 'staffToken', summary: "Today's figures of all schools (admin)", responses: { 200: { description: 'the totals', json: statsTodayBody, headers: { 'X-Figures-Age': 'ms' } }, 401: unauthorized, 403: errorResponse('not an admin token', ['forbidden-role']) } },
  {
    method: 'get',
    path: '/schools/:id',
    tag: 'figures',
    security: 'staffToken',
    summary: "A school's figures today (JSON), or the office page when a browser asks for HTML",
    description: 'A request whose Accept prefers text/html gets the office page (no credential needed); any other gets the JSON.',
    params: schoolParams,
    responses: { 200: { description: 'the school today', json: schoolTodayBody, content: { 'text/html': text }, headers: { 'X-Figures-Age': 'ms' } }, ...read, 404: schoolNotFound },
  },
  { method: 'get', path: '/schools/:id/reports', tag: 'figures', security: 'staffToken', summary: "A school's daily figures from `from` to `to` (default: the last 7 days; at most 366)", params: schoolParams, query: rangeQuery, responses: { 200: { description: 'the series', json: series }, ...read } },
  { method: 'get', path: '/schools/:id/attendances', tag: 'figures', security: 'staffToken', summary: "A school's students of a day with a status, by cursor", params: schoolParams, query: attendancesQuery, responses: { 200: { description: 'one page', json: attendancesPage }, ...read } },
  { method: 'get', path: '/schools/:id/roster', tag: 'figures', security: 'staffToken', summary: "The whole day's roster with each student's status (the office page's list)", params: schoolParams, query: dayQuery, responses: { 200: { description: 'every student', json: dayRoster }, ...read } },
  {
    method: 'get',
    path: '/stats/stream',
    tag: 'streams',
    security: 'staffToken',
    summary: 'Live totals of all schools (admin)',
    parameters: [sseToken, lastEventId],
    responses: { 200: stream('the body of /stats/today'), 401: unauthorized, 403: errorResponse('not an admin token', ['forbidden-role']), 503: errorResponse('too many open streams on this instance', ['service-unavailable']) },
  },
  {
    method: 'get',
    path: '/schools/:id/stream',
    tag: 'streams',
    security: 'staffToken',
    summary: "Live figures of one school",
    params: schoolParams,
    parameters: [sseToken, lastEventId],
    responses: { 200: stream('the body of /schools/{id}'), ...read, 404: schoolNotFound, 503: errorResponse('too many open streams on this instance, or MongoDB is down', ['service-unavailable']) },
  },
  { method: 'get', path: '/schools/:id/attendances.csv', tag: 'exports', security: 'staffToken', summary: "Every roster student's day (streamed)", params: schoolParams, query: dayQuery, responses: { 200: csv(attendanceCsvHeader), ...read, 404: schoolNotFound } },
  { method: 'get', path: '/schools/:id/reports.csv', tag: 'exports', security: 'staffToken', summary: "A school's daily figures from `from` to `to`", params: schoolParams, query: rangeQuery, responses: { 200: csv(['day', 'checkIns', 'checkOuts', 'fevers', 'lates', 'excused']), ...read } },
  {
    method: 'post',
    path: '/schools/:id/students/:userId/days/:day/corrections',
    tag: 'office',
    security: 'staffToken',
    summary: "Correct a student's day: excuse, add a missed check-in or check-out, or undo a correction",
    description: 'Published to the attendance topic and stored by the consumer, like a device record: a 202 means Kafka acknowledged it.',
    params: studentDayParams,
    body: correctionInputSchema,
    responses: {
      202: { description: 'durable in Kafka', json: accepted },
      400: errorResponse('invalid path, body or JSON; a day or time in the future', ['validation-failed', 'invalid-json', 'bad-request']),
      401: unauthorized,
      403: errorResponse("another school's student, or undoing someone else's correction", ['wrong-school', 'not-author']),
      404: errorResponse('no such student, or no such correction to undo', ['student-not-found', 'correction-not-found']),
      409: errorResponse('the day does not allow it', ['already-present', 'excused', 'not-checked-in', 'checkout-before-checkin', 'checked-in-elsewhere', 'already-undone', 'not-undoable', 'changed-since']),
      413: errorResponse('body over 8 KB', ['payload-too-large']),
      415: errorResponse('not application/json', ['unsupported-media-type']),
      503: unavailable,
    },
  },
  { method: 'get', path: '/schools/:id/students/:userId/days/:day', tag: 'office', security: 'staffToken', summary: "A student's day with its history", params: studentDayParams, responses: { 200: { description: 'the day', json: studentDay }, ...read, 404: errorResponse('no such student', ['student-not-found']) } },
];

/** dashboard-service's OpenAPI 3.1 document, served at `GET /openapi.json`. */
export function dashboardContract(): JsonSchema {
  return openApiDocument(
    {
      title: 'dashboard-service',
      version: '1',
      description: 'The read API (figures, lists, exports, live streams), the school office (corrections, a student\'s day) and its page. Errors are `{ error, message, details? }` with a stable `error` code.',
      securitySchemes: { staffToken: { description: 'A staff token (`Authorization: Bearer <token>`): role `admin` (every school) or `school` (one school), created with `pnpm --filter @attendance/tasks job staff:create`.' } },
    },
    operations,
  );
}
