/**
 * `@attendance/common/redis`: the Redis client and the attendance state in
 * Redis (key builder, value encoding, Lua scripts). Loads ioredis.
 */
export * from '../attendance-state/state-keys.ts';
export * from '../attendance-state/state-scripts.ts';
export * from '../attendance-state/state-value.ts';
export * from '../redis-client.ts';
