import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go through the service's JSON logger. */
export function createKafka(clientId: string, brokers: string[], logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
        kafkaLogger[levelNames[level] ?? 'info'](extra, message);
      },
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2_000 },
  });
}

/**
 * Creates the topic when missing. Producer and consumer services both call it
 * at start-up, so whichever starts first creates it; a concurrent creator
 * ("already exists") is fine.
 */
export async function ensureTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: -1 }], waitForLeaders: true });
  } catch (err) {
    const alreadyThere = (err as { errors?: { type?: string }[] }).errors?.some((error) => error.type === 'TOPIC_ALREADY_EXISTS');
    if (!alreadyThere) throw err;
  }
}
