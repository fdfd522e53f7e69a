"""Live metering of billed calls, black box, with real calls through the
simulated network (and SIPp as a phone that presses 1): a billed bridged
call is charged exactly what the rate table says for the durations its
own timestamps show, and the payer's balance drops by exactly the charge
summary's total; a call the account cannot cover is refused (402) and
nothing is dialed; the limit policies: cut ends the call at the
authorized amount (cause credit-exhausted), extend re-authorizes and the
call goes on (and a refused re-authorization cuts it), ask waits for
DTMF 1 (RFC 4733 from a real peer) or the API's confirmation, and cuts
without an answer; a trouble report credits at most one minute, once per
leg; after kill -9 with 20 metered calls up, the restart settles every
hold within one increment of the expected charge and the ledger
reconciles.

Expected charges are computed here, independently of the C code, from
the rates and the answered/ended stamps the API reports (docs/money.md,
"Rating and rounding"): never from sleeps."""

import os
import sqlite3
import time

import cbtest
from test_events import connect_ws

MICRO = 1000000
HEADER = "prefix,name,per_min,connect_fee,min_charge,first_s,next_s\n"
FAST = ["money.limit_lead_s 3", "money.cost_event_ms 200",
        "money.meter_persist_ms 200"]


# --- the rules, again, in Python --------------------------------------------

def micro(s):
    """'12.34' -> 12340000 (decimal string to micro-units, exact)"""
    neg = s.startswith("-")
    whole, _, frac = s.lstrip("-").partition(".")
    v = int(whole) * MICRO + int((frac + "000000")[:6])
    return -v if neg else v


def half_up(n, d):
    return (2 * n + d) // (2 * d)


