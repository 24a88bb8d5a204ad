import { describe, expect, it } from 'vitest';
import { ConsumerHealth } from '../../src/entry-points/kafka/consumer-health.ts';

const STALL_MS = 60_000;

function tracker() {
  let now = 1_000_000;
  const health = new ConsumerHealth(STALL_MS, () => now);
  return { health, advance: (ms: number) => (now += ms) };
}

const lag = (entries: [number, number][]) => new Map(entries);

describe('consumer health', () => {
  it('is consuming right after joining, and while batches keep coming with lag', () => {
    const { health, advance } = tracker();
    health.joined([0, 1]);
    health.lagMeasured(lag([[0, 500], [1, 0]]));
    expect(health.assess()).toEqual({ state: 'consuming', stalled: false, lag: 500 });
    for (let i = 0; i < 5; i += 1) {
      advance(30_000);
      health.batchStarted();
      health.batchFinished();
    }
    expect(health.assess().stalled).toBe(false);
  });

  it('is not-fetching and stalled when a member fetches nothing for longer than the stall time while its partitions have lag', () => {
    const { health, advance } = tracker();
    health.joined([0]);
    health.lagMeasured(lag([[0, 0]]));
    advance(STALL_MS);
    health.heartbeat();
    health.lagMeasured(lag([[0, 20]]));
    expect(health.assess().stalled).toBe(false);
    advance(1);
    health.heartbeat();
    expect(health.assess()).toEqual({ state: 'not-fetching', stalled: true, lag: 20 });
    health.batchStarted();
    expect(health.assess()).toEqual({ state: 'consuming', stalled: false, lag: 20 });
  });

  it('stays ready while idle: no lag means nothing to fetch, however long', () => {
    const { health, advance } = tracker();
    health.joined([0]);
    advance(10 * STALL_MS);
    health.heartbeat();
    health.lagMeasured(lag([[0, 0]]));
    expect(health.assess()).toEqual({ state: 'consuming', stalled: false, lag: 0 });
  });

  it('does not count a batch in hand as a stall (a storage outage is the mongodb check’s to report)', () => {
    const { health, advance } = tracker();
    health.joined([0]);
    health.batchStarted();
    health.lagMeasured(lag([[0, 100]]));
    advance(5 * STALL_MS);
    health.heartbeat();
    expect(health.assess().stalled).toBe(false);
  });

  it('only counts the lag of its own partitions while it is a member', () => {
    const { health, advance } = tracker();
    health.joined([1]);
    health.lagMeasured(lag([[0, 900], [1, 0]]));
    advance(2 * STALL_MS);
    health.heartbeat();
    expect(health.assess()).toEqual({ state: 'consuming', stalled: false, lag: 0 });
  });

  it('is not-a-member and stalled after the stall time without a join, heartbeat or batch, counting every partition', () => {
    const { health, advance } = tracker();
    health.joined([1]);
    health.lagMeasured(lag([[0, 900], [1, 0]]));
    advance(STALL_MS + 1);
    expect(health.notMemberForMs()).toBe(STALL_MS + 1);
    expect(health.assess()).toEqual({ state: 'not-a-member', stalled: true, lag: 900 });
    health.joined([0, 1]);
    expect(health.assess()).toEqual({ state: 'consuming', stalled: false, lag: 900 });
  });

  it('is not stalled outside its group when no records wait', () => {
    const { health, advance } = tracker();
    health.lagMeasured(lag([[0, 0]]));
    advance(STALL_MS + 1);
    expect(health.assess()).toEqual({ state: 'not-a-member', stalled: false, lag: 0 });
  });

  it('gives a new kafkajs consumer its own time to join', () => {
    const { health, advance } = tracker();
    health.lagMeasured(lag([[0, 10]]));
    advance(STALL_MS + 1);
    expect(health.assess().stalled).toBe(true);
    health.launched();
    expect(health.assess()).toEqual({ state: 'joining', stalled: false, lag: 10 });
    expect(health.notMemberForMs()).toBe(0);
  });
});
