import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** One JSON line per event on stdout (or `destination`, for tests that read the log), stamped with the service name. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
