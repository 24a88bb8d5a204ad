import { describe, expect, it } from 'vitest';
import { cachedRead } from '../../src/cached-read.ts';

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
