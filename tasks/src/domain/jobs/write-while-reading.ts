/**
 * Reads pages and writes each one while the next is read: at most
 * `maxInFlight` writes wait at once (backpressure on the reader), and the
 * first failed write stops the reading and is thrown once the others settle.
 */
export async function writeWhileReading<T>(
  forEachPage: (onPage: (page: T[]) => Promise<void>) => Promise<void>,
  write: (page: T[]) => Promise<void>,
  maxInFlight: number,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;
  try {
    await forEachPage(async (page) => {
      if (failure !== undefined) throw failure;
      const writing: Promise<void> = write(page).then(
        () => void inFlight.delete(writing),
        (err: unknown) => {
          failure ??= err instanceof Error ? err : new Error(String(err));
          inFlight.delete(writing);
        },
      );
      inFlight.add(writing);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    });
  } finally {
    await Promise.all(inFlight);
  }
  if (failure !== undefined) throw failure;
}
