/** `@attendance/common/config`: the config helpers (zod schemas parsed once, fail fast) and the JSON logger (pino). */
export * from '../config.ts';
export * from '../logger.ts';
