-- Sliding-window rate limit over a sorted set of hit timestamps (microseconds).
-- KEYS[1]  the limit's key
-- ARGV[1]  limit: hits allowed inside the window
-- ARGV[2]  window in milliseconds
-- ARGV[3]  cost: 1 to record a hit, 0 to only look
-- ARGV[4]  a unique member for this hit
-- Returns {allowed (1/0), hits in window after this call, retry_after_ms}
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2]) * 1000
local cost = tonumber(ARGV[3])

-- Redis' own clock, so every web process agrees on "now".
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window_us)
local count = redis.call('ZCARD', key)

local function retry_after_ms()
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if oldest[2] == nil then
    return 0
  end
  local wait = tonumber(oldest[2]) + window_us - now
  return math.max(1, math.ceil(wait / 1000))
end

if cost == 0 then
  if count >= limit then
    return {0, count, retry_after_ms()}
  end
  return {1, count, 0}
end

if count + cost > limit then
  return {0, count, retry_after_ms()}
end

redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window_us / 1000))
return {1, count + cost, 0}
