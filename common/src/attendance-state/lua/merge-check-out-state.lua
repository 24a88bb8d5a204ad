-- Rebuild's second pass: adds a stored check-out onto the check-in the field
-- holds (written by the first pass or by a live claim), confirmed, since
-- MongoDB holds it. A confirmed check-out is left alone; a pending one is the
-- same record still being published, so it is confirmed here.
-- KEYS[1] bucket hash. ARGV: field, check-out minute, the confirmed value to
-- write when the field is empty (the check-out's minute standing in for the
-- check-in's), ttl seconds.
-- Returns 1 if written, 0 if not.
local state = decode(redis.call('HGET', KEYS[1], ARGV[1]))
local value
if not state then
  value = ARGV[3]
elseif state.checkOut and not state.pending then
  return 0
else
  value = int(OUT_BASE + state.checkIn + MINUTES * tonumber(ARGV[2]))
end
redis.call('HSET', KEYS[1], ARGV[1], value)
redis.call('EXPIRE', KEYS[1], ARGV[4], 'NX')
return 1
