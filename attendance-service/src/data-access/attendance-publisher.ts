import { BulkBuffer, type FlushOutcome } from '@attendance/common';
import type { AttendanceEvent } from '@attendance/common/records';
import type { Producer } from 'kafkajs';
import type { AttendancePublisher } from '../domain/record-attendance.ts';

export interface PublisherOptions {
  topic: string;
  maxBatch: number;
  lingerMs: number;
  maxInFlight: number;
  maxQueued: number;
  onFlush?: (outcome: FlushOutcome) => void;
}

/**
 * Sends accepted records to Kafka in batches. A record's promise resolves only
 * when the broker has acknowledged its batch with acks = all, which is what
 * lets the API answer 202. Key = userId, so one user's records stay in order
 * on one partition.
 */
export class KafkaAttendancePublisher implements AttendancePublisher {
  readonly buffer: BulkBuffer<AttendanceEvent, void>;

  constructor(
    private readonly producer: Producer,
    private readonly options: PublisherOptions,
  ) {
    this.buffer = new BulkBuffer<AttendanceEvent, void>({
      name: 'kafka-send',
      maxItems: options.maxBatch,
      lingerMs: options.lingerMs,
      maxInFlight: options.maxInFlight,
      maxQueued: options.maxQueued,
      onFull: 'reject',
      flush: (events) => this.send(events),
      onFlush: options.onFlush,
    });
  }

  publish(event: AttendanceEvent): Promise<void> {
    return this.buffer.push(event);
  }

  close(): Promise<void> {
    return this.buffer.close();
  }

  private async send(events: AttendanceEvent[]): Promise<void[]> {
    await this.producer.send({
      topic: this.options.topic,
      acks: -1,
      timeout: 5_000,
      messages: events.map((event) => ({ key: event.userId, value: JSON.stringify(event) })),
    });
    return events.map(() => undefined);
  }
}
