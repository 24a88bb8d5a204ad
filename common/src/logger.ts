import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** One JSON line per event on stdout, stamped with the service name. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
