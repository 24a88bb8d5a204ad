import { createLogger } from '@attendance/common/config';
import { createKafka } from '@attendance/common/kafka';

export interface LagSample {
  /** Seconds since sampling started. */
  atSeconds: number;
  /** Messages on the topic the consumer group has not committed yet (sum over partitions); undefined when the broker did not answer. */
  lag?: number;
  /** Which part of the run the sample fell in (`morning`, `afternoon`, `drain`). */
  phase: string;
}

export interface LagSampler {
  /** Partitions of the topic (broker metadata). */
  partitions: number;
  /** Names the phase the following samples belong to. */
  phase(name: string): void;
  /** Stops sampling and returns the samples, one more taken at the stop. */
  stop(): Promise<LagSample[]>;
}

/** Every 10 s: often enough to see a trend over a 5-minute wave, rare enough to cost the broker nothing. */
export const LAG_SAMPLE_INTERVAL_MS = 10_000;

/**
 * Samples the consumer group's lag from the broker (the topic's end offsets
 * minus the group's committed offsets), not from the consumer's own metrics:
 * it stays truthful when the consumer is stuck or dead.
 */
export async function startLagSampler(options: { brokers: string[]; topic: string; groupId: string; intervalMs?: number }): Promise<LagSampler> {
  const admin = createKafka('benchmark-lag', options.brokers, createLogger('benchmark', 'error')).admin();
  await admin.connect();
  const { topics } = await admin.fetchTopicMetadata({ topics: [options.topic] });
  const partitions = topics[0]?.partitions.length ?? 0;
  const startedAt = Date.now();
  const samples: LagSample[] = [];
  let phase = 'start';

  async function sample(): Promise<void> {
    const atSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
    try {
      // Committed offsets first, end offsets after: ends only grow, so the lag is never negative.
      const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [options.topic] });
      const ends = await admin.fetchTopicOffsets(options.topic);
      const done = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
      let lag = 0;
      for (const { partition, high, low } of ends) {
        // -1: nothing committed yet, so everything still on the partition is behind.
        const at = done.get(partition) ?? -1;
        lag += Number(high) - (at < 0 ? Number(low) : at);
      }
      samples.push({ atSeconds, lag, phase });
    } catch {
      samples.push({ atSeconds, phase });
    }
  }

  let busy = true;
  let inFlight: Promise<void> = sample().finally(() => (busy = false));
  const timer = setInterval(() => {
    // One request at a time: a slow broker skips a tick instead of queueing them.
    if (busy) return;
    busy = true;
    inFlight = sample().finally(() => (busy = false));
  }, options.intervalMs ?? LAG_SAMPLE_INTERVAL_MS);
  return {
    partitions,
    phase: (name) => void (phase = name),
    stop: async () => {
      clearInterval(timer);
      await inFlight;
      await sample();
      await admin.disconnect();
      return samples;
    },
  };
}
