import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceConsidersRecorded, sendAsDevice, type DeviceAnswer } from '../../../scripts/src/shared/device-client.ts';
import { provisionDevices } from '../../../test/support/credentials.ts';
import { tapTopic, type TopicTap } from '../../../test/support/kafka-topic.ts';
import { spawnService, type ServiceProcess } from '../../../test/support/processes.ts';
import { UNLIMITED_RATE } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

/**
 * The contract from the device's side (issue 10): attendance-service is
 * killed with SIGKILL in the middle of a check-in wave and started again;
 * devices retry as devices do. Every record a device ends up considering
 * recorded (202, or 409 already-checked-*) must be in Kafka, and the killed
 * process's claims must not block anyone: the afternoon's check-outs all pass.
 */
const ns = testNamespace('crash');
const env = { ...UNLIMITED_RATE, KAFKA_TOPIC: ns.topic, REDIS_KEY_PREFIX: ns.redisPrefix, MONGO_URL: ns.mongoUrl, KAFKA_PARTITIONS: '3', PUBLISH_TIMEOUT_MS: '2000' };
const STUDENTS = 400;
const DEVICES_AT_ONCE = 40;
let service: ServiceProcess;
let tap: TopicTap;
let deviceKey: string;

beforeAll(async () => {
  deviceKey = (await provisionDevices(ns, ['school-1'])).get('school-1') as string;
  service = await spawnService('attendance-service', env);
  tap = await tapTopic(ns.topic);
});

afterAll(async () => {
  service?.child.kill('SIGTERM');
  await service?.exited;
  await tap?.stop();
});

/** Every student's record sent by a device, DEVICES_AT_ONCE at a time. */
async function wave(type: 'checkin' | 'checkout', userIds: string[], onAccepted: () => void): Promise<Map<string, DeviceAnswer>> {
  const answers = new Map<string, DeviceAnswer>();
  const queue = [...userIds];
  await Promise.all(
    Array.from({ length: DEVICES_AT_ONCE }, async () => {
      for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
        const body = { type, userId, schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6 };
        const answer = await sendAsDevice('/attendances', body, { baseUrl: () => service.url, key: deviceKey, timeoutMs: 5_000, maxBackoffMs: 1_000, giveUpAfterMs: 50_000 });
        if (answer.status === 202) onAccepted();
        answers.set(userId, answer);
      }
    }),
  );
  return answers;
}

async function typesOnTopic(): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>();
  for (const message of await tap.messages()) {
    const { userId, type } = message.value as { userId: string; type: string };
    byUser.set(userId, [...(byUser.get(userId) ?? []), type]);
  }
  return byUser;
}

describe('when attendance-service is killed with SIGKILL during a check-in wave', () => {
  it('loses no record a device considers recorded, and leaves no claim that blocks the check-outs', async () => {
    const students = Array.from({ length: STUDENTS }, () => randomId());
    let accepted = 0;
    const checkIns = wave('checkin', students, () => (accepted += 1));
    await waitFor(() => accepted >= STUDENTS / 4, { timeoutMs: 30_000, what: 'a quarter of the check-ins to be accepted' });
    service.child.kill('SIGKILL');
    await service.exited;
    service = await spawnService('attendance-service', env);
    const morning = await checkIns;

    const answers = [...morning.values()];
    expect(answers.filter((answer) => answer.code === 'gave-up')).toEqual([]);
    expect(answers.some((answer) => answer.attempts > 1)).toBe(true);
    const recorded = students.filter((userId) => deviceConsidersRecorded(morning.get(userId) as DeviceAnswer));
    expect(recorded).toHaveLength(STUDENTS);
    const onTopic = await typesOnTopic();
    expect(recorded.filter((userId) => !onTopic.get(userId)?.includes('checkin'))).toEqual([]);

    const afternoon = await wave('checkout', students, () => undefined);
    expect([...afternoon.values()].filter((answer) => answer.status !== 202)).toEqual([]);
    const after = await typesOnTopic();
    expect(students.filter((userId) => !after.get(userId)?.includes('checkout'))).toEqual([]);
  });
});
