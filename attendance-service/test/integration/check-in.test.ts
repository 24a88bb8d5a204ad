import { decodeState, schoolFingerprint, stateLocation } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attendanceFixture, postJson, type AttendanceFixture } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('checkin');
let fixture: AttendanceFixture;
let service: AttendanceFixture['service'];
let redis: Redis;

const today = new Date().toISOString().slice(0, 10);
const record = (overrides: Record<string, unknown> = {}) => ({
  type: 'checkin',
  userId: randomId(),
  schoolId: 'school-1',
  timestamp: Date.now(),
  temperature: 36.6,
  ...overrides,
});

beforeAll(async () => {
  fixture = await attendanceFixture(ns, {}, undefined, ['school-1', otherSchool]);
  ({ service, redis } = fixture);
});

afterAll(async () => {
  await fixture?.stop();
});

const messagesFor = (userId: string) => fixture.messagesFor(userId);
/** school-1's device key, for requests whose body names no school. */
const key = (): string => service.deviceKeys.get('school-1') as string;
const localMinute = (timestamp: number): number => new Date(timestamp).getUTCHours() * 60 + new Date(timestamp).getUTCMinutes();
/** A school whose fingerprint differs from school-1's, so the state can tell them apart (see state-value.ts). */
const otherSchool = ['school-2', 'school-3', 'school-4', 'school-5', 'school-6', 'school-7'].find((id) => schoolFingerprint(id) !== schoolFingerprint('school-1')) ?? 'school-2';

