import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALIES_COLLECTION, type AnomalyDocument } from '../../src/data-access/anomaly-store.ts';
import { postJson, runAttendanceService } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('anomalies');
let service: Awaited<ReturnType<typeof runAttendanceService>>;
let mongo: MongoConnection;

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  service = await runAttendanceService(ns, { ANOMALY_MAX_STUDENTS_PER_MINUTE: '3', ANOMALY_TEMPERATURE_WINDOW: '5' }, undefined, ['school-1']);
});

afterAll(async () => {
  await service?.handle.stop();
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

describe('when a device posts what no gate can', () => {
  it('accepts every record, and flags the device in anomalies and in attendance_anomalies_total', async () => {
    // Six students in the same second, all at exactly 36.6 °C.
    const timestamp = Date.now();
    const records = Array.from({ length: 6 }, () => ({ type: 'checkin', userId: randomId(), schoolId: 'school-1', timestamp, temperature: 36.6 }));
    const response = await postJson(`${service.url}/attendances/batch`, { records });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(6);

    const flags = await waitFor(
      async () => {
        const found = await mongo.db.collection<AnomalyDocument>(ANOMALIES_COLLECTION).find({}).toArray();
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 10_000, what: 'the anomalies to be stored' },
    );
    expect(flags.map((flag) => flag.kind).sort()).toEqual(['constant-temperature', 'too-many-students']);
    expect(flags.every((flag) => flag.schoolId === 'school-1' && flag.deviceId.startsWith('dev-'))).toBe(true);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/attendance_anomalies_total\{kind="too-many-students"\} 1/);
    expect(metrics).toMatch(/attendance_anomalies_total\{kind="constant-temperature"\} 1/);
    expect(metrics).toMatch(/attendance_anomalies_total\{kind="implausible-temperature"\} 0/);
  });
});
