-- A token bucket per device: takes ARGV[3] tokens if the bucket holds them.
-- KEYS[1]: the device's bucket (a hash: t = tokens, at = Redis time in ms of the last take)
-- ARGV[1]: tokens added per second; ARGV[2]: bucket size (burst); ARGV[3]: tokens to take
-- Returns 0 when taken, else the milliseconds until that many tokens will be there.
-- Time comes from Redis (TIME), so every replica's buckets run on one clock.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
if tokens < cost then
  return math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens - cost), 'at', now)
-- Past the time to refill, the bucket is full: the key can go.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return 0
