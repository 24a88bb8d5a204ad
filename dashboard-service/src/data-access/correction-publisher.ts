import { serviceUnavailable } from '@attendance/common';
import type { CorrectionEvent } from '@attendance/common/records';
import type { Producer } from 'kafkajs';

/**
 * Sends a correction to the attendance topic, keyed by the student like
 * their device records (same partition, so the consumer sees them in order),
 * and resolves once the broker acknowledged it (`acks: -1`): the API's 202
 * means durable in Kafka, as for a device record. Corrections are rare, so
 * each is its own send, not a batch.
 */
export class CorrectionPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(event: CorrectionEvent): Promise<void> {
    try {
      await this.producer.send({ topic: this.topic, acks: -1, timeout: 5_000, messages: [{ key: event.userId, value: JSON.stringify(event) }] });
    } catch (err) {
      throw serviceUnavailable('kafka', err);
    }
  }
}
