import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from './errors.ts';
import { healthRouter, type ReadinessCheck } from './health.ts';
import { corsFor, refuseOversizedBody, requestId, requireHost } from './http-hardening.ts';
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
  /** Browser origins allowed by CORS (`CORS_ORIGINS`); none: CORS stays closed. */
  corsOrigins?: string[];
  /** The largest body any route takes: a larger announced `Content-Length` is refused at once with 413. */
  maxBodyBytes?: number;
  /** The service's OpenAPI document (openapi.ts): served, unauthenticated, at `GET /openapi.json`. */
  openapi?: Record<string, unknown>;
}

/** Services without request bodies (dashboard, tasks) still get a bound. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * The Express app every service serves: request id, security headers
 * (helmet), CORS only for configured origins, the Host and body-size checks,
 * metrics, health, its OpenAPI document, its own routes, then 404 and the one error handler.
 */
export function createServiceApp(parts: ServiceAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use(helmet());
  app.use(corsFor(parts.corsOrigins ?? []));
  app.use(httpMetricsMiddleware(parts.registry, parts.prefix));
  app.use(requireHost);
  app.use(refuseOversizedBody(parts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  app.use(healthRouter(parts.readiness, parts.isStopping, parts.describe));
  app.use(metricsRouter(parts.registry));
  const { openapi } = parts;
  if (openapi) app.get('/openapi.json', (_req, res) => void res.json(openapi));
  if (parts.routes) app.use(parts.routes);
  app.use(notFoundHandler);
  app.use(errorHandler(parts.logger));
  return app;
}
