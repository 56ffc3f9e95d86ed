-- The flash-sale gate: one atomic step per "buy" (no SQL anywhere on this path).
-- KEYS: 1 stock, 2 buyers, 3 stream, 4 meta, 5 reservations, 6 token (single use),
--       7 per-user rate counter, 8 per-IP rate counter, 9 warm-up trigger
-- ARGV: 1 user id, 2 quantity, 3 now (ms), 4 reservation id, 5 token ttl (ms),
--       6 per-user limit per window, 7 per-IP limit per window, 8 window (ms)
-- Returns {code, stock left}: 0 admitted, 1 not warmed (second item 1 = this call should
-- start the warm-up), 2 not started, 3 ended, 4 sold out, 5 over the limit, 6 token used,
-- 7 rate limited.
local hits = redis.call('INCR', KEYS[7])
if hits == 1 then redis.call('PEXPIRE', KEYS[7], ARGV[8]) end
local ip_hits = redis.call('INCR', KEYS[8])
if ip_hits == 1 then redis.call('PEXPIRE', KEYS[8], ARGV[8]) end
if hits > tonumber(ARGV[6]) or ip_hits > tonumber(ARGV[7]) then return {7, 0} end

local meta = redis.call('HMGET', KEYS[4], 'start', 'end', 'limit')
local stock = redis.call('GET', KEYS[1])
if not meta[1] or not stock then
  -- A lost or never-loaded key is never "sold out": one caller in a few seconds warms it.
  if redis.call('SET', KEYS[9], '1', 'NX', 'PX', 5000) then return {1, 1} end
  return {1, 0}
end
local now = tonumber(ARGV[3])
if now < tonumber(meta[1]) then return {2, 0} end
if now >= tonumber(meta[2]) then return {3, 0} end
if not redis.call('SET', KEYS[6], '1', 'NX', 'PX', ARGV[5]) then return {6, 0} end

stock = tonumber(stock)
local qty = tonumber(ARGV[2])
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
-- One open order per shopper and event, of at most the limit.
if held > 0 or qty > tonumber(meta[3]) then return {5, stock} end
if stock < qty then return {4, stock} end

redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], ARGV[1], qty)
redis.call('HSET', KEYS[5], ARGV[4], ARGV[1] .. ':' .. qty)
redis.call('XADD', KEYS[3], '*', 'rid', ARGV[4], 'uid', ARGV[1], 'qty', qty, 'ts', ARGV[3])
return {0, stock - qty}
