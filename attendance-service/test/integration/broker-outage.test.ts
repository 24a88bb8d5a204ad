import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, stopEngine } from '../../../test/support/engine-control.ts';
import { tapTopic } from '../../../test/support/kafka-topic.ts';
import { postJson, runAttendanceService, type RunningService } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('outage');
let service: RunningService;

beforeAll(async () => {
  service = await runAttendanceService(ns);
});

afterAll(async () => {
  await startEngine('kafka');
  await service?.handle.stop();
});

describe('when the Kafka broker is down', () => {
  it('answers 503 with Retry-After (never 202), and accepts the same check-in once the broker is back', async () => {
    const body = { type: 'checkin', userId: randomId(), schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6 };
    await stopEngine('kafka');
    const refused = await postJson(`${service.url}/attendances`, body);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'service-unavailable', message: expect.stringContaining('Kafka') });
    expect(refused.headers.get('retry-after')).toBe('1');
    const batch = await postJson(`${service.url}/attendances/batch`, { records: [{ ...body, userId: randomId() }] });
    expect(batch.status).toBe(503);

    await startEngine('kafka');
    // The producer reconnects by itself; the client's retry succeeds because the claim was undone.
    // Retries answer 503 while the producer reconnects; the first other answer must be the 202
    // (a 409 here would mean the refused attempt left its claim behind).
    const accepted = await waitFor(
      async () => {
        const retry = await postJson(`${service.url}/attendances`, body);
        return retry.status === 503 ? undefined : retry;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the broker to take the retried check-in' },
    );
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('accepted');
    const tap = await tapTopic(ns.topic);
    try {
      const mine = (await tap.messages()).filter((message) => message.key === body.userId);
      expect(mine.map((message) => (message.value as { id: string }).id)).toEqual([accepted.body.id]);
    } finally {
      await tap.stop();
    }
  });
});