describe('POST /attendances', () => {
  describe('when a student checks in', () => {
    it('answers 202 with the record id, puts exactly one message keyed by the user on the topic, and claims the state in Redis', async () => {
      const body = record({ image: 'photos/2026/abc.jpg' });
      const response = await postJson(`${service.url}/attendances`, body);
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ id: expect.any(String), status: 'accepted' });

      const messages = await messagesFor(body.userId);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.value).toEqual({
        id: response.body.id,
        type: 'checkin',
        userId: body.userId,
        schoolId: 'school-1',
        timestamp: new Date(body.timestamp).toISOString(),
        day: today,
        temperature: 36.6,
        image: 'photos/2026/abc.jpg',
        receivedAt: expect.any(String),
      });
      const { key, field } = stateLocation(ns.redisPrefix, today, body.userId);
      // Confirmed (no pending time) by the time the 202 is sent, with the check-in's minute and school.
      expect(decodeState(Number(await redis.hget(key, field)))).toEqual({ checkInMinute: localMinute(body.timestamp), school: schoolFingerprint('school-1') });
      expect(await redis.ttl(key)).toBeGreaterThan(24 * 3600);
    });
  });

  describe('when a student checks in twice the same day', () => {
    it('rejects the second with 409 already-checked-in and adds no message', async () => {
      const body = record();
      expect((await postJson(`${service.url}/attendances`, body)).status).toBe(202);
      const second = await postJson(`${service.url}/attendances`, { ...body, timestamp: Date.now() });
      expect(second.status).toBe(409);
      expect(second.body).toEqual({ error: 'already-checked-in', message: expect.any(String) });
      expect(await messagesFor(body.userId)).toHaveLength(1);
    });

    it('accepts exactly one of 50 concurrent identical check-ins', async () => {
      const body = record();
      const responses = await Promise.all(Array.from({ length: 50 }, () => postJson(`${service.url}/attendances`, body)));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((status) => status === 202)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(49);
      expect(await messagesFor(body.userId)).toHaveLength(1);
    });
  });

  describe('check-out rules', () => {
    it('refuses a check-out before any check-in with 409 not-checked-in', async () => {
      const response = await postJson(`${service.url}/attendances`, record({ type: 'checkout' }));
      expect(response.status).toBe(409);
      expect(response.body.error).toBe('not-checked-in');
    });

    it('accepts one check-out after the check-in and refuses a second with 409 already-checked-out', async () => {
      const body = record();
      expect((await postJson(`${service.url}/attendances`, body)).status).toBe(202);
      expect((await postJson(`${service.url}/attendances`, { ...body, type: 'checkout', temperature: 38.2 })).status).toBe(202);
      const again = await postJson(`${service.url}/attendances`, { ...body, type: 'checkout' });
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('already-checked-out');
      const messages = await messagesFor(body.userId);
      expect(messages.map((message) => (message.value as { type: string }).type)).toEqual(['checkin', 'checkout']);
      expect(new Set(messages.map((message) => message.partition)).size).toBe(1);
    });
  });

  describe('when a check-out does not fit the day\'s check-in', () => {
    it('refuses a check-out at another school with 409 checked-in-elsewhere and publishes nothing for it', async () => {
      const body = record();
      expect((await postJson(`${service.url}/attendances`, body)).status).toBe(202);
      const elsewhere = await postJson(`${service.url}/attendances`, { ...body, type: 'checkout', schoolId: otherSchool });
      expect(elsewhere.status).toBe(409);
      expect(elsewhere.body).toEqual({ error: 'checked-in-elsewhere', message: expect.any(String) });
      const atHome = await postJson(`${service.url}/attendances`, { ...body, type: 'checkout' });
      expect(atHome.status).toBe(202);
      const messages = await messagesFor(body.userId);
      expect(messages.map((message) => (message.value as { schoolId: string; type: string }).type)).toEqual(['checkin', 'checkout']);
      expect(messages.every((message) => (message.value as { schoolId: string }).schoolId === 'school-1')).toBe(true);
    });

    it('refuses a check-out timed before the check-in with 409 checkout-before-checkin, and accepts one at the same minute', async () => {
      const checkInAt = Date.now() - 5 * 60_000;
      const body = record({ timestamp: checkInAt });
      expect((await postJson(`${service.url}/attendances`, body)).status).toBe(202);
      const early = await postJson(`${service.url}/attendances`, { ...body, type: 'checkout', timestamp: checkInAt - 2 * 60_000 });
      expect(early.status).toBe(409);
      expect(early.body).toEqual({ error: 'checkout-before-checkin', message: expect.any(String) });
      const { key, field } = stateLocation(ns.redisPrefix, today, body.userId);
      expect(decodeState(Number(await redis.hget(key, field))).checkOutMinute).toBeUndefined();
      expect((await postJson(`${service.url}/attendances`, { ...body, type: 'checkout', timestamp: checkInAt })).status).toBe(202);
      expect(await messagesFor(body.userId)).toHaveLength(2);
    });
  });

  describe('invalid requests', () => {
    it.each([
      ['type', { type: 'arrival' }],
      ['userId', { userId: 'no spaces allowed' }],
      ['schoolId', { schoolId: undefined }],
      ['timestamp', { timestamp: 'yesterday' }],
      ['timestamp', { timestamp: Date.now() + 10 * 60_000 }],
      ['temperature', { temperature: 52 }],
      ['image', { image: 'x'.repeat(2049) }],
      ['nickname', { nickname: 'Bob' }],
    ])('answers 400 naming %s', async (field, override) => {
      const response = await postJson(`${service.url}/attendances`, record(override), { key: key() });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation-failed');
      expect((response.body.details as { field: string }[]).map((detail) => detail.field)).toEqual([field]);
    });

    it('answers 413 for a body over 16 KB and 415 for a body that is not JSON, in the same error shape', async () => {
      const tooLarge = await postJson(`${service.url}/attendances`, record({ image: 'x'.repeat(17_000) }));
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body).toEqual({ error: 'payload-too-large', message: expect.any(String) });
      const notJson = await fetch(`${service.url}/attendances`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${key()}` }, body: 'checkin u1' });
      expect(notJson.status).toBe(415);
      expect(await notJson.json()).toEqual({ error: 'unsupported-media-type', message: expect.any(String) });
      const broken = await fetch(`${service.url}/attendances`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key()}` }, body: '{"type":' });
      expect(broken.status).toBe(400);
      expect(((await broken.json()) as { error: string }).error).toBe('invalid-json');
    });

    it('answers 404 for an unknown route', async () => {
      const response = await fetch(`${service.url}/attendance`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not-found', message: expect.any(String) });
    });
  });

  describe('POST /attendances/batch', () => {
    it('judges each record by the same rules, in request order, duplicates inside the batch included', async () => {
      const fresh = record();
      const alreadyIn = record();
      expect((await postJson(`${service.url}/attendances`, alreadyIn)).status).toBe(202);
      const response = await postJson(`${service.url}/attendances/batch`, {
        records: [fresh, { ...fresh }, record({ temperature: 3 }), alreadyIn, { ...fresh, type: 'checkout' }, record({ type: 'checkout' })],
      });
      expect(response.status).toBe(200);
      const results = response.body.results as { index: number; status: number; error?: string; id?: string }[];
      expect(results.map((result) => [result.index, result.status, result.error ?? 'ok'])).toEqual([
        [0, 202, 'ok'],
        [1, 409, 'already-checked-in'],
        [2, 400, 'validation-failed'],
        [3, 409, 'already-checked-in'],
        [4, 202, 'ok'],
        [5, 409, 'not-checked-in'],
      ]);
      expect(response.body).toMatchObject({ accepted: 2, rejected: 4 });
      const messages = await messagesFor(fresh.userId);
      expect(messages.map((message) => (message.value as { id: string }).id)).toEqual([results[0]?.id, results[4]?.id]);
    });

    it('answers 400 for more than 1,000 records or a body that is not { records: [...] }', async () => {
      const tooMany = await postJson(`${service.url}/attendances/batch`, { records: Array.from({ length: 1001 }, () => record()) });
      expect(tooMany.status).toBe(400);
      expect((await postJson(`${service.url}/attendances/batch`, [record()], { key: key() })).status).toBe(400);
    });
  });

  describe('metrics', () => {
    /** The value of one series on /metrics (0 while it has none). */
    const sample = async (series: string): Promise<number> => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const series = {
      accepted: 'attendance_records_accepted_total{type="checkin"}',
      refused: 'attendance_records_rejected_total{reason="already-checked-in"}',
      answered202: 'attendance_http_requests_total{method="POST",route="/attendances",status="202"}',
      kafkaFlushes: 'attendance_bulk_flush_size_count{buffer="kafka-send"}',
    };

    it('counts accepted records by type and rejected ones by reason', async () => {
      const read = async () => ({ accepted: await sample(series.accepted), refused: await sample(series.refused), answered202: await sample(series.answered202), kafkaFlushes: await sample(series.kafkaFlushes) });
      const before = await read();
      const body = record();
      expect((await postJson(`${service.url}/attendances`, body)).status).toBe(202);
      expect((await postJson(`${service.url}/attendances`, body)).status).toBe(409);

      // A request is counted when its answer has been written out, which may be just after the client read it.
      const expected = { accepted: before.accepted + 1, refused: before.refused + 1, answered202: before.answered202 + 1, kafkaFlushes: before.kafkaFlushes + 1 };
      const counted = await waitFor(async () => {
        const now = await read();
        return Object.entries(expected).every(([name, value]) => now[name as keyof typeof now] >= value) && now;
      }, { timeoutMs: 5_000, what: 'the two requests to be counted' });
      expect(counted).toEqual(expected);
    });
  });
});
