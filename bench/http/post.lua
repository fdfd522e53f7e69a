-- bench/http/post.lua -- wrk: POST /v1/calls with the JSON body in CB_BODY
-- (a call to a simulated number) and the API key in CB_KEY; figures in
-- the WRKRESULT line (wrk.lua)

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("CB_BODY")
if not wrk.body or wrk.body == "" then
	io.stderr:write("post.lua: set CB_BODY to the JSON of the call\n")
	os.exit(2)
end
