import { type DeviceDocument, DEVICES_COLLECTION, revokeDevice } from '@attendance/common/credentials';
import { connectMongo, type MongoConnection, SCHOOLS_COLLECTION } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionDevices } from '../../../test/support/credentials.ts';
import { postJson, runAttendanceService, type RunningService } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('devauth');
let first: Awaited<ReturnType<typeof runAttendanceService>>;
let second: RunningService;
let mongo: MongoConnection;
let keys: Map<string, string>;
const UNAUTHORIZED = { error: 'unauthorized', message: expect.any(String) };

const record = (overrides: Record<string, unknown> = {}) => ({ type: 'checkin', userId: randomId(), schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6, ...overrides });

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  // Two replicas of the service on one store, as behind the load balancer; a short lastSeenAt flush so the test can see it.
  first = await runAttendanceService(ns, { LAST_SEEN_FLUSH_MS: '200' }, undefined, ['school-1', 'school-2', 'gone']);
  keys = first.deviceKeys;
  second = await runAttendanceService(ns, {}, undefined, []);
});

afterAll(async () => {
  await Promise.allSettled([first?.handle.stop(), second?.handle.stop()]);
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

describe('device keys on POST /attendances', () => {
  it.each([
    ['missing', undefined],
    ['malformed', 'Basic dXNlcjpwYXNz'],
    ['not a key', 'Bearer not-a-key'],
    ['unknown', `Bearer dk_${'A'.repeat(43)}`],
  ])('answers 401 unauthorized with the same body when the key is %s, and stores nothing', async (_case, authorization) => {
    const response = await fetch(`${first.url}/attendances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(record()),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual(UNAUTHORIZED);
  });

  it('refuses a record of another school with 403 wrong-school', async () => {
    const response = await postJson(`${first.url}/attendances`, record({ schoolId: 'school-2' }), { key: keys.get('school-1') as string });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'wrong-school', message: expect.any(String) });
  });

  it('refuses a record for a school no longer on the roster with 422 unknown-school', async () => {
    await mongo.db.collection(SCHOOLS_COLLECTION).deleteOne({ _id: 'gone' } as never);
    const key = keys.get('gone') as string;
    await waitFor(async () => (await postJson(`${second.url}/attendances`, record({ schoolId: 'gone' }), { key })).status === 422, { timeoutMs: 5_000, what: 'the school list to be read again' });
    const response = await postJson(`${first.url}/attendances`, record({ schoolId: 'gone' }), { key });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ error: 'unknown-school', message: expect.any(String) });
  });

  it('judges each record of a batch by its school: 202 for its own, 403 wrong-school for another', async () => {
    const response = await postJson(`${first.url}/attendances/batch`, { records: [record(), record({ schoolId: 'school-2' })] }, { key: keys.get('school-1') as string });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect((response.body.results as { status: number; error?: string }[]).map((result) => [result.status, result.error])).toEqual([
      [202, undefined],
      [403, 'wrong-school'],
    ]);
  });

  it('answers 401 to a batch without a key', async () => {
    const response = await postJson(`${first.url}/attendances/batch`, { records: [record()] }, { key: null });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(UNAUTHORIZED);
  });

  it("records when a device was last seen, in the background", async () => {
    expect((await postJson(`${first.url}/attendances`, record())).status).toBe(202);
    const device = await waitFor(async () => (await mongo.db.collection<DeviceDocument>(DEVICES_COLLECTION).findOne({ schoolId: 'school-1' }))?.lastSeenAt ?? undefined, { what: 'lastSeenAt' });
    expect(Date.now() - device.getTime()).toBeLessThan(60_000);
  });
});

describe('when a device key is revoked', () => {
  it('is refused with 401 by a second running replica within 5 s', async () => {
    const [, key] = [...(await provisionDevices(ns, ['school-1']))][0] as [string, string];
    // Both replicas know the new key after their next read.
    for (const service of [first, second]) {
      await waitFor(async () => (await postJson(`${service.url}/attendances`, record(), { key })).status === 202, { timeoutMs: 10_000, what: 'the new key to be known' });
    }
    const device = (await mongo.db.collection<DeviceDocument>(DEVICES_COLLECTION).find({ schoolId: 'school-1' }).sort({ createdAt: -1 }).limit(1).toArray())[0] as DeviceDocument;
    const revokedAt = Date.now();
    expect(await revokeDevice(mongo.db, device._id)).toBe(true);
    const refused = await waitFor(async () => {
      const response = await postJson(`${second.url}/attendances`, record(), { key });
      return response.status === 401 ? response : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50, what: 'the revoked key to be refused' });
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    expect(refused.body).toEqual(UNAUTHORIZED);
    expect((await postJson(`${first.url}/attendances`, record(), { key })).status).toBe(401);
  });
});
