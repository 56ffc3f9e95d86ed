-- A reservation no order could be made for: acknowledge it, keep it in the dead-letter
-- stream with the reason, answer its result "failed", and give its unit back once.
-- KEYS: 1 stock, 2 buyers, 3 released, 4 stream, 5 dead letters, 6 failed results
-- ARGV: 1 group, 2 entry id, 3 reservation id, 4 user id, 5 quantity, 6 reason,
--       7 give the unit back to the gate (1/0)
redis.call('XACK', KEYS[4], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[5], '*', 'rid', ARGV[3], 'uid', ARGV[4], 'qty', ARGV[5], 'reason', ARGV[6])
redis.call('HSET', KEYS[6], ARGV[3], ARGV[6])
if redis.call('SADD', KEYS[3], ARGV[3]) == 0 then return 0 end
local qty = tonumber(ARGV[5])
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], qty) end
if redis.call('HINCRBY', KEYS[2], ARGV[4], -qty) <= 0 then redis.call('HDEL', KEYS[2], ARGV[4]) end
return 1
