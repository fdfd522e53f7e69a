"""Money for conferences (seed 004: Rate button, pre-authorization with a
minimum charge, running total, charge summary, trouble credit, the
conference monitor), black box on the simulated network:

- the Rate button quotes each participant and the total per minute, and
  the pre-authorization it would take;
- a billed conference dials nothing before it is authorized (402); once
  authorized, two participants talk a few increments, the summary charges
  each leg exactly what the rate table says for its own stamps, adds the
  minimum-charge adjustment and the tax, and the account moved by exactly
  the total; the ledger reconciles and no hold is left open; a trouble
  report credits at most one minute, once;
- a declined card or an account that cannot cover the estimate is
  refused (402) and nothing is dialed;
- policy cut ends the conference once the hold is used up, within it;
- a participant whose number costs more grows the hold before it is
  dialed, and is refused when the account cannot cover that.

Expected figures are computed here from the rates and the stamps the API
reports (test_meter.py's helpers), never from the C code's figures."""

import cbtest
from test_events import connect_ws
from test_meter import (FAST, HEADER, Rate, micro, summary, money_setup,
                        balance, ledger_ok)

OWNER = "+15550110"       # answers after 500 ms, echoes
BOB = "+15550100"         # answers after 1 s
CAROL = "+15550111"
DECLINED = "4000000000000002"


def daemon(tmp_path, procs, simnet):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=FAST)
    procs.append(cb)
    return cb


def create(cb, numbers, **opts):
    opts.setdefault("billing_required", True)
    st, b = cb.api("POST", "/v1/conferences", {
        "owner": {"name": "Alice", "number": OWNER},
        "participants": [{"number": n} for n in numbers],
        "options": opts})
    assert st == 201, b
    return b["conference"]


def conf(cb, cid):
    st, b = cb.api("GET", "/v1/conferences/" + cid)
    assert st == 200, b
    return b


def dial(cb, cid, pid, want=200):
    st, b = cb.api("PATCH", "/v1/conferences/%s/participants/%s"
                   % (cid, pid), {"action": "dial"})
    assert st == want, b
    return b


def authorize(cb, cid, body, want=200):
    st, b = cb.api("POST", "/v1/conferences/%s/authorize" % cid, body)
    assert st == want, b
    return b


def billed(cb, cid, pids, s):
    """the conference once every pid has been billed >= s seconds"""
    def ok():
        c = conf(cb, cid)
        ps = {p["id"]: p for p in c["participants"]}
        return c if all((ps[p]["billed_s"] or 0) >= s for p in pids) \
            else None
    return cbtest.wait_for(ok, timeout=30, what="%s billed %d s"
                           % (pids, s))


def summary_final(cb, cid, timeout=20):
    def ok():
        st, body = cb.api("GET", "/v1/conferences/%s/summary" % cid)
        return body if st == 200 and body["final"] else None
    return cbtest.wait_for(ok, timeout=timeout, what="final summary")


