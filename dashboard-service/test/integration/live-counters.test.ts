import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionStaffToken } from '../../../test/support/credentials.ts';
import { postJson, runAttendanceService, runDashboardService, type RunningService, stopServices } from '../../../test/support/services.ts';
import { openEventStream, type StreamEvent } from '../../../test/support/sse.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';

const ns = testNamespace('live');
let attendance: RunningService;
let dashboard: RunningService & { adminToken: string };
let mongo: MongoConnection;
let officeToken: string;

const counters = (event: StreamEvent): boolean => event.event === 'counters';
const bodyOf = (event: StreamEvent) => JSON.parse(event.data ?? '{}') as { schoolId?: string; checkIns: number; rosterSize?: number };

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection('students').insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: `live-${i}`, schoolId: 'live', name: `Live ${i}`, createdAt: new Date() })) as never[]);
  attendance = await runAttendanceService(ns, {}, undefined, ['live', 'other']);
  officeToken = (await provisionStaffToken(ns, 'school', 'live')).token;
  // Fast fetches and figure reads: what the 2 s bound measures is the stream, not the test's patience.
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200', CONSUMER_FETCH_MIN_BYTES: '1', CONSUMER_FETCH_MAX_WAIT_MS: '100', STREAM_HEARTBEAT_MS: '300' });
});

afterAll(async () => {
  await stopServices({ dashboard, attendance, mongo });
});

describe('live counters (Server-Sent Events)', () => {
  it('sends the counters on connect and an update within 2 s of a check-in, then resumes with Last-Event-ID', async () => {
    const stream = await openEventStream(`${dashboard.url}/schools/live/stream?access_token=${officeToken}`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await stream.next(counters, 5_000);
    expect(bodyOf(first)).toMatchObject({ schoolId: 'live', checkIns: 0, rosterSize: 5, absent: 5, lates: 0, excused: 0 });

    const sent = await postJson(`${attendance.url}/attendances`, { type: 'checkin', userId: 'live-0', schoolId: 'live', timestamp: Date.now(), temperature: 36.6 });
    expect(sent.status).toBe(202);
    const update = await stream.next((event) => counters(event) && bodyOf(event).checkIns === 1, 2_000);
    expect(Number(update.id)).toBeGreaterThan(Number(first.id));
    // Only from what the consumer stored: the record is in MongoDB by the time its event is out.
    expect(await mongo.db.collection('attendances').countDocuments({ userId: 'live-0' })).toBe(1);
    await stream.next((event) => event.comment === 'heartbeat', 2_000);
    stream.close();

    // A client that saw the latest event gets heartbeats only; one that missed it gets the counters at once.
    const upToDate = await openEventStream(`${dashboard.url}/schools/live/stream`, { authorization: `Bearer ${officeToken}`, 'last-event-id': update.id ?? '' });
    await upToDate.next((event) => event.comment === 'heartbeat', 2_000);
    await expect(upToDate.next(counters, 500)).rejects.toThrow('no matching event');
    upToDate.close();
    const behind = await openEventStream(`${dashboard.url}/schools/live/stream`, { authorization: `Bearer ${officeToken}`, 'last-event-id': first.id ?? '' });
    expect(bodyOf(await behind.next(counters, 2_000))).toMatchObject({ checkIns: 1 });
    behind.close();
  });

  it('streams the all-schools counters to admins only, and refuses tokens of other schools', async () => {
    const stats = await openEventStream(`${dashboard.url}/stats/stream?access_token=${dashboard.adminToken}`);
    const first = bodyOf(await stats.next(counters, 5_000));
    expect(Object.keys(first).sort()).toEqual(['checkIns', 'checkOuts', 'day', 'excused', 'fevers', 'lates', 'presentNow']);
    const userId = randomId();
    expect((await postJson(`${attendance.url}/attendances`, { type: 'checkin', userId, schoolId: 'other', timestamp: Date.now(), temperature: 36.6 })).status).toBe(202);
    // The all-schools stream follows the check-in like a school's does.
    await stats.next((event) => counters(event) && bodyOf(event).checkIns === first.checkIns + 1, 5_000);
    stats.close();
    expect((await openEventStream(`${dashboard.url}/stats/stream?access_token=${officeToken}`)).status).toBe(403);
    expect((await openEventStream(`${dashboard.url}/schools/other/stream?access_token=${officeToken}`)).status).toBe(403);
    expect((await openEventStream(`${dashboard.url}/schools/live/stream`)).status).toBe(401);
    expect((await openEventStream(`${dashboard.url}/schools/live/stream?access_token=st_nope`)).status).toBe(401);
  });
});
