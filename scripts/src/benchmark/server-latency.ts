/**
 * The check-in path's latency as attendance-service measured it: the
 * difference of its `attendance_http_request_duration_seconds` histogram for
 * `POST /attendances` over a wave, read from its `/metrics` before and after.
 * Beside the latency the load generator sees, it tells the platform's share
 * from the generator's own (on one machine the two share the cores: a pause
 * of the generator's event loop is added to every answer it was waiting
 * for). It starts when Express hands the request to the app, so time spent
 * in the socket before that is not in it. Behind a load balancer it is the
 * one replica `/metrics` answered from.
 */

const METRIC = 'attendance_http_request_duration_seconds_bucket';

/** Cumulative counts by upper bound in seconds (`+Inf` as Infinity), ascending. */
export type Histogram = [le: number, count: number][];

export interface ServerLatency {
  requests: number;
  /** Interpolated within the bucket, as Prometheus' `histogram_quantile`. */
  p50Ms: number;
  p99Ms: number;
  /** Exact: the share answered within 100 ms (absent if 100 ms is not one of the histogram's bounds). */
  within100Ms?: number;
}

/** The `POST /attendances` buckets in a Prometheus text exposition. */
export function parseCheckInHistogram(text: string): Histogram {
  const buckets: Histogram = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${METRIC}{`) || !line.includes('route="/attendances"') || !line.includes('method="POST"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(count)) continue;
    buckets.push([le === '+Inf' ? Infinity : Number(le), count]);
  }
  return buckets.sort((a, b) => a[0] - b[0]);
}

function quantile(q: number, buckets: Histogram): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      // Past the last finite bound there is nothing to interpolate towards: answer that bound.
      if (le === Infinity) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(count - lowerCount, 1);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** What happened between two readings of the histogram (undefined when either is missing or it saw no request). */
export function latencyBetween(before: Histogram | undefined, after: Histogram | undefined): ServerLatency | undefined {
  if (!before || !after || after.length === 0) return undefined;
  const earlier = new Map(before);
  const delta: Histogram = after.map(([le, count]) => [le, count - (earlier.get(le) ?? 0)]);
  const requests = delta.at(-1)?.[1] ?? 0;
  if (requests <= 0) return undefined;
  const within100 = delta.find(([le]) => le === 0.1)?.[1];
  const round = (seconds: number): number => Math.round(seconds * 10_000) / 10;
  return { requests, p50Ms: round(quantile(0.5, delta)), p99Ms: round(quantile(0.99, delta)), ...(within100 === undefined ? {} : { within100Ms: within100 / requests }) };
}

/** attendance-service's histogram now; undefined when `/metrics` does not answer (the wave goes on without it). */
export async function readCheckInHistogram(baseUrl: string): Promise<Histogram | undefined> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? parseCheckInHistogram(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}
