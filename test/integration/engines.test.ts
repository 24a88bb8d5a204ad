import { createLogger } from '@attendance/common/config';
import { createKafka, ensureTopic } from '@attendance/common/kafka';
import { connectMongo } from '@attendance/common/mongo';
import { connectRedis } from '@attendance/common/redis';
import { Partitioners } from 'kafkajs';
import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { stack, testNamespace } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

const logger = createLogger('engines-test', 'warn');

describe('the local stack runs real engines', () => {
  it('Kafka: kafkajs produces, a consumer group consumes, and its committed offset is on the broker', async () => {
    const ns = testNamespace('engines');
    const kafka = createKafka('engines-test', stack.kafkaBrokers.split(','), logger);
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: ns.groupId });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    try {
      await ensureTopic(admin, ns.topic, 3);
      await producer.send({ topic: ns.topic, acks: -1, messages: [1, 2, 3].map((n) => ({ key: `k${n}`, value: `v${n}` })) });
      const seen: string[] = [];
      await consumer.subscribe({ topic: ns.topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
      await waitFor(() => seen.length === 3, { what: 'three messages consumed' });
      expect(seen.sort()).toEqual(['v1', 'v2', 'v3']);
      const committed = await waitFor(
        async () => {
          const [offsets] = await admin.fetchOffsets({ groupId: ns.groupId, topics: [ns.topic] });
          const total = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
          return total === 3 ? total : undefined;
        },
        { what: 'offsets committed for all three messages' },
      );
      expect(committed).toBe(3);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [ns.topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('Redis: ioredis runs a Lua script and a pipeline', async () => {
    const ns = testNamespace('engines');
    const redis = await connectRedis(stack.redisUrl);
    try {
      const key = `${ns.redisPrefix}:counter`;
      const script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
      expect(await redis.eval(script, 1, key, 5)).toBe(5);
      const replies = await redis.pipeline().incr(key).hset(`${ns.redisPrefix}:h`, 'f', '1').hget(`${ns.redisPrefix}:h`, 'f').exec();
      expect(replies?.map(([error, value]) => [error, value])).toEqual([
        [null, 6],
        [null, 1],
        [null, '1'],
      ]);
      await redis.del(key, `${ns.redisPrefix}:h`);
    } finally {
      await redis.quit();
    }
  });

  it('MongoDB wire (FerretDB): the driver inserts, finds, and gets a duplicate-key error from a unique index', async () => {
    const ns = testNamespace('engines');
    const { client, db } = await connectMongo(ns.mongoUrl);
    try {
      const collection = db.collection<{ _id: string; email: string }>('people');
      await collection.createIndex({ email: 1 }, { unique: true });
      await collection.insertOne({ _id: 'a', email: 'a@example.org' });
      expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', email: 'a@example.org' });
      const duplicate = await collection.insertOne({ _id: 'b', email: 'a@example.org' }).catch((err: unknown) => err);
      expect(duplicate).toBeInstanceOf(MongoServerError);
      expect((duplicate as MongoServerError).code).toBe(11000);
      expect(await collection.countDocuments()).toBe(1);
    } finally {
      await db.dropDatabase();
      await client.close();
    }
  });
});
