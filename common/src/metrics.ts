import type { RequestHandler, Router } from 'express';
import express from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FlushOutcome } from './bulk-buffer.ts';

/**
 * A registry per service (not the global one), so tests can start several
 * services in one process without "metric already registered" clashes.
 * Default process metrics keep their standard names (`process_cpu_seconds_total`)
 * and are told apart by the scrape job; our own metrics carry the service prefix.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Counts requests by method, route template and status, and times them.
 * The route label is the matched template (`/schools/:id`), never the raw path,
 * so label values stay bounded whatever clients send.
 */
export function httpMetricsMiddleware(registry: Registry, prefix: string): RequestHandler {
  const requests = new Counter({
    name: `${prefix}_http_requests_total`,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}_http_request_duration_seconds`,
    help: 'HTTP request duration by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
    });
    next();
  };
}

export function metricsRouter(registry: Registry): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  });
  return router;
}

/**
 * Batch sizes, flush times and buffer occupancy of {@link BulkBuffer}s, labelled
 * by buffer name (a handful of fixed names per service).
 */
export function bulkBufferMetrics(registry: Registry, prefix: string) {
  const size = new Histogram({
    name: `${prefix}_bulk_flush_size`,
    help: 'Items per bulk flush (Redis pipeline, Kafka batch, MongoDB bulk write)',
    labelNames: ['buffer'] as const,
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}_bulk_flush_duration_seconds`,
    help: 'Time one bulk flush took, by buffer and outcome',
    labelNames: ['buffer', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const sources = new Map<string, { inFlight: number; queued: number }>();
  new Gauge({
    name: `${prefix}_bulk_in_flight`,
    help: 'Bulk flushes running now',
    labelNames: ['buffer'] as const,
    registers: [registry],
    collect() {
      for (const [buffer, source] of sources) this.set({ buffer }, source.inFlight);
    },
  });
  new Gauge({
    name: `${prefix}_bulk_queued`,
    help: 'Items waiting in a bulk buffer for their flush',
    labelNames: ['buffer'] as const,
    registers: [registry],
    collect() {
      for (const [buffer, source] of sources) this.set({ buffer }, source.queued);
    },
  });
  return {
    /** Pass as `onFlush` of a buffer. */
    onFlush: (outcome: FlushOutcome): void => {
      size.observe({ buffer: outcome.name }, outcome.items);
      duration.observe({ buffer: outcome.name, outcome: outcome.error === undefined ? 'ok' : 'error' }, outcome.seconds);
    },
    /** Reports the buffer's occupancy at every scrape. */
    watch: (name: string, source: { inFlight: number; queued: number }): void => {
      sources.set(name, source);
    },
  };
}
