import { connectMongo, type MongoConnection, SCHOOLS_COLLECTION, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import { dayOf } from '@attendance/common/records';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionStaffToken } from '../support/credentials.ts';
import { ContractChecker } from '../support/openapi-contract.ts';
import { runAttendanceService, runDashboardService, type RunningService, stopServices } from '../support/services.ts';
import { openEventStream } from '../support/sse.ts';
import { testNamespace } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The OpenAPI contract cannot drift: real requests to both running services
 * (the happy path and the main errors of every route), every answer checked
 * against the `/openapi.json` the service serves (status, content type, body).
 */
const ns = testNamespace('openapi');
let attendance: RunningService & { deviceKeys: Map<string, string> };
let dashboard: RunningService & { adminToken: string };
let mongo: MongoConnection;
let southToken: string;
const today = dayOf(Date.now(), 'UTC');
const students = ['oa-0', 'oa-1', 'oa-2'];

interface Call {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** Sent as the bearer credential; null: none. */
  token?: string | null;
  headers?: Record<string, string>;
}

async function contractOf(url: string): Promise<ContractChecker> {
  const response = await fetch(`${url}/openapi.json`);
  expect(response.status).toBe(200);
  return new ContractChecker((await response.json()) as never);
}

/** Sends a request and checks the answer against the service's contract; returns status and body. */
async function call(contract: ContractChecker, base: string, path: string, options: Call & { defaultToken: string }): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  const token = options.token === undefined ? options.defaultToken : options.token;
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method: options.method ?? 'GET', headers, ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }) });
  const text = await response.text();
  contract.check(options.method ?? 'GET', path, { status: response.status, contentType: response.headers.get('content-type') ?? '', text });
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** A path the contract does not have answers with the contract's error body (dashboard-service: 401 first, its read router authenticates every request). */
async function expectNoRoute(contract: ContractChecker, base: string, status: number): Promise<void> {
  const response = await fetch(`${base}/no-such-route`);
  expect(response.status).toBe(status);
  contract.validateJson('#/components/schemas/Error', await response.json(), 'a 404 for no route');
}

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection(SCHOOLS_COLLECTION).insertMany([{ _id: 'north', name: 'North', createdAt: new Date() }, { _id: 'south', name: 'South', createdAt: new Date() }] as never[]);
  await mongo.db.collection(STUDENTS_COLLECTION).insertMany(students.map((_id, i) => ({ _id, schoolId: 'north', name: `Student ${i}`, createdAt: new Date() })) as never[]);
  southToken = (await provisionStaffToken(ns, 'school', 'south')).token;
  attendance = await runAttendanceService(ns, {}, undefined, ['north', 'south']);
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200' });
});

afterAll(async () => {
  await stopServices({ dashboard, attendance, mongo });
});

const record = (userId: string, type = 'checkin') => ({ type, userId, schoolId: 'north', timestamp: Date.now(), temperature: 36.6 });

