-- Add to a cart line in one atomic step: the line-count limit, the quantity cap and the
-- write cannot interleave with another add, a merge or checkout's removal.
-- KEYS[1] cart hash
-- ARGV: sku, quantity, cap (min of line maximum and stock), max lines, price, now, ttl
-- Returns {status, quantity}: status 1 added (quantity = new), -1 cart full,
-- -2 over the cap (quantity = what the line would have held).
local key = KEYS[1]
local sku = ARGV[1]
local add = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local max_lines = tonumber(ARGV[4])
local current = redis.call('HGET', key, 'q:' .. sku)
if not current then
  local lines = 0
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, 2) == 'q:' then lines = lines + 1 end
  end
  if lines >= max_lines then return {-1, 0} end
  current = 0
end
local wanted = tonumber(current) + add
if wanted > cap then return {-2, wanted} end
redis.call('HSET', key, 'q:' .. sku, wanted, 's:' .. sku, '1', 'p:' .. sku, ARGV[5],
  't:' .. sku, ARGV[6])
redis.call('EXPIRE', key, ARGV[7])
return {1, wanted}