def test_rates_authorize_dial_two_and_summary(tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("0.60", "0.02", "0", 2, 1)
    money_setup(cb, rate, ["tax=8.25", "conf_min=5.00", "typical_s=300"])
    before = balance(cb, "alice")
    c = create(cb, [BOB, CAROL])
    cid = c["id"]
    assert c["billing"]["required"] and not c["billing"]["authorized"]
    assert c["cost"] is None

    # the Rate button: each participant, the total, the hold it takes
    st, q = cb.api("GET", "/v1/conferences/%s/rates" % cid)
    assert st == 200, q
    assert [x["to"] for x in q["quotes"]] == [OWNER, BOB, CAROL]
    assert all(x["rate"]["per_min"] == "0.60" for x in q["quotes"])
    assert q["per_min"] == "1.80" and q["conf_min"] == "5.00"
    # estimate: 3 legs x 300 s (0.60/min + 0.02) = 9.06, + 8.25 % tax
    per_leg = rate.cost(300000)
    want_hold = -(-(3 * per_leg * 1082500 // 1000000) // 10000) * 10000
    assert micro(q["hold"]) == want_hold, q

    # nothing is dialed before the payment
    dial(cb, cid, "p1", want=402)
    assert cb.calls() == [] and "INVITE" not in simnet.log()

    ws = connect_ws(cb)
    try:
        b = authorize(cb, cid, {"account": "alice"})
        assert b["billing"]["authorized"] is True
        assert micro(b["billing"]["held"]) == want_hold
        assert b["billing"]["policy"] == "extend"
        authorize(cb, cid, {"account": "alice"}, want=409)
        assert balance(cb, "alice") == before      # a hold, not a charge

        dial(cb, cid, "p1")
        dial(cb, cid, "p2")
        live = billed(cb, cid, ["p1", "p2"], 4)
        assert micro(live["cost"]) > 0
        ps = {p["id"]: p for p in live["participants"]}
        assert ps["p1"]["rate_per_min"] == "0.60"
        assert ps["p3"]["cost"] == "0.00"
        costs = ws.events_until(lambda e: e.get("type") ==
                                "conference.cost" and
                                micro(e["billing"]["cost"]) > 0,
                                timeout=10)
        ev = [e for e in costs if e.get("type") == "conference.cost"][-1]
        assert ev["conference_id"] == cid
        assert {p["id"] for p in ev["billing"]["participants"]} == \
            {"p1", "p2", "p3"}
        st, running = cb.api("GET", "/v1/conferences/%s/summary" % cid)
        assert st == 200 and running["final"] is False
    finally:
        ws.close()

    assert cb.api("POST", "/v1/conferences/%s/end" % cid)[0] == 200
    body = summary_final(cb, cid)

    # each leg what its own stamps say, at the rate table's price
    assert len(body["legs"]) == 2
    assert sorted(l["peer"] for l in body["legs"]) == sorted([OWNER, BOB])
    leg_costs = []
    for leg in body["legs"]:
        dur = leg["ended_ms"] - leg["answered_ms"]
        assert leg["duration_ms"] == dur and dur > 3000, leg
        assert leg["billed_s"] == rate.billed_s(dur), leg
        assert micro(leg["charge"]) == rate.cost(dur), leg
        assert leg["payer"] == "account"
        leg_costs.append(rate.cost(dur))
    want = summary(leg_costs, micro("5.00"), 82500)
    for k in ("subtotal", "min_adjust", "tax", "total"):
        assert micro(body[k]) == want[k], (k, body, want)
    assert want["min_adjust"] > 0                  # the minimum charge
    assert micro(body["charged"]) == want["total"]
    assert before - balance(cb, "alice") == want["total"]
    ledger_ok(cb)

    # the conference view agrees, per participant
    c = conf(cb, cid)
    assert c["status"] == "ended" and c["billing"]["settled"] is True
    ps = {p["id"]: p for p in c["participants"]}
    by_peer = {l["peer"]: micro(l["charge"]) for l in body["legs"]}
    assert micro(ps["p1"]["cost"]) == by_peer[OWNER]
    assert micro(ps["p2"]["cost"]) == by_peer[BOB]

    # trouble report on a leg: at most one minute of its rate, once
    leg = body["legs"][0]
    path = "/v1/conferences/%s/legs/%s/trouble" % (cid, leg["leg_id"])
    st, t = cb.api("POST", path, {"kind": "noise"})
    assert st == 201, t
    assert micro(t["credited"]) == min(micro("0.60"), micro(leg["charge"]))
    assert cb.api("POST", path, {"kind": "noise"})[0] == 409
    assert cb.api("POST", path, {"kind": "loud"})[0] == 400
    assert before - balance(cb, "alice") == \
        want["total"] - micro(t["credited"])
    ledger_ok(cb)


def test_declined_payment_dials_nothing(tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    money_setup(cb, Rate("0.60", "0", "0", 1, 1), ["conf_min=5.00"],
                {"alice": "20.00", "poor": "1.00"})
    st, accts = cb.api("GET", "/v1/accounts")
    alice = next(a["id"] for a in accts["accounts"] if a["name"] == "alice")
    st, card = cb.api("POST", "/v1/accounts/%s/cards" % alice,
                      {"number": DECLINED, "expiry": "12/40",
                       "cvv": "123"})
    assert st == 201, card
    before = balance(cb, "alice"), balance(cb, "poor")
    cid = create(cb, [BOB])["id"]

    b = authorize(cb, cid, {"account": "alice", "method": card["id"]},
                  want=402)
    assert b["error"]["code"] == "card_declined", b
    b = authorize(cb, cid, {"account": "poor"}, want=402)
    assert b["error"]["code"] == "insufficient_funds", b
    b = authorize(cb, cid, {"account": "nobody"}, want=422)
    assert b["error"]["code"] == "unknown_account", b
    b = authorize(cb, cid, {"account": "alice", "method": "m-none"},
                  want=422)
    for bad in ({}, {"account": 5}, {"account": "alice", "limit": "x"},
                {"account": "alice", "extra": 1}):
        authorize(cb, cid, bad, want=400)
    assert cb.api("POST", "/v1/conferences/fnone/authorize",
                  {"account": "alice"})[0] == 404

    c = conf(cb, cid)
    assert c["billing"]["authorized"] is False
    b = dial(cb, cid, "p2", want=402)
    assert b["error"]["code"] == "payment_required"
    assert cb.calls() == [] and "INVITE" not in simnet.log()
    assert (balance(cb, "alice"), balance(cb, "poor")) == before
    ledger_ok(cb)


def test_policy_cut_ends_conference_within_the_hold(tmp_path, procs,
                                                    simnet):
    cb = daemon(tmp_path, procs, simnet)
    rate = Rate("0.60", "0", "0", 1, 1)          # 0.01 a second
    money_setup(cb, rate, ["hold_max=0.08", "conf_min=0"])
    before = balance(cb, "alice")
    cid = create(cb, [BOB])["id"]
    b = authorize(cb, cid, {"account": "alice", "limit": "cut"})
    assert b["billing"]["policy"] == "cut"
    assert micro(b["billing"]["held"]) == micro("0.08")
    dial(cb, cid, "p1")
    dial(cb, cid, "p2")

    c = cbtest.wait_for(lambda: (lambda c: c if c["status"] == "ended"
                                 else None)(conf(cb, cid)), timeout=30,
                        what="the conference to be cut")
    causes = {p["id"]: p["cause"] for p in c["participants"]}
    assert causes["p1"] == causes["p2"] == "credit-exhausted", causes
    body = summary_final(cb, cid)
    total = micro(body["total"])
    assert 0 < total <= micro("0.08"), body
    # both legs talked; the cut came before an uncovered increment
    assert all(l["billed_s"] >= 1 for l in body["legs"])
    assert sum(l["billed_s"] for l in body["legs"]) <= 8
    assert before - balance(cb, "alice") == total
    dial(cb, cid, "p2", want=409)                 # ended
    ledger_ok(cb)


def test_expensive_participant_grows_the_hold(tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    money_setup(cb, Rate("0.06", "0", "0", 1, 1),
                ["typical_s=60", "conf_min=0"],
                {"alice": "3.00"})
    csv = HEADER + "1555,Simnet,0.06,0,0,1,1\n" \
        "1555012,Premium,1.00,0,0,1,1\n1555013,Gold,9.00,0,0,1,1\n"
    st, r = cb.api("PUT", "/v1/rates", raw=csv.encode(),
                   headers={"Content-Type": "text/csv"})
    assert st == 200, r
    cid = create(cb, [BOB])["id"]
    b = authorize(cb, cid, {"account": "alice"})
    held = micro(b["billing"]["held"])
    assert held == 2 * micro("0.06")                # 2 x 60 s x 0.06/min

    st, p = cb.api("POST", "/v1/conferences/%s/participants" % cid,
                   {"number": "+15550120"})           # Premium, answers
    assert st == 201, p
    dial(cb, cid, p["id"])
    c = conf(cb, cid)
    assert micro(c["billing"]["held"]) == held + micro("1.00")
    ps = {x["id"]: x for x in c["participants"]}
    assert ps[p["id"]]["rate_per_min"] == "1.00"

    # Gold would need 9.00 more: refused, not dialed
    st, g = cb.api("POST", "/v1/conferences/%s/participants" % cid,
                   {"number": "+15550130"})
    assert st == 201
    b = dial(cb, cid, g["id"], want=402)
    assert b["error"]["code"] == "insufficient_funds", b
    assert "15550130" not in simnet.log()
    # a number without a rate: 422, not dialed
    st, x = cb.api("POST", "/v1/conferences/%s/participants" % cid,
                   {"number": "+447700900123"})
    b = dial(cb, cid, x["id"], want=422)
    assert b["error"]["code"] == "not_rated"

    assert cb.api("POST", "/v1/conferences/%s/end" % cid)[0] == 200
    summary_final(cb, cid)
    ledger_ok(cb)


def test_policy_ask_confirmed_over_the_api_extends(tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet)
    money_setup(cb, Rate("0.60", "0", "0", 1, 1),
                ["hold_max=0.08", "conf_min=0"])
    before = balance(cb, "alice")
    cid = create(cb, [BOB])["id"]
    assert cb.api("POST", "/v1/conferences/%s/billing/confirm" % cid)[0] \
        == 409                                    # not billed yet
    authorize(cb, cid, {"account": "alice", "limit": "ask"})
    assert cb.api("POST", "/v1/conferences/%s/billing/confirm" % cid)[0] \
        == 409                                    # nothing asked yet
    dial(cb, cid, "p1")
    cbtest.wait_for(lambda: conf(cb, cid)["billing"]["state"] == "asking",
                    timeout=20, what="the limit question")
    st, b = cb.api("POST", "/v1/conferences/%s/billing/confirm" % cid)
    assert st == 202, b
    c = cbtest.wait_for(
        lambda: (lambda c: c if c["billing"]["state"] == "open" and
                 micro(c["billing"]["held"]) == micro("0.16") else None)(
            conf(cb, cid)), timeout=10, what="the hold re-authorized")
    assert c["status"] == "active"
    assert cb.api("POST", "/v1/conferences/%s/end" % cid)[0] == 200
    body = summary_final(cb, cid)
    assert before - balance(cb, "alice") == micro(body["total"]) > 0
    ledger_ok(cb)
