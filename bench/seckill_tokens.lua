-- wrk: each request carries the next token of a file (one per line), each thread starting
-- at its own place. Usage: wrk -s seckill_tokens.lua URL -- TOKENS_FILE body|bearer
local tokens, i, mode = {}, 0, "body"
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  mode = args[2] or "body"
  i = (offset or 0) % #tokens
end
function request()
  i = i % #tokens + 1
  if mode == "bearer" then
    return wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. tokens[i] }, "")
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
    '{"token":"' .. tokens[i] .. '"}')
end
