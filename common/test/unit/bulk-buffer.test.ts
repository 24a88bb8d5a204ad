import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BufferClosedError, BufferFullError, BulkBuffer, type FlushOutcome } from '../../src/bulk-buffer.ts';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function recordingBuffer(overrides: Partial<ConstructorParameters<typeof BulkBuffer<number, string>>[0]> = {}) {
  const batches: number[][] = [];
  const outcomes: FlushOutcome[] = [];
  const buffer = new BulkBuffer<number, string>({
    name: 'test',
    maxItems: 3,
    lingerMs: 5,
    maxInFlight: 1,
    maxQueued: 100,
    flush: async (items) => {
      batches.push(items);
      return items.map((item) => `done:${item}`);
    },
    onFlush: (outcome) => outcomes.push(outcome),
    ...overrides,
  });
  return { buffer, batches, outcomes };
}

describe('BulkBuffer', () => {
  // The buffer's linger and flush scheduling run on fake timers: a test moves time on instead of sleeping.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes as soon as a batch holds maxItems', async () => {
    const { buffer, batches } = recordingBuffer({ lingerMs: 60_000 });
    const results = await Promise.all([1, 2, 3].map((n) => buffer.push(n)));
    expect(results).toEqual(['done:1', 'done:2', 'done:3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flushes a partial batch after lingerMs', async () => {
    const { buffer, batches, outcomes } = recordingBuffer({ lingerMs: 10 });
    const pushed = buffer.push(7);
    await vi.advanceTimersByTimeAsync(9);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pushed).toBe('done:7');
    expect(batches).toEqual([[7]]);
    expect(outcomes).toMatchObject([{ name: 'test', items: 1 }]);
  });

  it("settles each item with its own batch's outcome", async () => {
    let calls = 0;
    const { buffer } = recordingBuffer({
      maxItems: 2,
      flush: async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('broker down');
        return items.map(String);
      },
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => buffer.push(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('broker down'));
    expect((outcomes[3] as PromiseFulfilledResult<string>).value).toBe('4');
  });

  it('rejects every item when flush returns the wrong number of results', async () => {
    const { buffer } = recordingBuffer({ flush: async () => ['only one'] });
    await expect(Promise.all([buffer.push(1), buffer.push(2), buffer.push(3)])).rejects.toThrow(/returned 1 results for 3 items/);
  });

  it('never runs more than maxInFlight flushes, and grows the waiting batch meanwhile', async () => {
    const gates: ReturnType<typeof deferred<void>>[] = [];
    let running = 0;
    let maxRunning = 0;
    const batches: number[][] = [];
    const buffer = new BulkBuffer<number, number>({
      name: 'slow',
      maxItems: 10,
      lingerMs: 0,
      maxInFlight: 1,
      maxQueued: 100,
      flush: async (items) => {
        batches.push(items);
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
        running -= 1;
        return items;
      },
    });
    const first = buffer.push(1);
    await vi.advanceTimersByTimeAsync(5);
    const rest = [2, 3, 4].map((n) => buffer.push(n));
    await vi.advanceTimersByTimeAsync(5);
    expect(buffer.inFlight).toBe(1);
    expect(buffer.queued).toBe(3);
    gates[0]?.resolve();
    await first;
    await vi.advanceTimersByTimeAsync(5);
    gates[1]?.resolve();
    await Promise.all(rest);
    expect(maxRunning).toBe(1);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("with onFull 'reject', refuses items past maxQueued instead of queueing them", async () => {
    const gate = deferred();
    const buffer = new BulkBuffer<number, number>({
      name: 'full',
      maxItems: 2,
      lingerMs: 0,
      maxInFlight: 1,
      maxQueued: 2,
      onFull: 'reject',
      flush: async (items) => {
        await gate.promise;
        return items;
      },
    });
    const inFlight = [buffer.push(1), buffer.push(2)];
    const queued = [buffer.push(3), buffer.push(4)];
    await expect(buffer.push(5)).rejects.toBeInstanceOf(BufferFullError);
    gate.resolve();
    expect(await Promise.all([...inFlight, ...queued])).toEqual([1, 2, 3, 4]);
  });

  it("with onFull 'wait', holds the producer until there is room", async () => {
    const gate = deferred();
    const buffer = new BulkBuffer<number, number>({
      name: 'wait',
      maxItems: 1,
      lingerMs: 0,
      maxInFlight: 1,
      maxQueued: 1,
      flush: async (items) => {
        await gate.promise;
        return items;
      },
    });
    const first = buffer.push(1);
    const second = buffer.push(2);
    let thirdQueued = false;
    const third = buffer.push(3).then((value) => {
      thirdQueued = true;
      return value;
    });
    await vi.advanceTimersByTimeAsync(5);
    expect(buffer.queued).toBe(1);
    expect(thirdQueued).toBe(false);
    gate.resolve();
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 3]);
  });

  it('close() flushes what is buffered, waits for in-flight flushes, and refuses new items', async () => {
    const { buffer, batches } = recordingBuffer({ lingerMs: 60_000 });
    const pending = [buffer.push(1), buffer.push(2)];
    await buffer.close();
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all(pending)).toEqual(['done:1', 'done:2']);
    await expect(buffer.push(3)).rejects.toBeInstanceOf(BufferClosedError);
    await buffer.close();
  });
});
