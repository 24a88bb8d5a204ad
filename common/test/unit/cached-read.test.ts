import { describe, expect, it } from 'vitest';
import { cachedRead, staleWhileReading } from '../../src/cached-read.ts';

function counter(results: Array<() => Promise<string>>) {
  let reads = 0;
  return { read: () => results[Math.min(reads++, results.length - 1)]!(), reads: () => reads };
}

describe('cachedRead', () => {
  it('reads once per ttl and shares that read between concurrent callers', async () => {
    let now = 0;
    const source = counter([async () => 'a', async () => 'b']);
    const cached = cachedRead(source.read, 1_000, () => now);
    expect(await Promise.all([cached(), cached(), cached()])).toEqual(['a', 'a', 'a']);
    now = 1_000;
    expect(await cached()).toBe('a');
    now = 1_001;
    expect(await cached()).toBe('b');
    expect(source.reads()).toBe(2);
  });

  it('forgets a failed read, so the next call reads again', async () => {
    const source = counter([() => Promise.reject(new Error('store down')), async () => 'back']);
    const cached = cachedRead(source.read, 60_000, () => 0);
    await expect(cached()).rejects.toThrow('store down');
    expect(await cached()).toBe('back');
    expect(source.reads()).toBe(2);
  });
});

/** A read whose answers the test settles one by one, counting reads per key. */
function gatedRead() {
  const pending: { key: string; settle: (value: string | Error) => void }[] = [];
  const reads = new Map<string, number>();
  const read = (key: string) => {
    reads.set(key, (reads.get(key) ?? 0) + 1);
    return new Promise<string>((resolve, reject) => pending.push({ key, settle: (value) => (value instanceof Error ? reject(value) : resolve(value)) }));
  };
  const settle = async (value: string | Error) => {
    pending.shift()?.settle(value);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { read, settle, reads: (key: string) => reads.get(key) ?? 0, pending: () => pending.length };
}

describe('staleWhileReading', () => {
  it('makes only the first callers of a key wait, then serves the last answer while one read replaces it', async () => {
    let now = 0;
    const source = gatedRead();
    const cached = staleWhileReading(source.read, { ttlMs: 1_000, now: () => now });
    const first = Promise.all([cached('a'), cached('a')]);
    await source.settle('a1');
    expect(await first).toEqual(['a1', 'a1']);
    now = 1_001;
    // Past its age: answered at once with the last answer, one read in the background however many callers.
    expect(await Promise.all([cached('a'), cached('a')])).toEqual(['a1', 'a1']);
    expect(source.reads('a')).toBe(2);
    await source.settle('a2');
    expect(await cached('a')).toBe('a2');
    expect(source.reads('a')).toBe(2);
  });

  it('keeps the last answer when a read fails and reads again at the next call; a first read that fails is forgotten', async () => {
    let now = 0;
    const source = gatedRead();
    const cached = staleWhileReading(source.read, { ttlMs: 1_000, now: () => now });
    const never = cached('b');
    await source.settle(new Error('store down'));
    await expect(never).rejects.toThrow('store down');
    const second = cached('b');
    await source.settle('b1');
    expect(await second).toBe('b1');
    now = 2_000;
    expect(await cached('b')).toBe('b1');
    await source.settle(new Error('store down'));
    expect(await cached('b')).toBe('b1');
    expect(source.reads('b')).toBe(4);
  });

  it('keeps at most maxKeys keys, dropping the one answered longest ago', async () => {
    const source = gatedRead();
    const cached = staleWhileReading(source.read, { ttlMs: 60_000, maxKeys: 2, now: () => 0 });
    for (const key of ['x', 'y', 'z']) {
      const answer = cached(key);
      await source.settle(key);
      await answer;
    }
    void cached('x');
    expect(source.pending()).toBe(1);
    expect(source.reads('x')).toBe(2);
    await source.settle('x');
    expect(await cached('z')).toBe('z');
    expect(source.reads('z')).toBe(1);
  });
});
