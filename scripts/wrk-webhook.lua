-- wrk script for scripts/bench.sh: POSTs one signed body (default scheme)
-- with a unique X-Webhook-Id per request (the bench server keys dedupe on
-- that header explicitly), so the dedupe layers see only
-- first deliveries; with WRK_DUP=N, the ids cycle over dup_0 … dup_{N-1},
-- which the bench server completed before listening (its *-duplicates
-- modes), so they see only duplicates. The signature does not cover the id, and the bench
-- server disables the timestamp check, so one signature serves the run.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  counter = 0
  run = os.getenv("WRK_RUN") or "0"
  dup = tonumber(os.getenv("WRK_DUP") or "0")
  wrk.method = "POST"
  wrk.body = os.getenv("WRK_BODY")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Webhook-Timestamp"] = os.getenv("WRK_TS")
  wrk.headers["X-Webhook-Signature"] = os.getenv("WRK_SIG")
end

function request()
  counter = counter + 1
  if dup > 0 then
    wrk.headers["X-Webhook-Id"] = "dup_" .. ((counter * 2 + tid) % dup)
  else
    wrk.headers["X-Webhook-Id"] = "evt_" .. run .. "_" .. tid .. "_" .. counter
  end
  return wrk.format()
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx: %d\n", non2xx))
end
