import { DEVICES_COLLECTION } from '@attendance/common/credentials';
import { connectMongo } from '@attendance/common/mongo';
import { deviceBucketKey, stateLocation } from '@attendance/common/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attendanceFixture, postJson, type AttendanceFixture } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('ratelimit');
let fixture: AttendanceFixture;
const record = (schoolId: string) => ({ type: 'checkin', userId: randomId(), schoolId, timestamp: Date.now(), temperature: 36.6 });

beforeAll(async () => {
  // 2 records/s, bursts of 5: small enough to run out of in a test.
  fixture = await attendanceFixture(ns, { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '5' }, undefined, ['school-1', 'school-2', 'school-3', 'school-4']);
});

afterAll(async () => {
  await fixture?.stop();
});

describe("a device's rate limit", () => {
  it('answers 429 rate-limited with Retry-After past the burst, stores nothing for the refused record, and limits each device on its own', async () => {
    const url = `${fixture.service.url}/attendances`;
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await postJson(url, record('school-1')));
    expect(answers.slice(0, 5).map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    const refused = answers[5] as (typeof answers)[number];
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'rate-limited', message: expect.any(String) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // The refused record's claim was undone: the same record is accepted once the bucket refills.
    const again = record('school-1');
    expect((await postJson(url, again)).status).toBe(429);
    expect(await fixture.messagesFor(again.userId)).toHaveLength(0);
    await waitFor(async () => (await postJson(url, again)).status === 202, { timeoutMs: 5_000, intervalMs: 250, what: 'the bucket to refill' });
    expect(await fixture.messagesFor(again.userId)).toHaveLength(1);

    // Another school's device has its own bucket.
    expect((await postJson(url, record('school-2'))).status).toBe(202);
    expect(await fixture.redis.exists(deviceBucketKey(ns.redisPrefix, 'unknown'))).toBe(0);
  });

  it('counts the records of a batch, not the request: past the burst the rest answer 429 and the batch says when to retry', async () => {
    const response = await postJson(`${fixture.service.url}/attendances/batch`, { records: Array.from({ length: 8 }, () => record('school-3')) });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.body).toMatchObject({ accepted: 5, rejected: 3 });
    const statuses = (response.body.results as { status: number; error?: string }[]).map((result) => result.error ?? result.status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 'rate-limited', 'rate-limited', 'rate-limited']);
  });

  it('undoes the claim made beside a bucket Redis cannot read: 503, and the retry is accepted at once, not after the takeover age', async () => {
    const mongo = await connectMongo(ns.mongoUrl);
    const device = await mongo.db.collection<{ _id: string }>(DEVICES_COLLECTION).findOne({ schoolId: 'school-4' });
    await mongo.client.close();
    const bucket = deviceBucketKey(ns.redisPrefix, String(device?._id));
    // A bucket of the wrong type makes the rate-limit script fail; the claim in the same pipeline still runs.
    await fixture.redis.set(bucket, 'not a hash');
    const first = record('school-4');
    const refused = await postJson(`${fixture.service.url}/attendances`, first);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'service-unavailable' });
    const { key, field } = stateLocation(ns.redisPrefix, new Date(first.timestamp).toISOString().slice(0, 10), first.userId);
    expect(await fixture.redis.hget(key, field)).toBeNull();

    await fixture.redis.del(bucket);
    expect((await postJson(`${fixture.service.url}/attendances`, first)).status).toBe(202);
    expect(await fixture.messagesFor(first.userId)).toHaveLength(1);
  });
});
