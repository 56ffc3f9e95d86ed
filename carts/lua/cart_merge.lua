-- Add a guest cart's lines to a user's cart in one atomic step on the user's cart alone, so
-- it runs on Redis Cluster too (the guest cart lives in another slot; the caller deletes it
-- afterwards) and an add to the user's cart lands wholly before or after it.
-- KEYS[1] target (user) hash
-- ARGV: line maximum, max lines, ttl, merge id (the guest cart's key), then sextuples
--   (sku, stock cap, quantity, selected, price or "", added)
-- Idempotent: the target remembers the merge id (field m:<id>) with its answer, so a retry
-- after a lost reply or a failed delete of the guest cart adds nothing twice.
-- Quantities add up, capped; lines past the target's line limit stay out.
-- Returns the number of lines left out.
local target = KEYS[1]
local line_max, max_lines, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local marker = 'm:' .. ARGV[4]
local done = redis.call('HGET', target, marker)
if done then return tonumber(done) end
local lines = 0
for _, field in ipairs(redis.call('HKEYS', target)) do
  if string.sub(field, 1, 2) == 'q:' then lines = lines + 1 end
end
local left_out = 0
for i = 5, #ARGV, 6 do
  local sku, cap, quantity = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local field = 'q:' .. sku
  local existing = redis.call('HGET', target, field)
  if not existing and lines >= max_lines then
    left_out = left_out + 1
  else
    if not existing then lines = lines + 1 end
    local wanted = quantity + tonumber(existing or 0)
    redis.call('HSET', target, field, math.min(wanted, math.min(line_max, cap)),
      's:' .. sku, ARGV[i + 3], 't:' .. sku, ARGV[i + 5])
    if ARGV[i + 4] ~= '' then redis.call('HSET', target, 'p:' .. sku, ARGV[i + 4]) end
  end
end
redis.call('HSET', target, marker, left_out)
redis.call('EXPIRE', target, ttl)
return left_out