class Rate:
    def __init__(self, per_min, fee, minimum, first, nxt):
        self.per_min, self.fee, self.min = micro(per_min), micro(fee), \
            micro(minimum)
        self.first, self.next = first, nxt

    def csv(self, prefix="1555"):
        def fmt(v):
            return "%d.%06d" % (v // MICRO, v % MICRO)
        return HEADER + "%s,Simnet,%s,%s,%s,%d,%d\n" % (
            prefix, fmt(self.per_min), fmt(self.fee), fmt(self.min),
            self.first, self.next)

    def billed_s(self, dur_ms):
        if dur_ms <= 0:
            return 0
        if dur_ms <= self.first * 1000:
            return self.first
        rest = dur_ms - self.first * 1000
        return self.first + -(-rest // (self.next * 1000)) * self.next

    def cost(self, dur_ms):
        if dur_ms <= 0:
            return 0
        usage = half_up(self.per_min * self.billed_s(dur_ms), 60)
        return max(usage + self.fee, self.min)


def summary(costs, conf_min=0, tax_ppm=0, digits=2):
    step = 10 ** (6 - digits)
    sub = sum(costs)
    adj = conf_min - sub if 0 < sub < conf_min else 0
    net = half_up(sub + adj, step) * step
    tax = half_up(net * tax_ppm, MICRO * step) * step
    return {"subtotal": sub, "min_adjust": adj, "net": net, "tax": tax,
            "total": net + tax}


# --- set-up and observation ------------------------------------------------

def daemon(tmp_path, procs, simnet, extra=(), name="callbridge"):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=FAST + list(extra), name=name)
    procs.append(cb)
    return cb


def money_setup(cb, rate, settings=(), accounts=None):
    path = os.path.join(cb.tmpdir, "rates.csv")
    with open(path, "w") as f:
        f.write(rate.csv())
    cb.admin_ok("money", "rates", "import", "default", path)
    if settings:
        cb.admin_ok("money", "tenant", "set", "default", *settings)
    for name, amount in (accounts or {"alice": "20.00"}).items():
        cb.admin_ok("money", "account", "create", "default", name,
                    "customer", "0")
        if micro(amount):
            cb.admin_ok("money", "account", "topup", "default", name,
                        amount, "topup-" + name)


def balance(cb, name):
    out = cb.admin_ok("money", "account", "balance", "default", name)
    return micro(out.split("\t")[3].split()[0])


def ledger_ok(cb):
    out = cb.admin_ok("money", "reconcile", "all")
    assert out.endswith("reconcile ok"), out
    holds = cb.admin_ok("money", "hold", "list", "default")
    assert holds == "", "holds left open:\n" + holds


def post_call(cb, body):
    st, call = cb.api("POST", "/v1/calls", body)
    assert st == 201, (st, call)
    assert call["billing"]["state"] == "live"
    return call


def billing(cb, cid):
    c = cb.call(cid)
    return c["billing"] if c else None


def legs_billed(cb, cid, n, s):
    """the call's billing once n legs have been billed >= s seconds"""
    def ok():
        b = billing(cb, cid)
        if b and sum(1 for l in b["legs"] if l["billed_s"] >= s) >= n:
            return b
        return None
    return cbtest.wait_for(ok, timeout=30, what="%d legs billed %d s"
                           % (n, s))


def charges_final(cb, cid):
    def ok():
        st, body = cb.api("GET", "/v1/calls/%s/charges" % cid)
        return body if st == 200 and body["final"] else None
    return cbtest.wait_for(ok, timeout=15, what="final charges")


def call_ended(cb, cid):
    return cb.wait_call_state(cid, lambda c: all(
        l["state"] == "ended" for l in c["legs"]), timeout=30,
        what="the call to end")


def check_charges(body, rate, conf_min=0, tax_ppm=0, stamps=None):
    """every leg charged what its stamps say; the summary adds up"""
    costs = []
    for leg in body["legs"]:
        dur = leg["ended_ms"] - leg["answered_ms"] if leg["answered_ms"] \
            else 0
        if stamps:
            assert (leg["answered_ms"], leg["ended_ms"]) == \
                stamps[leg["leg_id"]]
        assert leg["duration_ms"] == dur
        if not leg["rated"]:
            assert micro(leg["charge"]) == 0
            continue
        assert leg["billed_s"] == rate.billed_s(dur), leg
        assert micro(leg["charge"]) == rate.cost(dur), leg
        costs.append(rate.cost(dur))
    want = summary(costs, conf_min, tax_ppm)
    for k in ("subtotal", "min_adjust", "tax", "total"):
        assert micro(body[k]) == want[k], (k, body, want)
    return want


def stamps_of(call):
    return {l["id"]: (l["answered_ms"], l["ended_ms"])
            for l in call["legs"]}


def ws_events(ws, cid, pred, timeout=20):
    return [e for e in ws.events_until(
        lambda e: e.get("call_id") == cid and pred(e), timeout=timeout)
        if e.get("call_id") == cid]


# --- tests ---------------------------------------------------------------

def test_billed_bridged_call_is_charged_exactly_per_rate_table(
        tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("0.60", "0.02", "0", 3, 2)
    money_setup(cb, rate, ["tax=8.25", "conf_min=0.10"])
    before = balance(cb, "alice")
    ws = connect_ws(cb)
    try:
        call = post_call(cb, {"to": "+15550100", "bridge_to": "+15550101",
                              "billing": {"account": "alice"}})
        cid = call["id"]
        payer = call["billing"]["payers"][0]
        assert payer["payer"] == "caller" and payer["state"] == "open"
        assert micro(payer["authorized"]) > 0

        # both legs metered: 3 s, then 2 s increments, 3 of them each
        b = legs_billed(cb, cid, 2, 7)
        assert all(l["rated"] and l["per_min"] == "0.60" and
                   l["increments"] == "3/2" for l in b["legs"])
        live = cb.api("GET", "/v1/calls/%s/charges" % cid)[1]
        assert not live["final"] and len(live["legs"]) == 2
        assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200

        costs = ws_events(ws, cid, lambda e: e["type"] == "call.ended")
    finally:
        ws.close()

    # the running cost went out as call.cost events, never going down
    seen = [micro(e["cost"]) for e in costs
            if e["type"] == "call.cost"]
    assert len(seen) >= 3 and seen == sorted(seen), seen
    assert seen[-1] >= 2 * rate.cost(7000 - 1)
    last = [e for e in costs if e["type"] == "call.cost"][-1]
    assert last["currency"] == "USD" and len(last["legs"]) == 2
    assert micro(last["total"]) >= seen[-1]

    ended = call_ended(cb, cid)
    body = charges_final(cb, cid)
    want = check_charges(body, rate, micro("0.10"), 82500,
                         stamps_of(ended))
    assert len(body["charges"]) == 1
    ch = body["charges"][0]
    assert micro(ch["charged"]) == want["total"] == micro(body["total"])
    assert before - balance(cb, "alice") == want["total"]
    ledger_ok(cb)

    # the CDRs: one per leg, final, with payer and rated duration
    st, page = cb.api("GET", "/v1/cdrs")
    assert st == 200 and page["currency"] == "USD"
    rows = [r for r in page["cdrs"] if r["call_id"] == cid]
    assert len(rows) == 2 and all(r["state"] == "final" and
                                  r["payer"] == "caller" for r in rows)
    assert {r["peer"] for r in rows} == {"+15550100", "+15550101"}
    st, page = cb.api("GET", "/v1/cdrs?after=%d&limit=1" % rows[0]["seq"])
    assert st == 200 and [r["seq"] for r in page["cdrs"]] == \
        [rows[1]["seq"]] and page["next"] == rows[1]["seq"]
    assert cb.api("GET", "/v1/cdrs?limit=0")[0] == 400
    assert cb.api("GET", "/v1/cdrs?after=x")[0] == 400


def test_each_leg_charged_to_its_own_payer(tmp_path, procs, simnet):
    """A collect-style split: alice pays leg A as the caller, the
    business pays leg B; one hold, one capture and one charge row each."""
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("0.60", "0", "0", 1, 1)
    money_setup(cb, rate, ["conf_min=0.05", "hold_max=1.00"],
                {"alice": "5.00", "shop": "5.00"})
    before = balance(cb, "alice"), balance(cb, "shop")
    call = post_call(cb, {"to": "+15550100", "bridge_to": "+15550101",
                          "billing": {"account": "alice",
                                      "bridge_to": {"account": "shop",
                                                    "payer": "account"}}})
    cid = call["id"]
    assert [p["payer"] for p in call["billing"]["payers"]] == \
        ["caller", "account"]
    legs_billed(cb, cid, 2, 3)
    assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200
    ended = call_ended(cb, cid)
    body = charges_final(cb, cid)
    stamps = stamps_of(ended)
    by_payer = {}
    for leg in body["legs"]:
        assert (leg["answered_ms"], leg["ended_ms"]) == stamps[leg["leg_id"]]
        by_payer.setdefault(leg["account"], []).append(
            rate.cost(leg["duration_ms"]))
    assert len(by_payer) == 2 and len(body["charges"]) == 2
    accounts = {}
    for ch in body["charges"]:
        want = summary(by_payer[ch["account"]], micro("0.05"))
        assert micro(ch["total"]) == micro(ch["charged"]) == want["total"], body
        accounts[ch["payer"]] = want["total"]
    assert before[0] - balance(cb, "alice") == accounts["caller"]
    assert before[1] - balance(cb, "shop") == accounts["account"]
    ledger_ok(cb)


def test_refused_calls_dial_nothing_and_move_no_money(tmp_path, procs,
                                                      simnet):
    cb = daemon(tmp_path, procs, simnet)
    money_setup(cb, Rate("0.60", "0", "0", 1, 1), ["hold_max=1.00"],
                {"alice": "20.00", "poor": "0.05"})
    before = balance(cb, "alice"), balance(cb, "poor")

    cases = [
        ({"to": "+15550100", "billing": {"account": "poor"}},
         402, "insufficient_funds", "billing.account"),
        ({"to": "+15550100", "bridge_to": "+15550101",
          "billing": {"account": "alice",
                      "bridge_to": {"account": "poor"}}},
         402, "insufficient_funds", "billing.bridge_to.account"),
        ({"to": "+15550100", "billing": {"account": "nobody"}},
         422, "unknown_account", "billing.account"),
        ({"to": "+447700900123", "billing": {"account": "alice"}},
         422, "not_rated", "to"),
        ({"to": "+15550100", "bridge_to": "+447700900123",
          "billing": {"account": "alice"}}, 422, "not_rated", "bridge_to"),
        ({"to": "+15550100", "billing": "alice"},
         400, "invalid_field", "billing"),
        ({"to": "+15550100", "billing": {}},
         400, "missing_field", "billing.account"),
        ({"to": "+15550100", "billing": {"account": "alice",
                                         "payer": "nobody"}},
         400, "invalid_field", "billing.payer"),
        ({"to": "+15550100", "billing": {"account": "alice",
                                         "limit": "forever"}},
         400, "invalid_field", "billing.limit"),
        ({"to": "+15550100", "billing": {"account": "alice",
                                         "bridge_to": {"account": "a"}}},
         422, "conflicting_fields", "billing.bridge_to"),
        ({"to": "+15550100", "billing": {"account": "x" * 300}},
         400, "invalid_field", "billing.account"),
    ]
    for body, scode, code, field in cases:
        st, err = cb.api("POST", "/v1/calls", body)
        assert st == scode, (body, st, err)
        assert err["error"]["code"] == code, (body, err)
        assert err["error"]["field"] == field, (body, err)

    assert cb.calls() == []
    assert "INVITE" not in simnet.log()
    assert (balance(cb, "alice"), balance(cb, "poor")) == before
    ledger_ok(cb)


def test_limit_cut_ends_the_call_at_the_authorized_amount(tmp_path, procs,
                                                          simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("6.00", "0", "0", 1, 1)           # 0.10 a second
    money_setup(cb, rate, ["limit=cut", "hold_max=0.50"])
    before = balance(cb, "alice")
    ws = connect_ws(cb)
    try:
        call = post_call(cb, {"to": "+15550100",
                              "billing": {"account": "alice"}})
        cid = call["id"]
        assert call["billing"]["limit"] == "cut"
        evs = ws_events(ws, cid, lambda e: e["type"] == "call.ended")
    finally:
        ws.close()
    ended = call_ended(cb, cid)
    leg = ended["legs"][0]
    assert leg["cause"] == "credit-exhausted", leg
    dur = leg["ended_ms"] - leg["answered_ms"]
    assert 4000 < dur <= 5000, dur          # 0.50 buys 5 seconds
    assert any(e["type"] == "billing.limit" and e["state"] == "cut"
               for e in evs)
    ends = [e for e in evs if e["type"] == "leg.state" and
            e["new"] == "ended"]
    assert ends and ends[0]["cause"] == "credit-exhausted"

    body = charges_final(cb, cid)
    check_charges(body, rate, stamps=stamps_of(ended))
    ch = body["charges"][0]
    assert micro(ch["authorized"]) == micro("0.50")
    assert micro(ch["charged"]) == micro("0.50") == micro(ch["total"])
    assert before - balance(cb, "alice") == micro("0.50")
    ledger_ok(cb)


def test_limit_extend_reauthorizes_and_the_call_goes_on(tmp_path, procs,
                                                        simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("6.00", "0", "0", 1, 1)
    money_setup(cb, rate, ["limit=extend", "hold_max=0.50"])
    before = balance(cb, "alice")
    ws = connect_ws(cb)
    try:
        cid = post_call(cb, {"to": "+15550100",
                             "billing": {"account": "alice"}})["id"]
        # past the first 0.50: re-authorized once, still talking
        b = legs_billed(cb, cid, 1, 7)
        assert micro(b["payers"][0]["authorized"]) == micro("1.00")
        assert b["payers"][0]["state"] == "open"
        assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200
        evs = ws_events(ws, cid, lambda e: e["type"] == "call.ended")
    finally:
        ws.close()
    limits = [e["state"] for e in evs if e["type"] == "billing.limit"]
    assert limits == ["extended"], limits

    ended = call_ended(cb, cid)
    assert ended["legs"][0]["cause"] == "normal"
    body = charges_final(cb, cid)
    want = check_charges(body, rate, stamps=stamps_of(ended))
    assert want["total"] > micro("0.50")
    assert micro(body["charges"][0]["charged"]) == want["total"]
    assert before - balance(cb, "alice") == want["total"]
    ledger_ok(cb)


def test_refused_reauthorization_ends_the_call_at_the_limit(tmp_path,
                                                            procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("6.00", "0", "0", 1, 1)
    # 0.80 covers the first 0.50, not a second one
    money_setup(cb, rate, ["limit=extend", "hold_max=0.50"],
                {"alice": "0.80"})
    ws = connect_ws(cb)
    try:
        cid = post_call(cb, {"to": "+15550100",
                             "billing": {"account": "alice"}})["id"]
        evs = ws_events(ws, cid, lambda e: e["type"] == "call.ended")
    finally:
        ws.close()
    assert [e["state"] for e in evs if e["type"] == "billing.limit"] == \
        ["refused", "cut"]
    ended = call_ended(cb, cid)
    leg = ended["legs"][0]
    assert leg["cause"] == "credit-exhausted"
    assert leg["ended_ms"] - leg["answered_ms"] <= 5000
    body = charges_final(cb, cid)
    check_charges(body, rate, stamps=stamps_of(ended))
    assert micro(body["charges"][0]["charged"]) == micro("0.50")
    assert balance(cb, "alice") == micro("0.30")
    ledger_ok(cb)


def test_limit_ask_goes_on_when_the_phone_presses_1(tmp_path, procs,
                                                     simnet):
    """Leg A is a SIPp phone (a SIP URI: not rated, free) that presses 1
    as RFC 4733 telephone-events 4 s after answering; leg B, through the
    simulated network, is billed 0.10 a second against a 0.50 hold, so
    the question comes 3 s before B's fifth second."""
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("6.00", "0", "0", 1, 1)
    money_setup(cb, rate, ["limit=ask", "hold_max=0.50"])
    before = balance(cb, "alice")
    phone = cbtest.Sipp(str(tmp_path),
                        cbtest.sipp_scenario("calls", "uas_dtmf1.xml"),
                        args=["-d", "4000", "-m", "1"], name="phone")
    ws = connect_ws(cb)
    try:
        call = post_call(cb, {
            "to": "sip:phone@127.0.0.1:%d" % phone.port,
            "bridge_to": "+15550100", "billing": {"account": "alice"}})
        cid = call["id"]
        b = legs_billed(cb, cid, 1, 7)     # B went past the first 0.50
        assert micro(b["payers"][0]["authorized"]) == micro("1.00")
        assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200
        evs = ws_events(ws, cid, lambda e: e["type"] == "call.ended")
    finally:
        ws.close()
        rc = phone.wait(20)
    assert rc == 0, phone.errors()[-3000:]

    ended = call_ended(cb, cid)
    leg_a = ended["legs"][0]["id"]
    kinds = [(e["type"], e.get("state"), e.get("digit"))
             for e in evs if e["type"] in ("billing.limit", "leg.dtmf")]
    asking = [e for e in evs if e["type"] == "billing.limit" and
              e["state"] == "asking"]
    assert asking and asking[0]["asked_leg"] == leg_a, evs
    dtmf = [e for e in evs if e["type"] == "leg.dtmf"]
    assert dtmf and dtmf[0]["leg_id"] == leg_a and dtmf[0]["digit"] == "1"
    i_ask = kinds.index(("billing.limit", "asking", None))
    assert ("billing.limit", "extended", None) in kinds[i_ask:], kinds

    body = charges_final(cb, cid)
    want = check_charges(body, rate, stamps=stamps_of(ended))
    assert [l["rated"] for l in body["legs"]] == [False, True]
    assert want["total"] > micro("0.50")
    assert before - balance(cb, "alice") == want["total"]
    ledger_ok(cb)


def test_limit_ask_confirmed_by_the_api_or_cut_without_answer(
        tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("6.00", "0", "0", 1, 1)
    money_setup(cb, rate, ["limit=ask", "hold_max=0.50"])
    ws = connect_ws(cb)
    try:
        # confirmed on the web page: POST .../billing/confirm
        cid = post_call(cb, {"to": "+15550100",
                             "billing": {"account": "alice"}})["id"]
        assert cb.api("POST", "/v1/calls/%s/billing/confirm" % cid,
                      {})[0] == 409              # nothing asked yet
        ws_events(ws, cid, lambda e: e["type"] == "billing.limit" and
                  e["state"] == "asking")
        st, body = cb.api("POST", "/v1/calls/%s/billing/confirm" % cid, {})
        assert st == 202 and body == {"confirmed": True}
        ws_events(ws, cid, lambda e: e["type"] == "billing.limit" and
                  e["state"] == "extended")
        assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200

        # nobody answers: cut at the limit
        cid2 = post_call(cb, {"to": "+15550100",
                              "billing": {"account": "alice"}})["id"]
        evs = ws_events(ws, cid2, lambda e: e["type"] == "call.ended")
    finally:
        ws.close()
    assert [e["state"] for e in evs if e["type"] == "billing.limit"] == \
        ["asking", "cut"]
    ended = call_ended(cb, cid2)
    assert ended["legs"][0]["cause"] == "credit-exhausted"
    body = charges_final(cb, cid2)
    check_charges(body, rate, stamps=stamps_of(ended))
    assert micro(body["total"]) == micro("0.50")
    charges_final(cb, cid)
    assert cb.api("POST", "/v1/calls/nosuchcall/billing/confirm",
                  {})[0] == 404
    ledger_ok(cb)


def test_trouble_report_credits_one_minute_once_per_leg(tmp_path, procs,
                                                         simnet):
    cb = daemon(tmp_path, procs, simnet)
    # a 1.00 connection fee: any call costs more than its minute (0.06)
    rate = Rate("0.06", "1.00", "0", 1, 1)
    money_setup(cb, rate)
    cid = post_call(cb, {"to": "+15550100",
                         "billing": {"account": "alice"}})["id"]
    b = legs_billed(cb, cid, 1, 2)
    leg = b["legs"][0]["leg_id"]
    path = "/v1/calls/%s/legs/%s/trouble" % (cid, leg)
    st, err = cb.api("POST", path, {"kind": "noise"})
    assert st == 409 and err["error"]["code"] == "not_finished"
    assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200
    charges_final(cb, cid)
    after_call = balance(cb, "alice")

    for body, scode in (({"kind": "static"}, 400), ({}, 400),
                        ({"kind": "noise", "text": "x" * 501}, 400),
                        ({"kind": 3}, 400)):
        assert cb.api("POST", path, body)[0] == scode, body
    assert cb.api("POST", "/v1/calls/%s/legs/lnosuchleg/trouble" % cid,
                  {"kind": "noise"})[0] == 404

    st, body = cb.api("POST", path, {"kind": "noise",
                                     "text": "crackling all along"})
    assert st == 201, body
    assert body["credited"] == "0.06" and body["kind"] == "noise"
    assert balance(cb, "alice") - after_call == micro("0.06")

    st, err = cb.api("POST", path, {"kind": "disconnected"})
    assert st == 409 and err["error"]["code"] == "already_credited"
    assert balance(cb, "alice") - after_call == micro("0.06")

    rows = [r for r in cb.api("GET", "/v1/cdrs")[1]["cdrs"]
            if r["leg_id"] == leg]
    assert rows[0]["trouble"] == "noise" and rows[0]["credited"] == "0.06"
    ledger_ok(cb)


def test_kill_9_with_20_metered_calls_settles_every_hold(tmp_path, procs,
                                                         simnet):
    tmp = str(tmp_path)
    rate = Rate("0.60", "0", "0", 1, 1)            # 0.01 a second
    first = cbtest.Callbridge(tmp, trunk_port=simnet.port, extra=FAST,
                              name="cb-first")
    try:
        money_setup(first, rate, accounts={"alice": "200.00"})
        before = balance(first, "alice")
        cids = [post_call(first, {"to": "+15550100",
                                  "billing": {"account": "alice"}})["id"]
                for _ in range(20)]
        answered = {}
        for cid in cids:
            b = legs_billed(first, cid, 1, 3)
            answered[cid] = b["legs"][0]["answered_ms"]
        # every hold has a running cost stored (batches every 200 ms)
        db = sqlite3.connect(os.path.join(tmp, "callbridge.db"))
        try:
            cbtest.wait_for(lambda: db.execute(
                "SELECT COUNT(*) FROM holds WHERE state = 0 AND "
                "metered > 0").fetchone()[0] == 20,
                what="running costs persisted")
        finally:
            db.close()
        t0 = time.time() * 1000
        first.p.kill()
        first.p.wait()
        t1 = time.time() * 1000
    finally:
        if first.p.poll() is None:
            first.p.kill()
            first.p.wait()
        first.logf.close()
    log = first.log()
    assert "ERROR: AddressSanitizer" not in log, log[-4000:]

    second = cbtest.Callbridge(tmp, trunk_port=simnet.port, extra=FAST,
                               name="cb-second")
    procs.append(second)
    assert "20 hold(s) of the last run settled" in second.log()
    ledger_ok(second)
    total = 0
    for cid in cids:
        st, body = second.api("GET", "/v1/calls/%s/charges" % cid)
        assert st == 200, body
        ch = body["charges"][0]
        assert ch["state"] == "recovered" and body["final"]
        assert body["legs"][0]["state"] == "recovered"
        charged = micro(ch["charged"])
        low = rate.cost(int(t0 - answered[cid])) - micro("0.01")
        high = rate.cost(int(t1 - answered[cid]))
        assert low <= charged <= high, (cid, low, charged, high)
        total += charged
    assert before - balance(second, "alice") == total
