-- Move a guest cart into a user's cart in one atomic step, so an add to either cart can
-- never land between the read and the write and be lost or doubled.
-- KEYS[1] source (guest) hash, KEYS[2] target (user) hash
-- ARGV: line maximum, max lines, ttl, then pairs (sku, cap) with each SKU's stock cap
-- Quantities add up, capped; lines past the target's line limit stay out.
-- Returns the number of lines left out.
local source, target = KEYS[1], KEYS[2]
local line_max, max_lines, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local caps = {}
for i = 4, #ARGV, 2 do caps[ARGV[i]] = tonumber(ARGV[i + 1]) end
local src = redis.call('HGETALL', source)
if #src == 0 then return 0 end
local fields = {}
for i = 1, #src, 2 do fields[src[i]] = src[i + 1] end
local lines = 0
for _, field in ipairs(redis.call('HKEYS', target)) do
  if string.sub(field, 1, 2) == 'q:' then lines = lines + 1 end
end
local left_out = 0
for field, quantity in pairs(fields) do
  if string.sub(field, 1, 2) == 'q:' then
    local sku = string.sub(field, 3)
    local existing = redis.call('HGET', target, field)
    if not existing and lines >= max_lines then
      left_out = left_out + 1
    else
      if not existing then lines = lines + 1 end
      local wanted = tonumber(quantity) + tonumber(existing or 0)
      local cap = math.min(line_max, caps[sku] or line_max)
      redis.call('HSET', target, field, math.min(wanted, cap),
        's:' .. sku, fields['s:' .. sku] or '1', 't:' .. sku, fields['t:' .. sku] or '0')
      if fields['p:' .. sku] then redis.call('HSET', target, 'p:' .. sku, fields['p:' .. sku]) end
    end
  end
end
redis.call('DEL', source)
redis.call('EXPIRE', target, ttl)
return left_out
