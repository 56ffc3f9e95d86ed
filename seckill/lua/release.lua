-- Give a reservation's unit back to the gate, once: a second call (a retried task, a race
-- between the timeout and a cancel, a dead letter) finds the id in "released" and does
-- nothing. A missing stock key (not warmed, or Redis lost it) is left for the warm-up,
-- which rebuilds it from PostgreSQL.
-- KEYS: 1 stock, 2 buyers, 3 released
-- ARGV: 1 reservation id, 2 user id, 3 quantity, 4 give the unit back to the stock (1/0:
--       not when it went to the SKU, the event being over)
-- Returns 1 if this call released it, 0 if it was released before.
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
local qty = tonumber(ARGV[3])
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], qty) end
if redis.call('HINCRBY', KEYS[2], ARGV[2], -qty) <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1
