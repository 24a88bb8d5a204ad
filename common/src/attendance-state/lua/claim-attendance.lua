-- Decides and writes one state change: a new pending claim, or a refusal.
-- KEYS[1] bucket hash. ARGV: field, 'checkin' | 'checkout', minute, school
-- fingerprint, ttl seconds, takeover age in ms.
-- Returns the pending value written (negated when it took over an abandoned
-- claim), or a refusal: 1 already-checked-in, 2 already-checked-out,
-- 3 not-checked-in, 4 checked-in-elsewhere, 5 checkout-before-checkin,
-- 6 pending (another request's claim is younger than the takeover age).
local state = decode(redis.call('HGET', KEYS[1], ARGV[1]))
local minute = tonumber(ARGV[3])
local school = tonumber(ARGV[4])
local now = clock()
local tookOver = false
local nextState

-- A pending claim older than the publish timeout belongs to a request that
-- was answered 503 or never answered (its process died): its device is
-- retrying, so the claim is taken over and published again. The consumer
-- stores the first copy of a user's event, so a second copy is harmless.
local function abandoned(claim)
  return (now - claim.since) % CLOCK >= tonumber(ARGV[6])
end

if ARGV[2] == 'checkin' then
  if state then
    -- Confirmed check-in, or a check-out claimed on top of one: the check-in is in Kafka.
    if not state.pending or state.checkOut then return 1 end
    if not abandoned(state) then return 6 end
    tookOver = true
  end
  nextState = { checkIn = minute, school = school }
else
  if not state then return 3 end
  -- The check-in itself is not confirmed yet: its device will retry it.
  if state.pending and not state.checkOut then return 6 end
  if state.pending then
    if not abandoned(state) then return 6 end
    tookOver = true
  elseif state.checkOut then
    return 2
  end
  if state.school ~= school then return 4 end
  if minute < state.checkIn then return 5 end
  nextState = { checkIn = state.checkIn, checkOut = minute, school = school }
end

local value = pending(nextState, now)
redis.call('HSET', KEYS[1], ARGV[1], int(value))
redis.call('EXPIRE', KEYS[1], ARGV[5], 'NX')
if tookOver then return -value end
return value
