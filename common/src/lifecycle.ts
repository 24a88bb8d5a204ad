import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { answerClientError } from './http-hardening.ts';
import { createLogger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';

/** What every service's `start()` returns. `stop()` is idempotent: later calls get the first call's promise. */
export interface ServiceHandle {
  /** The HTTP port actually bound (useful with port 0 in tests). */
  readonly port: number;
  stop(): Promise<void>;
}

/** Wraps an async function so it runs once; every call returns the same promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

/** How long a client may take to send its headers, and its whole request. */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Node's defaults are 60 s and 300 s, checked every 30 s: a slow client could hold a socket for minutes. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/**
 * Serves the app with bounded header and request times (checked every
 * second, not Node's 30 s), and answers what Node's parser refuses (bad
 * method, oversized headers, timeouts) with the usual JSON error body.
 */
export function listen(app: Express, port: number, timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: timeouts.headersTimeoutMs,
        requestTimeout: timeouts.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs),
        // The app answers a missing Host itself, with a JSON body (requireHost).
        requireHostHeader: false,
      },
      app,
    );
    server.on('clientError', answerClientError);
    server.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting connections and waits for in-flight requests; idle
 * keep-alive sockets are closed at once, and anything still open after
 * `timeoutMs` is cut so shutdown always finishes.
 */
export function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * The process entry: start the service, stop it on SIGTERM/SIGINT, exit 1 if
 * start-up or shutdown fails. A second signal during shutdown exits at once.
 */
export async function runService(name: string, logger: Logger, start: () => Promise<ServiceHandle>): Promise<void> {
  let handle: ServiceHandle;
  try {
    handle = await start();
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
  logger.info({ port: handle.port }, `${name} started`);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    handle.stop().then(
      () => {
        logger.info(`${name} stopped`);
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, `${name} stopped with an error`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** What a service's `start()` accepts: everything optional, so tests can fix the config, silence the log or stop the clock. */
export interface StartOptions<C> {
  config?: C;
  logger?: Logger;
  /** Fixed clock for tests of day boundaries. */
  now?: () => number;
}

/** The config, logger, clock and metrics registry every `start()` begins with. */
export function serviceBasics<C extends { LOG_LEVEL: string }>(service: string, options: StartOptions<C>, readConfig: () => C): { config: C; logger: Logger; now: () => number; registry: Registry } {
  const config = options.config ?? readConfig();
  return {
    config,
    logger: options.logger ?? createLogger(service, config.LOG_LEVEL),
    now: options.now ?? Date.now,
    registry: createMetricsRegistry(),
  };
}
