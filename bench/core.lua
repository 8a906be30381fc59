-- wrk script for `onetrip bench core`: one script, four scenarios, chosen by the first
-- argument after `--`:
--   wrk ... -s bench/core.lua URL -- apply  TOKENS_FILE IMPLEMENTATION_ID RUN_ID THREADS FIRST
--   wrk ... -s bench/core.lua URL -- queue  COOKIE PATHS_FILE
--   wrk ... -s bench/core.lua URL -- detail TOKENS_AND_NUMBERS_FILE
--   wrk ... -s bench/core.lua URL -- pk     LOWEST_ID HIGHEST_ID
-- Each wrk thread has its own Lua state; `done()` runs in the main one and prints one line
-- "BENCH_JSON {...}" with latency percentiles (microseconds) and the threads' counters.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

function init(args)
  mode = args[1]
  sent, ok, bad, wrong = 0, 0, 0, 0
  sample = ""
  math.randomseed(os.time() + id * 7919)
  if mode == "apply" then
    tokens = read_lines(args[2])
    implementation = args[3]
    run = args[4]
    stride = tonumber(args[5]) or 1
    cursor = (tonumber(args[6]) or 0) + id - 1
  elseif mode == "queue" then
    cookie = args[2]
    paths = read_lines(args[3])
    cursor = id - 1
  elseif mode == "detail" then
    pairs_ = {}
    for _, line in ipairs(read_lines(args[2])) do
      local token, number = line:match("^(%S+)%s+(%S+)$")
      pairs_[#pairs_ + 1] = { token, number }
    end
  elseif mode == "pk" then
    low, high = tonumber(args[2]), tonumber(args[3])
  end
end

function request()
  sent = sent + 1
  if mode == "apply" then
    -- Every request: the next citizen (threads take interleaved slices), a fresh key.
    local token = tokens[(cursor % #tokens) + 1]
    cursor = cursor + stride
    local key = run .. "-" .. id .. "-" .. sent
    local body = '{"implementation_id": ' .. implementation ..
      ', "channel": "web", "form_data": {}, "idempotency_key": "' .. key .. '"}'
    return wrk.format("POST", "/api/v1/applications", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
    }, body)
  elseif mode == "queue" then
    local path = paths[(cursor % #paths) + 1]
    cursor = cursor + 1
    return wrk.format("GET", path, { ["Cookie"] = cookie })
  elseif mode == "detail" then
    local pair = pairs_[math.random(#pairs_)]
    return wrk.format("GET", "/api/v1/applications/" .. pair[2], {
      ["Authorization"] = "Bearer " .. pair[1],
    })
  else
    return wrk.format("GET", "/api/v1/bench/pk/" .. math.random(low, high))
  end
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    if mode == "apply" and not body:find('"state":%s*"delivered"') then
      -- Answered but not instantly approved (and delivered): counts against the scenario.
      wrong = wrong + 1
      if sample == "" then sample = body:sub(1, 300) end
    else
      ok = ok + 1
    end
  else
    bad = bad + 1
    if sample == "" then sample = status .. " " .. body:sub(1, 300) end
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local ok_total, bad_total, wrong_total, samples = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    ok_total = ok_total + (thread:get("ok") or 0)
    bad_total = bad_total + (thread:get("bad") or 0)
    wrong_total = wrong_total + (thread:get("wrong") or 0)
    local s = thread:get("sample")
    if s and s ~= "" then samples[#samples + 1] = json_string(s) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"ok": %d, "non_2xx": %d, "not_approved": %d, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p99": %d, "p999": %d}, "samples": [%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    ok_total, bad_total, wrong_total,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(samples, ", ")))
end
