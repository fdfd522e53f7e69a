-- bench/http/wrk.lua -- what the wrk scripts of bench/http share
--
-- The API key comes from the environment (CB_KEY) and rides on every
-- request as `Authorization: Bearer`.  Every response whose status is
-- not 2xx is counted (wrk itself only counts >= 400), and at the end one
-- line `WRKRESULT key=value ...` gives the figures for bench/http/run:
-- requests, duration, non-2xx (and the last such status), socket errors,
-- latency percentiles in microseconds.

local key = os.getenv("CB_KEY")
if not key or key == "" then
	io.stderr:write("wrk.lua: set CB_KEY to an API key\n")
	os.exit(2)
end
wrk.headers["Authorization"] = "Bearer " .. key

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	non2xx = 0
	last_bad = 0
end

function response(status, headers, body)
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
		last_bad = status
	end
end

function done(summary, latency, requests)
	local bad, last = 0, 0
	for _, t in ipairs(threads) do
		bad = bad + t:get("non2xx")
		if t:get("last_bad") ~= 0 then
			last = t:get("last_bad")
		end
	end
	local e = summary.errors
	io.write(string.format(
		"WRKRESULT requests=%d duration_us=%d non2xx=%d last_bad=%d " ..
		"connect=%d read=%d write=%d timeout=%d " ..
		"p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d " ..
		"mean_us=%.1f\n",
		summary.requests, summary.duration, bad, last,
		e.connect, e.read, e.write, e.timeout,
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency:percentile(99.9),
		latency.max, latency.mean))
end
