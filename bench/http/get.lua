-- bench/http/get.lua -- wrk: GET the URL given (/v1/calls/{id}) with the
-- API key in CB_KEY; figures in the WRKRESULT line (wrk.lua)

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk.lua")
