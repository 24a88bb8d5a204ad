-- After Kafka acknowledged the record: turns this request's pending claim
-- into its compact confirmed value. Compare-and-set, so a claim taken over
-- (or rebuilt, or removed) meanwhile is left alone.
-- KEYS[1] bucket hash. ARGV: field, the pending value the claim wrote.
-- Returns 1 if confirmed, 0 if the field no longer holds that claim.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], int(confirmed(decode(raw))))
return 1
