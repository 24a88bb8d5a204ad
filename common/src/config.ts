import { z } from 'zod';

/**
 * Parses the environment once at start-up against a service's zod schema.
 * Fails fast with one line per bad variable, so an operator sees `PORT: ...`
 * instead of a stack trace from deep inside a client library.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** True when `Intl` knows the IANA zone name (e.g. `Europe/Paris`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables every service reads, with the defaults of DESIGN.md. Services pick the ones they use. */
export const env = {
  port: (defaultPort: number) => z.coerce.number().int().min(0).max(65535).default(defaultPort),
  logLevel: z.enum(logLevels).default('info'),
  kafkaBrokers: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port[,host:port]')).min(1)),
  kafkaTopic: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/).default('attendance'),
  /** Partitions of the topic when a service has to create it: the unit of consumer scale-out. */
  kafkaPartitions: z.coerce.number().int().min(1).max(1000).default(6),
  redisUrl: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key this platform writes, so it can share a Redis server and tests can isolate themselves. */
  redisKeyPrefix: z.string().regex(/^[A-Za-z0-9:_-]{1,40}$/).default('att'),
  mongoUrl: z.url({ protocol: /^mongodb(\+srv)?$/ }).default('mongodb://127.0.0.1:27017/attendance'),
  timeZone: z.string().default('UTC').refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris'),
  shutdownTimeoutMs: z.coerce.number().int().positive().default(15_000),
  /** Safety net only: rollover removes past days; this bounds what a missed rollover leaves behind. */
  stateTtlHours: z.coerce.number().int().min(1).max(24 * 30).default(50),
  /** How often device keys and staff tokens are read again from MongoDB: revocation reaches every replica within this plus one read (the issue asks for 5 s). */
  credentialsRefreshMs: z.coerce.number().int().min(100).max(5_000).default(2_000),
  /** How often the `lastSeenAt` of the credentials used meanwhile is written (one batch, never per request). */
  lastSeenFlushMs: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** How long a client may take to send its request headers, then its whole request (Node's defaults: 60 s, 300 s). */
  httpHeadersTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
  httpRequestTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Browser origins allowed to call the API (comma-separated); empty: no CORS headers, browsers refuse cross-origin calls. */
  corsOrigins: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url())),
};

/*
 * Groups of those variables that several services read together, spread into
 * each service's schema (`z.object({ ...httpServiceEnv(8080), ... })`), so a
 * group's names and defaults are written once.
 */

/** Every HTTP service: its port, log level, shutdown bound and HTTP hardening (`lifecycle.ts`, `http-hardening.ts`). */
export const httpServiceEnv = (defaultPort: number) => ({
  PORT: env.port(defaultPort),
  LOG_LEVEL: env.logLevel,
  SHUTDOWN_TIMEOUT_MS: env.shutdownTimeoutMs,
  CORS_ORIGINS: env.corsOrigins,
  HTTP_HEADERS_TIMEOUT_MS: env.httpHeadersTimeoutMs,
  HTTP_REQUEST_TIMEOUT_MS: env.httpRequestTimeoutMs,
});

/** A service that authenticates callers from the credential cache (`credentials/credential-cache.ts`). */
export const credentialsEnv = {
  CREDENTIALS_REFRESH_MS: env.credentialsRefreshMs,
  LAST_SEEN_FLUSH_MS: env.lastSeenFlushMs,
};

/** A service that reads or writes the attendance state in Redis: where it is, and the day its keys carry. */
export const attendanceStateEnv = {
  REDIS_URL: env.redisUrl,
  REDIS_KEY_PREFIX: env.redisKeyPrefix,
  STATE_TTL_HOURS: env.stateTtlHours,
  ATTENDANCE_TIMEZONE: env.timeZone,
};

/** A service that publishes to or reads the attendance topic. */
export const attendanceTopicEnv = {
  KAFKA_BROKERS: env.kafkaBrokers,
  KAFKA_TOPIC: env.kafkaTopic,
};

/**
 * For `main.ts`: a bad variable is an operator's mistake, not a crash. Print
 * one JSON line naming it and exit 1, without a stack trace.
 */
export function configOrExit<C>(read: () => C, service: string): C {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service, msg: err.message })}\n`);
    process.exit(1);
  }
}
