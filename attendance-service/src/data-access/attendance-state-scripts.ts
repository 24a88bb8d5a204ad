/**
 * Lua scripts that decide and write a state change in one step on the Redis
 * side, so two concurrent check-ins of one user can never both succeed (the
 * design we rebuild checked, then wrote, and let duplicates through).
 *
 * Value of a user's field (see encodeCheckIn/encodeCheckOut in common):
 * below 1440 = checked in at that minute; 1440 and above = checked in and out.
 */

/**
 * KEYS[1] bucket hash. ARGV: field, 'checkin' | 'checkout', minute, ttl seconds.
 * Returns 0 claimed, 1 already-checked-in, 2 already-checked-out, 3 not-checked-in.
 */
export const claimAttendanceScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == 'checkin' then
  if current then return 1 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
else
  if not current then return 3 end
  local value = tonumber(current)
  if value >= 1440 then return 2 end
  redis.call('HSET', KEYS[1], ARGV[1], value + 1440 * (tonumber(ARGV[3]) + 1))
end
redis.call('EXPIRE', KEYS[1], ARGV[4], 'NX')
return 0
`;

/**
 * Undoes a claim only if the field still holds what that claim wrote, so a
 * release can never erase someone else's later state change.
 * KEYS[1] bucket hash. ARGV: field, 'checkin' | 'checkout', minute.
 * Returns 1 if undone, 0 if the state had moved on.
 */
export const releaseAttendanceScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local value = tonumber(current)
local minute = tonumber(ARGV[3])
if ARGV[2] == 'checkin' then
  if value ~= minute then return 0 end
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
if value < 1440 or math.floor(value / 1440) - 1 ~= minute then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], value % 1440)
return 1
`;
