import { decodeState, defineAttendanceStateCommands, schoolFingerprint, stateLocation } from '@attendance/common/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attendanceFixture, postJson, type AttendanceFixture } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

/**
 * A claim without a record: what a kill -9 between the Redis claim and the
 * Kafka send leaves behind. It is made here with the claim script itself, as
 * the dead process made it; the publish timeout is short so the takeover
 * comes within a second.
 */
const ns = testNamespace('abandoned');
const PUBLISH_TIMEOUT_MS = 1000;
const today = new Date().toISOString().slice(0, 10);
let fixture: AttendanceFixture;

beforeAll(async () => {
  fixture = await attendanceFixture(ns, { PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS) });
  defineAttendanceStateCommands(fixture.redis);
});

afterAll(async () => {
  await fixture?.stop();
});

const record = (overrides: Record<string, unknown> = {}) => ({ type: 'checkin', userId: randomId(), schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6, ...overrides });
const minuteOf = (timestamp: number) => new Date(timestamp).getUTCHours() * 60 + new Date(timestamp).getUTCMinutes();

/** The claim a dead process left: pending, never published. */
async function abandonClaim(body: ReturnType<typeof record>): Promise<void> {
  const { key, field } = stateLocation(ns.redisPrefix, today, body.userId);
  const reply = await fixture.redis.claimAttendance(key, field, body.type, minuteOf(body.timestamp), schoolFingerprint(body.schoolId), 3600, PUBLISH_TIMEOUT_MS);
  expect(reply).toBeGreaterThan(6);
}

/** A device: retries every 503 until another answer, and remembers every answer. */
async function deviceSends(body: unknown): Promise<{ statuses: number[]; final: { status: number; body: Record<string, unknown> } }> {
  const statuses: number[] = [];
  const final = await waitFor(
    async () => {
      const response = await postJson(`${fixture.service.url}/attendances`, body);
      statuses.push(response.status);
      if (response.status === 503) expect(response.headers.get('retry-after')).toBe('1');
      return response.status === 503 ? undefined : response;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: 'an answer other than 503' },
  );
  return { statuses, final };
}

describe('when a check-in meets a claim abandoned by a crashed request', () => {
  it('answers 503 record-in-progress (never 409) until the claim is older than the publish timeout, then takes it over: 202, on the topic, confirmed', async () => {
    const body = record();
    await abandonClaim(body);
    const first = await postJson(`${fixture.service.url}/attendances`, body);
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ error: 'record-in-progress', message: expect.any(String) });

    const { statuses, final } = await deviceSends(body);
    expect(final.status).toBe(202);
    expect(statuses.slice(0, -1).every((status) => status === 503)).toBe(true);
    const messages = await fixture.messagesFor(body.userId);
    expect(messages.map((message) => (message.value as { id: string }).id)).toEqual([final.body.id]);
    const { key, field } = stateLocation(ns.redisPrefix, today, body.userId);
    expect(decodeState(Number(await fixture.redis.hget(key, field)))).toEqual({ checkInMinute: minuteOf(body.timestamp), school: schoolFingerprint('school-1') });

    const duplicate = await postJson(`${fixture.service.url}/attendances`, body);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toBe('already-checked-in');
  });

  it('makes a check-out wait (503) while the check-in is pending, and accepts it once the check-in is taken over and confirmed', async () => {
    const body = record();
    await abandonClaim(body);
    const early = await postJson(`${fixture.service.url}/attendances`, { ...body, type: 'checkout' });
    expect(early.status).toBe(503);
    expect((await deviceSends(body)).final.status).toBe(202);
    expect((await postJson(`${fixture.service.url}/attendances`, { ...body, type: 'checkout' })).status).toBe(202);
    const types = (await fixture.messagesFor(body.userId)).map((message) => (message.value as { type: string }).type);
    expect(types).toEqual(['checkin', 'checkout']);
  });
});

describe('when a check-out meets a check-out claim abandoned by a crashed request', () => {
  it('takes it over after the publish timeout and answers 202; the check-in stays as it was', async () => {
    const body = record();
    expect((await postJson(`${fixture.service.url}/attendances`, body)).status).toBe(202);
    const checkout = { ...body, type: 'checkout' };
    await abandonClaim(checkout);
    const { final } = await deviceSends(checkout);
    expect(final.status).toBe(202);
    const { key, field } = stateLocation(ns.redisPrefix, today, body.userId);
    expect(decodeState(Number(await fixture.redis.hget(key, field)))).toEqual({ checkInMinute: minuteOf(body.timestamp), checkOutMinute: minuteOf(checkout.timestamp) });
    const again = await postJson(`${fixture.service.url}/attendances`, checkout);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already-checked-out');
  });
});
