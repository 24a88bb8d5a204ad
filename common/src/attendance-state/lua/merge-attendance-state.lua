-- Rebuild: writes a confirmed value read from MongoDB unless the field
-- already holds as much or more, in the order
-- none < pending check-in < checked in < pending check-out < checked out,
-- so it never moves a user's state backwards and never drops a live claim
-- that is ahead of what MongoDB knows.
-- KEYS[1] bucket hash. ARGV: field, confirmed value, ttl seconds.
-- Returns 1 if written, 0 if not.
local function rank(state)
  if not state then return 0 end
  local base = state.checkOut and 3 or 1
  if state.pending then return base end
  return base + 1
end

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if rank(decode(ARGV[2])) <= rank(decode(raw)) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3], 'NX')
return 1
