-- Change fields of lines that are in the cart, atomically: a line that checkout removed
-- meanwhile is not written back half (a quantity without its price, time and selection).
-- KEYS[1] cart hash
-- ARGV: ttl, then triples (sku, field letter, value)
-- Returns the number of skus that were not in the cart.
local key = KEYS[1]
local missing = 0
for i = 2, #ARGV, 3 do
  local sku = ARGV[i]
  if redis.call('HEXISTS', key, 'q:' .. sku) == 1 then
    redis.call('HSET', key, ARGV[i + 1] .. ':' .. sku, ARGV[i + 2])
  else
    missing = missing + 1
  end
end
if missing * 3 < #ARGV - 1 then redis.call('EXPIRE', key, ARGV[1]) end
return missing
