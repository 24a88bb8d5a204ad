-- Undoes a staff correction's state: sets the field to ARGV[3] (removes it when empty) only while it
-- holds exactly ARGV[2], the value the correction wrote, so a device's later claim is never overwritten.
-- KEYS[1]: the day's bucket; ARGV[1]: field; ARGV[2]: expected value; ARGV[3]: next value or ''.
-- Returns 1 when it changed the field, 0 when the field held something else.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then return redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
