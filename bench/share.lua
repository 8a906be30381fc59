-- wrk script for `onetrip bench share`, two scenarios chosen by the first argument after `--`:
--   wrk ... -s bench/share.lua URL -- pk    LOWEST_ID HIGHEST_ID
--   wrk ... -s bench/share.lua URL -- share TOKEN KEYS_FILE PURPOSE FIELDS IDS_FILE
-- `pk` reads a population row by primary key (the bare endpoint); `share` looks up one random
-- key of KEYS_FILE through the sharing API. Each thread keeps the call_id of every 200 it
-- received; `done()` writes them to IDS_FILE (one a line) so the run can check each against
-- the sharing log, and prints "BENCH_JSON {...}" with latency percentiles (microseconds).

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  sent, ok, bad = 0, 0, 0
  sample = ""
  ids = {}
  math.randomseed(os.time() + id * 7919)
  if mode == "share" then
    token, purpose, fields, ids_file = args[2], args[4], args[5], args[6]
    keys = {}
    for line in io.lines(args[3]) do
      if line ~= "" then keys[#keys + 1] = line end
    end
  else
    low, high = tonumber(args[2]), tonumber(args[3])
  end
end

function request()
  sent = sent + 1
  if mode == "share" then
    local key = keys[math.random(#keys)]
    return wrk.format("GET", "/api/v1/share/population/records/" .. key .. "?fields=" .. fields, {
      ["Authorization"] = "Bearer " .. token,
      ["X-Purpose"] = purpose,
    })
  end
  return wrk.format("GET", "/api/v1/bench/population/" .. math.random(low, high))
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if mode == "share" then
      local call = body:match('"call_id":%s*(%d+)')
      ids[#ids + 1] = call or "none"
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
  local ok_total, bad_total, sent_total, samples = 0, 0, 0, {}
  local out = nil
  for _, thread in ipairs(threads) do
    ok_total = ok_total + (thread:get("ok") or 0)
    bad_total = bad_total + (thread:get("bad") or 0)
    sent_total = sent_total + (thread:get("sent") or 0)
    local s = thread:get("sample")
    if s and s ~= "" then samples[#samples + 1] = json_string(s) end
    if thread:get("mode") == "share" then
      out = out or io.open(thread:get("ids_file") or "/dev/null", "w")
      local got = thread:get("ids") or {}
      for _, call in ipairs(got) do out:write(call, "\n") end
    end
  end
  if out then out:close() end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"sent": %d, "ok": %d, "non_2xx": %d, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p99": %d, "p999": %d}, "samples": [%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    sent_total, ok_total, bad_total,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(samples, ", ")))
end