describe('attendance-service answers as its contract says', () => {
  it('serves a valid OpenAPI 3.1 document, unauthenticated, and every answer matches it', async () => {
    const contract = await contractOf(attendance.url);
    const key = attendance.deviceKeys.get('north') as string;
    const post = (path: string, options: Call = {}) => call(contract, attendance.url, path, { ...options, method: 'POST', defaultToken: key });
    expect((await post('/attendances', { body: record(students[0] as string) })).status).toBe(202);
    expect((await post('/attendances', { body: record(students[0] as string) })).json()).toMatchObject({ error: 'already-checked-in' });
    expect((await post('/attendances', { body: { ...record('x'), temperature: 99 } })).status).toBe(400);
    expect((await post('/attendances', { body: '{"type":' })).json()).toMatchObject({ error: 'invalid-json' });
    expect((await post('/attendances', { body: record('x'), token: null })).status).toBe(401);
    expect((await post('/attendances', { body: { ...record('x'), schoolId: 'south' } })).json()).toMatchObject({ error: 'wrong-school' });
    expect((await post('/attendances', { body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const batch = await post('/attendances/batch', { body: { records: [record(students[1] as string), { ...record('y'), temperature: 'warm' }] } });
    expect(batch.json()).toMatchObject({ accepted: 1, rejected: 1 });
    expect((await post('/attendances/batch', { body: { records: [] } })).status).toBe(400);
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) await call(contract, attendance.url, path, { defaultToken: key, token: null });
    await expectNoRoute(contract, attendance.url, 404);
  });
});

describe('dashboard-service answers as its contract says', () => {
  it('serves a valid OpenAPI 3.1 document, unauthenticated, and every answer matches it', async () => {
    const contract = await contractOf(dashboard.url);
    const get = (path: string, options: Call = {}) => call(contract, dashboard.url, path, { ...options, defaultToken: dashboard.adminToken });
    await waitFor(async () => ((await get('/schools/north')).json().checkIns === 2 ? true : undefined), { what: 'the two check-ins in the figures' });

    expect((await get('/schools?sort=name&order=asc&limit=1')).json()).toMatchObject({ total: 2, items: [{ schoolId: 'north' }] });
    expect((await get('/schools?limit=0')).json()).toMatchObject({ error: 'validation-failed' });
    expect((await get('/schools', { token: null })).status).toBe(401);
    expect((await get('/stats/today')).json()).toMatchObject({ checkIns: 2, presentNow: 2 });
    expect((await get('/stats/today', { token: southToken })).json()).toMatchObject({ error: 'forbidden-role' });
    expect((await get('/schools/north', { token: southToken })).json()).toMatchObject({ error: 'wrong-school' });
    expect((await get('/schools/nowhere')).json()).toMatchObject({ error: 'school-not-found' });
    expect((await get('/schools/north', { token: null, headers: { accept: 'text/html' } })).text).toContain('<html');
    const page = (await get('/', { token: null })).text;
    for (const asset of page.match(/\/office\/office\.[0-9a-f]+\.(js|css)/g) ?? []) expect((await get(asset, { token: null })).status).toBe(200);
    expect((await get(`/schools/north/reports?from=${today}&to=${today}`)).json()).toMatchObject({ series: [{ day: today, checkIns: 2 }] });
    expect((await get(`/schools/north/reports?from=${today}&to=2000-01-01`)).status).toBe(400);
    for (const status of ['present', 'absent', 'late', 'excused', 'checked-out']) await get(`/schools/north/attendances?status=${status}&limit=2`);
    expect((await get('/schools/north/roster')).json()).toMatchObject({ rows: expect.arrayContaining([expect.arrayContaining(['oa-0', 'Student 0'])]) });
    expect((await get('/schools/north/attendances.csv')).text).toContain('oa-0');
    expect((await get('/schools/nowhere/attendances.csv')).status).toBe(404);
    expect((await get('/schools/north/reports.csv')).text).toMatch(/^day,checkIns/);

    const correction = (userId: string, body: unknown) => get(`/schools/north/students/${userId}/days/${today}/corrections`, { method: 'POST', body });
    expect((await correction(students[2] as string, { action: 'excuse', reason: 'sick' })).status).toBe(202);
    expect((await correction(students[0] as string, { action: 'excuse', reason: 'sick' })).json()).toMatchObject({ error: 'already-present' });
    expect((await correction(students[0] as string, { action: 'excuse', reason: 'bored' })).status).toBe(400);
    expect((await correction('nobody', { action: 'excuse', reason: 'sick' })).json()).toMatchObject({ error: 'student-not-found' });
    await waitFor(async () => ((await get(`/schools/north/students/oa-2/days/${today}`)).json().status === 'excused' ? true : undefined), { what: 'the excuse stored' });
    expect((await get(`/schools/north/students/oa-0/days/${today}`)).json()).toMatchObject({ status: 'present', history: [{ kind: 'device' }] });
    expect((await get(`/schools/north/students/nobody/days/${today}`)).status).toBe(404);
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) await get(path, { token: null });
    await expectNoRoute(contract, dashboard.url, 401);
  });

  it('streams events whose data match the JSON routes they repeat', async () => {
    const contract = await contractOf(dashboard.url);
    for (const [path, body] of [['/stats/stream', '/stats/today'], ['/schools/north/stream', '/schools/{id}']] as const) {
      const stream = await openEventStream(`${dashboard.url}${path}?access_token=${dashboard.adminToken}`);
      try {
        contract.check('GET', path, { status: stream.status, contentType: stream.headers.get('content-type') ?? '', text: '' });
        const event = await stream.next((candidate) => candidate.event === 'counters', 10_000);
        contract.validateJson(`#/paths/${body.replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`, JSON.parse(event.data ?? ''), `${path} data`);
      } finally {
        stream.close();
      }
    }
    const refused = await fetch(`${dashboard.url}/stats/stream`);
    contract.check('GET', '/stats/stream', { status: refused.status, contentType: refused.headers.get('content-type') ?? '', text: await refused.text() });
    expect(refused.status).toBe(401);
  });
});
