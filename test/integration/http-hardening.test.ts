import { Writable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig as readAttendanceConfig } from '../../attendance-service/src/config.ts';
import { start as startAttendance } from '../../attendance-service/src/start.ts';
import { createLogger } from '@attendance/common/config';
import type { ServiceHandle } from '@attendance/common/http';
import { provisionDevices } from '../support/credentials.ts';
import { rawRequest } from '../support/raw-http.ts';
import { getJson, runDashboardService, UNLIMITED_RATE } from '../support/services.ts';
import { randomId, stack, testNamespace } from '../support/stack.ts';

/**
 * What probing the running services found (issue 12): every bad request gets
 * a 4xx with the JSON error body, or a bounded cost, and the usual security
 * headers are there.
 */
const ns = testNamespace('hardening');
let attendance: ServiceHandle;
let attendanceUrl: string;
let dashboard: Awaited<ReturnType<typeof runDashboardService>>;
let key: string;
const logLines: string[] = [];

beforeAll(async () => {
  key = (await provisionDevices(ns, ['school-1'])).get('school-1') as string;
  // attendance-service with its log captured (debug: refused requests are logged there) and short HTTP timeouts.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = readAttendanceConfig({
    PORT: '0',
    KAFKA_BROKERS: stack.kafkaBrokers,
    KAFKA_TOPIC: ns.topic,
    KAFKA_PARTITIONS: '3',
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: ns.redisPrefix,
    MONGO_URL: ns.mongoUrl,
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    ...UNLIMITED_RATE,
  });
  attendance = await startAttendance({ config, logger: createLogger('attendance-service', 'debug', sink) });
  attendanceUrl = `http://127.0.0.1:${attendance.port}`;
  dashboard = await runDashboardService(ns, { CONSUMER_ENABLED: 'false', CORS_ORIGINS: 'https://district.example' });
});

afterAll(async () => {
  await Promise.allSettled([attendance?.stop(), dashboard?.handle.stop()]);
});

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${attendanceUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body });

describe('security headers, CORS and request ids', () => {
  it('sends no x-powered-by and the helmet headers on both APIs', async () => {
    for (const url of [`${attendanceUrl}/healthz`, `${dashboard.url}/healthz`]) {
      const response = await fetch(url);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });

  it('answers CORS only for a configured origin', async () => {
    const preflight = (url: string, origin: string) => fetch(`${url}/schools`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    const allowed = await preflight(dashboard.url, 'https://district.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://district.example');
    expect((await preflight(dashboard.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    // attendance-service has no CORS_ORIGINS: closed.
    expect((await preflight(attendanceUrl, 'https://district.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives every request an id, echoes it, and logs refused requests with it but never the key', async () => {
    const response = await post('/attendances', '{}', { 'x-request-id': 'probe-123' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('probe-123');
    expect((await fetch(`${attendanceUrl}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(logLines.some((line) => line.includes('"requestId":"probe-123"'))).toBe(true);
    expect(logLines.every((line) => JSON.parse(line) !== undefined)).toBe(true);
    expect(logLines.filter((line) => line.includes(key) || line.includes(dashboard.adminToken))).toEqual([]);
  });
});

describe('bodies that do not decode', () => {
  const body = Buffer.from('this is not compressed at all');
  it.each([
    ['gzip', body],
    ['deflate', body],
    ['br', body],
  ])('answers 400 bad-request to a %s body that does not decode', async (encoding, bytes) => {
    const response = await post('/attendances', bytes, { 'content-encoding': encoding });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'bad-request', message: expect.any(String) });
  });

  it('still accepts a record compressed properly', async () => {
    const record = JSON.stringify({ type: 'checkin', userId: randomId(), schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6 });
    for (const [encoding, bytes] of [['gzip', gzipSync(record)], ['deflate', deflateSync(record)], ['br', brotliCompressSync(record)]] as const) {
      expect((await post('/attendances', bytes, { 'content-encoding': encoding })).status, encoding).toBe(encoding === 'gzip' ? 202 : 409);
    }
  });
});

describe('malformed percent-encoding in dashboard paths', () => {
  it.each(['/schools/%', '/schools/%E0%A4%A', '/schools/%ZZ/attendances', '/schools/%FF/reports', '/schools/%E0%A4%A/attendances'])('answers 400 bad-request to %s', async (path) => {
    const response = await getJson(`${dashboard.url}${path}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'bad-request', message: expect.any(String) });
  });
});

describe('slow and oversized requests', () => {
  it('cuts off headers trickled past the headers timeout with 408 and the JSON body', async () => {
    const chunks = ['POST /attendances HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n'];
    const answer = await rawRequest(attendanceUrl, chunks, { delayMs: 500 });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ error: 'request-timeout', message: expect.any(String) });
    expect(answer.closedAfterMs).toBeLessThan(4_000);
  });

  it('refuses a 10 GB Content-Length at once with 413 and closes the connection', async () => {
    const head = `POST /attendances/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n`;
    const answer = await rawRequest(attendanceUrl, [head, '{"records":[']);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'payload-too-large' });
    expect(answer.closedAfterMs).toBeLessThan(2_000);
  });

  it('caps the error details of a batch per record and per response', async () => {
    const junk = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`unknown_${'x'.repeat(220)}_${i}`, i]));
    const records = Array.from({ length: 1000 }, () => ({ type: 'checkin', userId: randomId(), schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6, ...junk }));
    const body = JSON.stringify({ records });
    expect(body.length).toBeGreaterThan(2_500_000);
    const response = await post('/attendances/batch', body);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text.length).toBeLessThan(250_000);
    const results = (JSON.parse(text) as { results: { status: number; details?: unknown[] }[] }).results;
    expect(results.every((result) => result.status === 400)).toBe(true);
    expect(Math.max(...results.map((result) => result.details?.length ?? 0))).toBeLessThanOrEqual(11);
  });
});

describe("requests Node's parser refuses", () => {
  it('answers an unknown method with 400 and the JSON body', async () => {
    const answer = await rawRequest(attendanceUrl, ['FOO /attendances HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'bad-request', message: expect.any(String) });
  });

  it('answers a missing Host with 400 and the JSON body', async () => {
    const answer = await rawRequest(attendanceUrl, ['GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n']);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'bad-request', message: expect.any(String) });
  });

  it('answers oversized headers with 431 and the JSON body', async () => {
    const answer = await rawRequest(attendanceUrl, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({ error: 'headers-too-large', message: expect.any(String) });
  });
});
