-- After the record could not be published: undoes this request's pending
-- claim (a check-in disappears, a check-out goes back to the confirmed
-- check-in). Compare-and-set, so it never erases someone else's later change.
-- KEYS[1] bucket hash. ARGV: field, the pending value the claim wrote.
-- Returns 1 if undone, 0 if the field no longer holds that claim.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw ~= ARGV[2] then return 0 end
local state = decode(raw)
if state.checkOut then
  redis.call('HSET', KEYS[1], ARGV[1], int(confirmed({ checkIn = state.checkIn, school = state.school })))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
