import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from './errors.ts';
import { healthRouter, type ReadinessCheck } from './health.ts';
import { httpMetricsMiddleware, metricsRouter } from './metrics.ts';

export interface ServiceAppParts {
  /** Metric prefix: `attendance`, `dashboard`, `tasks`. */
  prefix: string;
  logger: Logger;
  registry: Registry;
  readiness: Record<string, ReadinessCheck>;
  isStopping: () => boolean;
  describe?: () => Record<string, unknown>;
  routes?: Router;
}

/** The Express app every service serves: metrics, health, its own routes, then 404 and the one error handler. */
export function createServiceApp(parts: ServiceAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(httpMetricsMiddleware(parts.registry, parts.prefix));
  app.use(healthRouter(parts.readiness, parts.isStopping, parts.describe));
  app.use(metricsRouter(parts.registry));
  if (parts.routes) app.use(parts.routes);
  app.use(notFoundHandler);
  app.use(errorHandler(parts.logger));
  return app;
}
