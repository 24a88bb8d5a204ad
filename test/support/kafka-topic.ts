import { createLogger } from '@attendance/common/config';
import { createKafka } from '@attendance/common/kafka';
import type { KafkaMessage } from 'kafkajs';
import { stack } from './stack.ts';
import { waitFor } from './wait-for.ts';

export interface TopicMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
}

const logger = createLogger('test-kafka', 'error');

function decode(partition: number, message: KafkaMessage): TopicMessage {
  const text = message.value?.toString('utf8') ?? '';
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a poison message stays text
  }
  return { partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value };
}

export interface TopicTap {
  /** Everything on the topic up to its end offsets at the time of the call. */
  messages(): Promise<TopicMessage[]>;
  stop(): Promise<void>;
}

/**
 * A consumer (its own group, from the beginning) that keeps collecting a
 * topic's messages, so each assertion only waits until it has caught up with
 * the partitions' current end offsets instead of joining a group every time.
 */
export async function tapTopic(topic: string): Promise<TopicTap> {
  const kafka = createKafka('test-reader', stack.kafkaBrokers.split(','), logger);
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `tap-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  const collected: TopicMessage[] = [];
  const next = new Map<number, number>();
  await Promise.all([admin.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      collected.push(decode(partition, message));
      next.set(partition, Number(message.offset) + 1);
    },
  });
  return {
    async messages() {
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor(() => ends.every((end) => Number(end.high) <= Number(end.low) || (next.get(end.partition) ?? 0) >= Number(end.high)), {
        what: `the tap to reach the end of ${topic}`,
      });
      return [...collected];
    },
    async stop() {
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}

/** Produces raw messages straight to the topic (for poison messages a client could never send through the API). */
export async function produceRaw(topic: string, messages: { key: string | null; value: string }[]): Promise<void> {
  const kafka = createKafka('test-producer', stack.kafkaBrokers.split(','), logger);
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}
