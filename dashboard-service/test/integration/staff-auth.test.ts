import { revokeStaffToken } from '@attendance/common/credentials';
import { connectMongo, type MongoConnection, SCHOOLS_COLLECTION } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionStaffToken } from '../../../test/support/credentials.ts';
import { getJson, runDashboardService } from '../../../test/support/services.ts';
import { testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('staffauth');
let dashboard: Awaited<ReturnType<typeof runDashboardService>>;
let mongo: MongoConnection;
let northToken: string;
const UNAUTHORIZED = { error: 'unauthorized', message: expect.any(String) };

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection(SCHOOLS_COLLECTION).insertMany([
    { _id: 'north', name: 'North', createdAt: new Date() },
    { _id: 'south', name: 'South', createdAt: new Date() },
  ] as never[]);
  northToken = (await provisionStaffToken(ns, 'school', 'north')).token;
  dashboard = await runDashboardService(ns, { CONSUMER_ENABLED: 'false' });
});

afterAll(async () => {
  await dashboard?.handle.stop();
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

describe('staff tokens on the dashboard API', () => {
  it.each([
    ['missing', null],
    ['malformed', 'not-a-token'],
    ['unknown', `st_${'B'.repeat(43)}`],
    ['a device key', `dk_${'C'.repeat(43)}`],
  ])('answers 401 unauthorized with the same body when the token is %s', async (_case, token) => {
    const response = await getJson(`${dashboard.url}/schools/north`, token);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(UNAUTHORIZED);
  });

  it("lets a school token read its own school, and answers 403 wrong-school for another school's data", async () => {
    expect((await getJson(`${dashboard.url}/schools/north`, northToken)).status).toBe(200);
    expect((await getJson(`${dashboard.url}/schools/north/attendances?status=absent`, northToken)).status).toBe(200);
    for (const path of ['/schools/south', '/schools/south/reports', '/schools/south/attendances?status=absent']) {
      const response = await getJson(`${dashboard.url}${path}`, northToken);
      expect(response.status, path).toBe(403);
      expect(response.body).toEqual({ error: 'wrong-school', message: expect.any(String) });
    }
  });

  it('answers 403 forbidden-role to a school token on /stats/today, and lists only its own school', async () => {
    const stats = await getJson(`${dashboard.url}/stats/today`, northToken);
    expect(stats.status).toBe(403);
    expect(stats.body).toEqual({ error: 'forbidden-role', message: expect.any(String) });
    const list = await getJson(`${dashboard.url}/schools`, northToken);
    expect(list.status).toBe(200);
    expect((list.body.items as { schoolId: string }[]).map((item) => item.schoolId)).toEqual(['north']);
    expect(list.body.total).toBe(1);
  });

  it('lets an admin token read everything', async () => {
    expect((await getJson(`${dashboard.url}/stats/today`, dashboard.adminToken)).status).toBe(200);
    expect((await getJson(`${dashboard.url}/schools/south`, dashboard.adminToken)).status).toBe(200);
    expect((await getJson(`${dashboard.url}/schools`, dashboard.adminToken)).body.total).toBe(2);
  });

  it('keeps /healthz, /readyz and /metrics open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${dashboard.url}${path}`)).status, path).toBe(200);
  });

  it('refuses a revoked token within 5 s', async () => {
    const { id, token } = await provisionStaffToken(ns, 'school', 'south');
    await waitFor(async () => (await getJson(`${dashboard.url}/schools/south`, token)).status === 200, { timeoutMs: 10_000, what: 'the new token to be known' });
    const revokedAt = Date.now();
    expect(await revokeStaffToken(mongo.db, id)).toBe(true);
    await waitFor(async () => (await getJson(`${dashboard.url}/schools/south`, token)).status === 401, { timeoutMs: 10_000, intervalMs: 50, what: 'the revoked token to be refused' });
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
  });
});
