import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackgroundRead } from '../../src/entry-points/background-read.ts';

const silent = pino({ level: 'silent' });

/** A read that answers only when the test says so, counting how often it was started. */
function controlledRead() {
  const started: { resolve(value: number): void; reject(err: Error): void }[] = [];
  const read = () => new Promise<number>((resolve, reject) => void started.push({ resolve, reject }));
  return { read, started };
}

/** A background read whose first read has answered `value`, recording the reads started and the failures reported. */
async function sampleHolding(name: string, value: number) {
  const { read, started } = controlledRead();
  const failures: string[] = [];
  const sample = new BackgroundRead(name, read, { intervalMs: 1000, timeoutMs: 5000 }, silent, (failed) => failures.push(failed));
  const first = sample.refresh();
  started[0]?.resolve(value);
  await first;
  return { sample, started, failures };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a background read behind a gauge', () => {
  it('never runs two reads at once: a refresh while one is in flight joins it', async () => {
    const { read, started } = controlledRead();
    const sample = new BackgroundRead('count', read, { intervalMs: 1000, timeoutMs: 5000 }, silent);
    const first = sample.refresh();
    const second = sample.refresh();
    expect(started).toHaveLength(1);
    started[0]?.resolve(42);
    await Promise.all([first, second]);
    expect(sample.latest()).toBe(42);
  });

  it('reports a read that overruns its timeout, keeps the last value, and starts no other read until it has ended', async () => {
    vi.useFakeTimers();
    const { sample, started, failures } = await sampleHolding('scan', 7);

    const slow = sample.refresh();
    await vi.advanceTimersByTimeAsync(5001);
    expect(failures).toEqual(['scan']);
    expect(sample.latest()).toBe(7);
    void sample.refresh();
    expect(started).toHaveLength(2);

    started[1]?.resolve(9);
    await slow;
    void sample.refresh();
    expect(started).toHaveLength(3);
  });

  it('keeps the last value when a read fails', async () => {
    const { sample, started, failures } = await sampleHolding('count', 3);
    const second = sample.refresh();
    started[1]?.reject(new Error('store down'));
    await second;
    expect(sample.latest()).toBe(3);
    expect(failures).toEqual(['count']);
  });

  it('reads on start and again an interval after each read ended, until stopped', async () => {
    vi.useFakeTimers();
    const { read, started } = controlledRead();
    const sample = new BackgroundRead('count', read, { intervalMs: 1000, timeoutMs: 5000 }, silent);
    sample.start();
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(started).toHaveLength(1);
    started[0]?.resolve(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toHaveLength(2);
    started[1]?.resolve(2);
    await sample.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(started).toHaveLength(2);
    expect(sample.latest()).toBe(2);
  });
});
