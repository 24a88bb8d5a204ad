/** `@attendance/common/kafka`: the Kafka client and topic creation. Loads kafkajs. */
export * from '../kafka-client.ts';
