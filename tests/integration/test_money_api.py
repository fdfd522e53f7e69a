"""Money over the HTTP API, black box against the running daemon: rate
tables as CSV (line-numbered errors, nothing imported on a bad one), quotes
for a list of participants before a call, accounts, top-ups honouring
Idempotency-Key, holds whose concurrent authorizations never overspend,
capture and release, statements that add up to the balance, reconcile,
cards of the test provider (declines explained, the number never kept),
usage tokens, money settings; tenant isolation, roles, and every kind of
bad input answered in the one error shape and changing nothing."""

import glob
import os
import threading
import uuid

import pytest

import cbtest
from test_manage import Session

GOOD = """prefix,name,per_min,connect_fee,min_charge,first_s,next_s
1,North America,0.012,0,0,60,6
1908,"New Jersey, US",0.01,0.005,0.02,1,1
44,United Kingdom,0.30,0,0,60,60
"""

BAD = """prefix,name,per_min,connect_fee,min_charge,first_s,next_s
33,France,0.02,0,0,60,6
34,Spain,-0.01,0,0,60,6
35,Portugal,1e3,0,0,60,6
36,Hungary,0.01,0,0,60
"""

VISA = "4242 4242 4242 4242"
DECLINED = "4000000000000002"       # money.card_decline: last4=0002


@pytest.fixture
def cb(tmp_path, procs):
    """callbridge alone: money needs no phone network."""
    c = cbtest.Callbridge(str(tmp_path))
    procs.append(c)
    return c


def err(st, body, status, code, field=None):
    assert st == status, (status, code, st, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    e = body["error"]
    assert e["code"] == code and e["message"], body
    assert set(e) <= {"code", "message", "field"}, body
    if field is not None:
        assert e.get("field") == field, body
    return e


def put_csv(cb, text, key=True, ctype="text/csv"):
    return cb.api("PUT", "/v1/rates", raw=text.encode()
                  if isinstance(text, str) else text,
                  headers={"Content-Type": ctype}, key=key)


def export(cb):
    st, text = cb.api("GET", "/v1/rates", headers={"Accept": "text/csv"})
    assert st == 200, text
    return text


def account(cb, name, key=True, **extra):
    st, a = cb.api("POST", "/v1/accounts", dict(name=name, **extra),
                   key=key)
    assert st == 201, a
    assert a["name"] == name and a["balance"] == "0.00", a
    return a


def topup(cb, acc, amount, key=True, idem=None, **extra):
    h = {"Idempotency-Key": idem or uuid.uuid4().hex}
    return cb.api("POST", "/v1/accounts/%s/topups" % acc,
                  dict(amount=amount, **extra), headers=h, key=key)


def get_account(cb, acc, key=True):
    st, a = cb.api("GET", "/v1/accounts/" + acc, key=key)
    assert st == 200, a
    return a


def micro(s):
    """'12.345' -> 12345000 (exact: the test never uses floats either)"""
    neg = s.startswith("-")
    whole, _, frac = s.lstrip("-").partition(".")
    v = int(whole) * 1000000 + int((frac + "000000")[:6])
    return -v if neg else v


def reconcile_ok(cb, key=True):
    st, r = cb.api("GET", "/v1/money/reconcile", key=key)
    assert st == 200, r
    assert r["ok"] is True and r["mismatches"] == [], r
    return r


# --- rates ----------------------------------------------------------------

def test_rates_csv_all_or_nothing_with_line_numbers(cb):
    st, r = put_csv(cb, GOOD)
    assert st == 200 and r == {"imported": 3}, r
    st, body = cb.api("GET", "/v1/rates")
    assert st == 200 and body["currency"] == "USD", body
    nj = [x for x in body["rates"] if x["prefix"] == "1908"][0]
    assert nj == {"prefix": "1908", "name": "New Jersey, US",
                  "per_min": "0.01", "connect_fee": "0.005",
                  "min_charge": "0.02", "first_s": 1, "next_s": 1}, nj
    # the export imports back to the same table (0.30 printed shortest)
    assert export(cb) == GOOD.replace("0.30", "0.3")
    st, text = cb.api("GET", "/v1/rates?format=csv")
    assert st == 200 and text == export(cb)

    # one bad file: every error by line, nothing imported
    st, body = put_csv(cb, BAD)
    e = err(st, body, 422, "invalid_csv", "line 3")
    assert "line 3: per_min: negative amount" in e["message"], e
    assert "line 4: per_min: '1e3' is not a decimal amount" in \
        e["message"], e
    assert "line 5: 6 fields, want 7" in e["message"], e
    assert "line 2:" not in e["message"] and "nothing imported" in \
        e["message"], e
    assert export(cb) == GOOD.replace("0.30", "0.3")

    # not text: the line of the first byte that is not UTF-8
    st, body = put_csv(cb, GOOD.encode() + b"33,Fran\xe7e,0.02,0,0,60,6\n")
    err(st, body, 422, "invalid_csv", "line 5")
    st, body = put_csv(cb, "prefix,name\n")
    err(st, body, 422, "invalid_csv", "line 1")
    st, body = put_csv(cb, "")
    err(st, body, 400, "missing_body")
    st, body = cb.api("PUT", "/v1/rates", {"rates": []})
    err(st, body, 415, "unsupported_media_type")
    st, body = put_csv(cb, GOOD, ctype="text/plain")
    err(st, body, 415, "unsupported_media_type")
    # CSV anywhere else is still refused before any handler
    st, body = cb.api("POST", "/v1/accounts", raw=b"name\nalice\n",
                      headers={"Content-Type": "text/csv"})
    err(st, body, 415, "unsupported_media_type")
    assert export(cb) == GOOD.replace("0.30", "0.3")


def test_quote_before_a_call_for_a_list_of_participants(cb):
    assert put_csv(cb, GOOD)[0] == 200
    st, s = cb.api("PATCH", "/v1/money/settings", {"tax": "8.25"})
    assert st == 200 and s["tax"] == "8.25", s

    # '+' as typed and as %2B both work
    st, q = cb.api("GET", "/v1/rates/quote?to=+19085551234"
                   "&to=%2B447700900123")
    assert st == 200, q
    assert q["currency"] == "USD" and q["all_rated"] is True, q
    nj, uk = q["quotes"]
    assert nj["to"] == "+19085551234" and nj["rated"] is True, nj
    assert nj["rate"]["prefix"] == "1908", nj      # longest prefix
    assert (nj["rate"]["per_min"], nj["rate"]["connect_fee"],
            nj["rate"]["min_charge"], nj["rate"]["first_s"],
            nj["rate"]["next_s"]) == ("0.01", "0.005", "0.02", 1, 1)
    assert nj["tax_per_min"] == "0.000825", nj
    assert uk["rate"]["prefix"] == "44" and uk["tax_per_min"] == \
        "0.02475", uk
    assert q["tax_rate"] == "8.25"
    assert q["per_min"] == "0.31" and q["tax_per_min"] == "0.025575", q
    assert q["per_min_with_tax"] == "0.335575", q
    assert q["connect_fees"] == "0.005", q
    # a hold for 10 minutes each: 0.105 + 3.00, + 8.25 %, up to the cent
    assert q["hold"] == "3.37" and q["hold_basis_s"] == 600, q

    # a destination without a rate is listed as such; no hold then
    st, q = cb.api("GET", "/v1/rates/quote?to=+19085551234&to=+33123456")
    assert st == 200, q
    assert q["all_rated"] is False and q["hold"] is None, q
    assert q["quotes"][1] == {
        "to": "+33123456", "rated": False, "code": "no_rate",
        "message": q["quotes"][1]["message"]}, q
    assert q["per_min"] == "0.01", q

    st, body = cb.api("GET", "/v1/rates/quote")
    err(st, body, 400, "missing_field", "to")
    for bad in ("abc", "+0123", "+1234567890123456", "%ZZ", "%00"):
        st, body = cb.api("GET", "/v1/rates/quote?to=" + bad)
        err(st, body, 400, "invalid_field", "to")
    st, body = cb.api("GET", "/v1/rates/quote?" + "&".join(
        ["to=+1908555%04d" % i for i in range(33)]))
    err(st, body, 400, "invalid_field", "to")


# --- accounts, top-ups, holds, statement, reconcile ----------------------

def test_topup_hold_capture_statement_reconcile(cb):
    alice = account(cb, "alice")
    assert alice["currency"] == "USD" and alice["kind"] == "customer"
    assert (alice["held"], alice["available"]) == ("0.00", "0.00")
    st, body = cb.api("POST", "/v1/accounts", {"name": "alice"})
    err(st, body, 409, "exists", "name")

    # a top-up posts once per Idempotency-Key; another body is 409
    idem = "topup-" + uuid.uuid4().hex
    st, t = topup(cb, alice["id"], "25.00", idem=idem)
    assert st == 201, t
    assert t["amount"] == "25.00" and t["currency"] == "USD", t
    assert t["account"]["balance"] == "25.00", t
    st, again, hdrs = cb.api("POST", "/v1/accounts/%s/topups" %
                             alice["id"], {"amount": "25.00"},
                             headers={"Idempotency-Key": idem}, full=True)
    assert st == 201 and again == t, again
    assert hdrs["Idempotent-Replayed"] == "true"
    st, body = topup(cb, alice["id"], "30.00", idem=idem)
    err(st, body, 409, "idempotency_key_reused", "Idempotency-Key")
    assert get_account(cb, alice["id"])["balance"] == "25.00"
    # by name as well as by id
    assert get_account(cb, "alice")["id"] == alice["id"]

    # hold: reserves from the available funds
    st, h = cb.api("POST", "/v1/holds", {"account": alice["id"],
                                         "amount": "5.00",
                                         "reference": "call-1"})
    assert st == 201, h
    assert (h["state"], h["amount"], h["reference"], h["method"]) == \
        ("open", "5.00", "call-1", None), h
    a = get_account(cb, alice["id"])
    assert (a["balance"], a["held"], a["available"]) == \
        ("25.00", "5.00", "20.00"), a
    st, got = cb.api("GET", "/v1/holds/" + h["id"])
    assert st == 200 and got == h, got

    # capture the actual cost, the rest is released
    st, c = cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                   {"amount": "1.20"})
    assert st == 200, c
    assert (c["net"], c["tax"], c["total"], c["charged"],
            c["written_off"]) == ("1.20", "0.00", "1.20", "1.20", "0.00")
    assert c["hold"]["state"] == "captured" and c["hold"]["transaction"]
    a = get_account(cb, alice["id"])
    assert (a["balance"], a["held"], a["available"]) == \
        ("23.80", "0.00", "23.80"), a
    # settles once
    st, body = cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                      {"amount": "1.20"})
    err(st, body, 409, "hold_settled")
    st, body = cb.api("POST", "/v1/holds/%s/release" % h["id"])
    err(st, body, 409, "hold_settled")

    # a hold released charges nothing
    st, h2 = cb.api("POST", "/v1/holds", {"account": "alice",
                                          "amount": "10.00"})
    assert st == 201, h2
    st, r = cb.api("POST", "/v1/holds/%s/release" % h2["id"])
    assert st == 200 and r["state"] == "released", r
    # a hold above the available funds
    st, body = cb.api("POST", "/v1/holds", {"account": alice["id"],
                                            "amount": "23.81"})
    err(st, body, 402, "insufficient_funds")
    a = get_account(cb, alice["id"])
    assert (a["balance"], a["held"]) == ("23.80", "0.00"), a

    assert topup(cb, alice["id"], "0.07")[0] == 201

    # the statement adds up to the balance, page by page
    st, s = cb.api("GET", "/v1/accounts/%s/statement" % alice["id"])
    assert st == 200 and s["next_cursor"] is None, s
    assert s["account"]["balance"] == "23.87"
    entries = s["entries"]
    assert [e["kind"] for e in entries] == ["topup", "capture", "topup"]
    assert [e["amount"] for e in entries] == ["25.00", "-1.20", "0.07"]
    assert sum(micro(e["amount"]) for e in entries) == micro("23.87")
    assert entries[-1]["balance"] == "23.87"
    run = 0
    for e in entries:
        run += micro(e["amount"])
        assert micro(e["balance"]) == run, e
    assert entries[1]["reference"] == "call-1"
    pages, cursor = [], None
    while True:
        q = "?limit=1" + ("&cursor=" + cursor if cursor else "")
        st, p = cb.api("GET", "/v1/accounts/%s/statement%s" %
                       (alice["id"], q))
        assert st == 200 and len(p["entries"]) <= 1, p
        pages += p["entries"]
        cursor = p["next_cursor"]
        if cursor is None:
            break
    assert pages == entries
    for q in ("limit=0", "limit=1001", "limit=x", "cursor=-1",
              "cursor=99999999999999999999"):
        st, body = cb.api("GET", "/v1/accounts/%s/statement?%s" %
                          (alice["id"], q))
        err(st, body, 400, "invalid_field", q.split("=")[0])

    # the system accounts took the other side
    st, lst = cb.api("GET", "/v1/accounts")
    assert st == 200, lst
    by = {x["name"]: x for x in lst["accounts"]}
    assert by["sys:revenue"]["balance"] == "1.20", by
    assert by["sys:funding.prepaid"]["balance"] == "-25.07", by
    r = reconcile_ok(cb)
    assert r["accounts"] == len(lst["accounts"]) and r["open_holds"] == 0
    assert r["entries_sum"] == 0


def test_concurrent_holds_cannot_overspend(cb):
    """Eight holds of 3.00 race for 10.00: exactly three get it."""
    acc = account(cb, "racer")["id"]
    assert topup(cb, acc, "10.00")[0] == 201
    results = []
    go = threading.Barrier(8)

    def one(i):
        go.wait()
        results.append(cb.api("POST", "/v1/holds",
                              {"account": acc, "amount": "3.00",
                               "reference": "leg-%d" % i}))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [b for st, b in results if st == 201]
    refused = [(st, b) for st, b in results if st != 201]
    assert len(ok) == 3, results
    for st, b in refused:
        err(st, b, 402, "insufficient_funds")
    a = get_account(cb, acc)
    assert (a["held"], a["available"]) == ("9.00", "1.00"), a
    for h in ok:
        assert cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                      {"amount": "3.00"})[0] == 200
    assert get_account(cb, acc)["balance"] == "1.00"
    reconcile_ok(cb)


# --- cards ------------------------------------------------------------------

def test_cards_declines_explained_and_number_never_kept(cb, tmp_path):
    bob = account(cb, "bob")["id"]
    st, card = cb.api("POST", "/v1/accounts/%s/cards" % bob,
                      {"number": VISA, "expiry": "12/40", "cvv": "123"})
    assert st == 201, card
    assert (card["brand"], card["last4"], card["exp_month"],
            card["exp_year"]) == ("visa", "4242", 12, 2040), card
    st, lst = cb.api("GET", "/v1/accounts/%s/cards" % bob)
    assert st == 200 and lst["cards"] == [card], lst

    # a card that fails its checks: the field and the reason
    for body, field, why in (
            ({"number": "4242 4242 4242 4241", "expiry": "12/40",
              "cvv": "123"}, "number", "invalid_number"),
            ({"number": VISA, "expiry": "01/20", "cvv": "123"},
             "expiry", "expired_card"),
            ({"number": VISA, "expiry": "13/40", "cvv": "123"},
             "expiry", "invalid_expiry"),
            ({"number": VISA, "expiry": "1240", "cvv": "123"},
             "expiry", "invalid_expiry"),
            ({"number": VISA, "expiry": "12/40", "cvv": "12"},
             "cvv", "invalid_cvc")):
        st, b = cb.api("POST", "/v1/accounts/%s/cards" % bob, body)
        e = err(st, b, 422, "card_declined", field)
        assert why in e["message"], e
    st, b = cb.api("POST", "/v1/accounts/%s/cards" % bob,
                   {"number": 4242424242424242, "expiry": "12/40",
                    "cvv": "123"})
    err(st, b, 400, "invalid_field", "number")

    # the card pays a top-up; a declining one is 402 and posts nothing
    st, t = topup(cb, bob, "10.00", method=card["id"])
    assert st == 201 and t["method"] == card["id"], t
    assert t["account"]["balance"] == "10.00"
    st, bad = cb.api("POST", "/v1/accounts/%s/cards" % bob,
                     {"number": DECLINED, "expiry": "12/40",
                      "cvv": "123"})
    assert st == 201 and bad["last4"] == "0002", bad
    st, b = topup(cb, bob, "10.00", method=bad["id"])
    err(st, b, 402, "card_declined")
    st, b = cb.api("POST", "/v1/holds", {"account": bob, "amount": "1.00",
                                         "method": bad["id"]})
    err(st, b, 402, "card_declined")
    # a hold on a good card does not touch the balance
    st, h = cb.api("POST", "/v1/holds", {"account": bob, "amount": "4.00",
                                         "method": card["id"]})
    assert st == 201 and h["method"] == card["id"], h
    assert get_account(cb, bob)["held"] == "0.00"
    assert cb.api("POST", "/v1/holds/%s/release" % h["id"])[0] == 200
    # another account's card is no method of this one
    carol = account(cb, "carol")["id"]
    st, b = topup(cb, carol, "1.00", method=card["id"])
    err(st, b, 422, "unknown_method", "method")
    assert get_account(cb, bob)["balance"] == "10.00"
    assert get_account(cb, carol)["balance"] == "0.00"
    reconcile_ok(cb)

    # the full number is nowhere in the store (database and its WAL)
    digits = VISA.replace(" ", "").encode()
    for path in glob.glob(os.path.join(str(tmp_path), "callbridge.db*")):
        with open(path, "rb") as f:
            assert digits not in f.read(), path
    assert digits.decode() not in cb.log()


# --- tokens and settings ---------------------------------------------------

def test_tokens(cb):
    acc = account(cb, "dora")["id"]
    st, s = cb.api("PUT", "/v1/token-services/whiteboard",
                   {"unit": "session", "price": "0.50"})
    assert st == 200, s
    assert s == {"name": "whiteboard", "unit": "session", "price": "0.50",
                 "currency": "USD"}, s
    idem = {"Idempotency-Key": "grant-" + uuid.uuid4().hex}
    st, g = cb.api("POST", "/v1/accounts/%s/tokens" % acc,
                   {"service": "whiteboard", "tokens": 10}, headers=idem)
    assert st == 201 and g["tokens"] == 10, g
    st, g2 = cb.api("POST", "/v1/accounts/%s/tokens" % acc,
                    {"service": "whiteboard", "tokens": 10}, headers=idem)
    assert st == 201 and g2 == g, g2
    st, g = cb.api("POST", "/v1/accounts/%s/tokens" % acc,
                   {"service": "whiteboard", "tokens": 5})
    assert st == 201 and g["tokens"] == 15, g
    st, lst = cb.api("GET", "/v1/accounts/%s/tokens" % acc)
    assert st == 200, lst
    assert lst["tokens"] == [{"service": "whiteboard", "tokens": 15}]

    st, b = cb.api("POST", "/v1/accounts/%s/tokens" % acc,
                   {"service": "nosuch", "tokens": 1})
    err(st, b, 422, "unknown_service", "service")
    for n in ("10", 0, -1, 1.5, 10 ** 13):
        st, b = cb.api("POST", "/v1/accounts/%s/tokens" % acc,
                       {"service": "whiteboard", "tokens": n})
        err(st, b, 400, "invalid_field", "tokens")
    st, b = cb.api("PUT", "/v1/token-services/whiteboard",
                   {"unit": "hour", "price": "0.50"})
    err(st, b, 400, "invalid_field", "unit")
    st, b = cb.api("PUT", "/v1/token-services/whiteboard",
                   {"unit": "minute", "price": 0.5})
    err(st, b, 400, "invalid_field", "price")
    st, b = cb.api("PUT", "/v1/token-services/WhiteBoard",
                   {"unit": "minute", "price": "0.50"})
    err(st, b, 400, "invalid_field", "name")
    assert cb.api("GET", "/v1/accounts/%s/tokens" % acc)[1] == lst
    reconcile_ok(cb)


def test_money_settings(cb):
    st, s = cb.api("GET", "/v1/money/settings")
    assert st == 200, s
    assert s == {"currency": "USD", "tax": "0", "conf_min": "0.00",
                 "allow_credit": False, "overcapture": "cap",
                 "limit": "extend", "typical_s": 600, "hold_min": "0.00",
                 "hold_max": "0.00"}, s
    st, s = cb.api("PATCH", "/v1/money/settings",
                   {"currency": "EUR", "tax": "19", "conf_min": "5.00",
                    "allow_credit": True, "overcapture": "debt",
                    "limit": "cut", "typical_s": 300, "hold_min": "1.00",
                    "hold_max": "50.00"})
    assert st == 200, s
    assert s == {"currency": "EUR", "tax": "19", "conf_min": "5.00",
                 "allow_credit": True, "overcapture": "debt",
                 "limit": "cut", "typical_s": 300, "hold_min": "1.00",
                 "hold_max": "50.00"}, s
    before = s

    # all or nothing: one bad member and nothing changes
    for body, status, code, field in (
            ({"tax": "8.25", "conf_min": 5}, 400, "invalid_field",
             "conf_min"),
            ({"tax": 8.25}, 400, "invalid_field", "tax"),
            ({"tax": "101"}, 400, "invalid_field", "tax"),
            ({"allow_credit": "yes"}, 400, "invalid_field",
             "allow_credit"),
            ({"overcapture": "sometimes"}, 400, "invalid_field",
             "overcapture"),
            ({"typical_s": 0}, 400, "invalid_field", "typical_s"),
            ({"typical_s": "600"}, 400, "invalid_field", "typical_s"),
            ({"conf_min": "-1.00"}, 400, "invalid_field", "conf_min"),
            ({"flavour": "x"}, 400, "invalid_field", "flavour"),
            ({"currency": "XYZ"}, 422, "unknown_currency", "currency"),
            ({"hold_min": "60.00"}, 422, "invalid_field", "hold_max")):
        st, b = cb.api("PATCH", "/v1/money/settings", body)
        err(st, b, status, code, field)
    st, b = cb.api("PATCH", "/v1/money/settings", {})
    err(st, b, 400, "missing_body")
    assert cb.api("GET", "/v1/money/settings")[1] == before

    # accounts are in the tenant's currency, which then stays
    a = account(cb, "erin")
    assert a["currency"] == "EUR" and a["available"] == "0.00", a
    st, b = cb.api("PATCH", "/v1/money/settings", {"currency": "USD"})
    err(st, b, 409, "currency_in_use", "currency")
    st, b = cb.api("POST", "/v1/accounts", {"name": "fred",
                                            "currency": "USD"})
    err(st, b, 422, "currency_mismatch", "currency")
    # with allow_credit the credit limit is available
    st, a = cb.api("POST", "/v1/accounts", {"name": "gus",
                                            "credit_limit": "20.00"})
    assert st == 201 and a["available"] == "20.00", a
    st, h = cb.api("POST", "/v1/holds", {"account": "gus",
                                         "amount": "15.00"})
    assert st == 201, h
    assert cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                  {"amount": "10.00", "tax": "1.90"})[0] == 200
    a = get_account(cb, "gus")
    assert (a["balance"], a["available"]) == ("-11.90", "8.10"), a
    reconcile_ok(cb)


# --- bad input, isolation, roles -------------------------------------------

def test_bad_amounts_currencies_and_accounts_change_nothing(cb):
    acc = account(cb, "hank")["id"]
    assert topup(cb, acc, "5.00")[0] == 201
    path = "/v1/accounts/%s/topups" % acc
    for amount, why in ((12.5, "number"), (12, "number"),
                        ("-1.00", "negative"), ("0", "zero"),
                        ("100000000000.01", "huge"),
                        ("1" + "0" * 30, "huge"),
                        ("1.0000001", "7 decimals"), ("1e3", "exponent"),
                        ("12,50", "comma"), (" 1", "space"), ("", "empty"),
                        ("+1", "plus"), (".5", "no digit"),
                        (None, "null")):
        st, b = cb.api("POST", path, {"amount": amount})
        err(st, b, 400, "invalid_field", "amount")
    st, b = cb.api("POST", path, {"currency": "USD"})
    err(st, b, 400, "missing_field", "amount")
    st, b = cb.api("POST", path, {"amount": "1.00", "currency": "XYZ"})
    err(st, b, 422, "unknown_currency", "currency")
    st, b = cb.api("POST", path, {"amount": "1.00", "currency": "usd"})
    err(st, b, 422, "unknown_currency", "currency")
    st, b = cb.api("POST", path, {"amount": "1.00", "currency": "EUR"})
    err(st, b, 422, "currency_mismatch", "currency")
    st, b = cb.api("POST", path, {"amount": "1.00", "method": "m/../x"})
    err(st, b, 400, "invalid_field", "method")
    st, b = cb.api("POST", path, {"amount": "1.00", "method": "mnosuch"})
    err(st, b, 422, "unknown_method", "method")
    st, b = cb.api("POST", path, raw=b"")
    err(st, b, 400, "missing_body")

    # unknown accounts and holds
    st, b = topup(cb, "nosuch", "1.00")
    err(st, b, 404, "not_found")
    st, b = cb.api("GET", "/v1/accounts/nosuch")
    err(st, b, 404, "not_found")
    st, b = cb.api("GET", "/v1/accounts/nosuch/statement")
    err(st, b, 404, "not_found")
    st, b = cb.api("POST", "/v1/holds", {"account": "nosuch",
                                         "amount": "1.00"})
    err(st, b, 404, "not_found")
    st, b = cb.api("GET", "/v1/holds/hnosuch")
    err(st, b, 404, "not_found")
    st, b = cb.api("POST", "/v1/holds/hnosuch/capture", {"amount": "1"})
    err(st, b, 404, "not_found")

    # holds: the same rules for amounts
    for amount in (1, "-1.00", "0", "100000000000.01"):
        st, b = cb.api("POST", "/v1/holds", {"account": acc,
                                             "amount": amount})
        err(st, b, 400, "invalid_field", "amount")
    st, h = cb.api("POST", "/v1/holds", {"account": acc, "amount": "2.00"})
    assert st == 201, h
    for amount in (1.2, "-0.01", "1.0000001"):
        st, b = cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                       {"amount": amount})
        err(st, b, 400, "invalid_field", "amount")
    st, b = cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                   {"amount": "1.00", "tax": 0.1})
    err(st, b, 400, "invalid_field", "tax")
    st, b = cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                   {"amount": "1.00", "currency": "GBP"})
    err(st, b, 422, "currency_mismatch", "currency")
    st, b = cb.api("POST", "/v1/holds/%s/capture" % h["id"],
                   {"amount": "99999999999", "tax": "99999999999"})
    err(st, b, 422, "out_of_range")

    # accounts: names, kinds, limits
    for body, field in (({"name": "a b"}, "name"), ({"name": ""}, "name"),
                        ({"name": "sys:revenue"}, "name"),
                        ({"name": "x" * 64}, "name"),
                        ({"name": "ok", "kind": "revenue"}, "kind"),
                        ({"name": "ok", "credit_limit": 5}, "credit_limit"),
                        ({"name": "ok", "credit_limit": "-5"},
                         "credit_limit")):
        st, b = cb.api("POST", "/v1/accounts", body)
        err(st, b, 400, "invalid_field", field)
    # the system accounts take no top-ups or holds
    sysacc = [a for a in cb.api("GET", "/v1/accounts")[1]["accounts"]
              if a["name"].startswith("sys:")][0]["id"]
    st, b = topup(cb, sysacc, "1.00")
    err(st, b, 422, "not_payable")
    st, b = cb.api("POST", "/v1/holds", {"account": sysacc,
                                         "amount": "1.00"})
    err(st, b, 422, "not_payable")

    # nothing moved: the balance, the hold, the ledger
    a = get_account(cb, acc)
    assert (a["balance"], a["held"]) == ("5.00", "2.00"), a
    assert cb.api("GET", "/v1/holds/" + h["id"])[1]["state"] == "open"
    st, lst = cb.api("GET", "/v1/accounts")
    assert sorted(x["name"] for x in lst["accounts"]) == \
        ["hank", "sys:funding.prepaid"], lst
    reconcile_ok(cb)


def test_tenant_isolation_and_roles(cb):
    assert put_csv(cb, GOOD)[0] == 200
    acc = account(cb, "ivy")["id"]
    assert topup(cb, acc, "20.00")[0] == 201
    st, h = cb.api("POST", "/v1/holds", {"account": acc, "amount": "2.00"})
    assert st == 201, h
    st, card = cb.api("POST", "/v1/accounts/%s/cards" % acc,
                      {"number": VISA, "expiry": "12/40", "cvv": "123"})
    assert st == 201, card

    # tenant beta sees none of it: another tenant's things are 404
    cb.admin_ok("tenant", "create", "beta")
    beta = cb.admin_ok("key", "create", "beta", "beta-key")
    for method, path, body in (
            ("GET", "/v1/accounts/" + acc, None),
            ("GET", "/v1/accounts/ivy", None),
            ("GET", "/v1/accounts/%s/statement" % acc, None),
            ("GET", "/v1/accounts/%s/cards" % acc, None),
            ("GET", "/v1/accounts/%s/tokens" % acc, None),
            ("POST", "/v1/accounts/%s/topups" % acc, {"amount": "1.00"}),
            ("POST", "/v1/accounts/%s/cards" % acc,
             {"number": VISA, "expiry": "12/40", "cvv": "123"}),
            ("POST", "/v1/holds", {"account": acc, "amount": "1.00"}),
            ("GET", "/v1/holds/" + h["id"], None),
            ("POST", "/v1/holds/%s/capture" % h["id"], {"amount": "2.00"}),
            ("POST", "/v1/holds/%s/release" % h["id"], None)):
        st, b = cb.api(method, path, body, key=beta)
        err(st, b, 404, "not_found")
    st, lst = cb.api("GET", "/v1/accounts", key=beta)
    assert st == 200 and lst["accounts"] == [], lst
    st, q = cb.api("GET", "/v1/rates/quote?to=+447700900123", key=beta)
    assert st == 200 and q["quotes"][0]["rated"] is False, q
    assert cb.api("GET", "/v1/rates", key=beta)[1]["rates"] == []
    # beta's own card on its own account cannot pay for ivy
    other = account(cb, "ivy", key=beta)["id"]
    st, b = topup(cb, other, "1.00", key=beta, method=card["id"])
    err(st, b, 422, "unknown_method", "method")
    reconcile_ok(cb, key=beta)
    # nothing of ivy's moved
    a = get_account(cb, acc)
    assert (a["balance"], a["held"]) == ("20.00", "2.00"), a
    assert cb.api("GET", "/v1/holds/" + h["id"])[1]["state"] == "open"

    # roles: an agent has no money routes; a customer may only quote
    cb.admin_ok("user", "create", "default", "ann", "agent",
                stdin="ann-pass-phrase\n")
    cb.admin_ok("user", "create", "default", "cid", "customer",
                stdin="cid-pass-phrase\n")
    cb.admin_ok("user", "create", "default", "ola", "operator",
                stdin="ola-pass-phrase\n")
    agent = Session(cb, "ann", "ann-pass-phrase")
    cust = Session(cb, "cid", "cid-pass-phrase")
    oper = Session(cb, "ola", "ola-pass-phrase")
    routes = (("GET", "/v1/accounts", None),
              ("POST", "/v1/accounts", {"name": "sneaky"}),
              ("GET", "/v1/accounts/" + acc, None),
              ("POST", "/v1/accounts/%s/topups" % acc,
               {"amount": "100.00"}),
              ("GET", "/v1/accounts/%s/statement" % acc, None),
              ("POST", "/v1/holds", {"account": acc, "amount": "1.00"}),
              ("POST", "/v1/holds/%s/capture" % h["id"],
               {"amount": "2.00"}),
              ("GET", "/v1/money/settings", None),
              ("PATCH", "/v1/money/settings", {"tax": "50"}),
              ("GET", "/v1/money/reconcile", None),
              ("GET", "/v1/rates", None),
              ("PUT", "/v1/token-services/x",
               {"unit": "session", "price": "1.00"}))
    for who in (agent, cust):
        for method, path, body in routes:
            st, b = who.api(method, path, body)
            err(st, b, 403, "forbidden")
        st, b = cb.api("PUT", "/v1/rates", raw=GOOD.encode(), key=None,
                       headers={"Cookie": who.cookie,
                                "X-CSRF-Token": who.csrf,
                                "Content-Type": "text/csv"})
        err(st, b, 403, "forbidden")
    st, b = agent.api("GET", "/v1/rates/quote?to=+19085551234")
    err(st, b, 403, "forbidden")
    st, q = cust.api("GET", "/v1/rates/quote?to=+19085551234")
    assert st == 200 and q["quotes"][0]["rated"] is True, q
    # an operator of the tenant manages its money (the CSRF token too)
    st, a = oper.api("POST", "/v1/accounts/%s/topups" % acc,
                     {"amount": "1.00"})
    assert st == 201 and a["account"]["balance"] == "21.00", a
    st, b = oper.api("POST", "/v1/accounts/%s/topups" % acc,
                     {"amount": "1.00"}, csrf=False)
    err(st, b, 403, "csrf_failed")
    a = get_account(cb, acc)
    assert (a["balance"], a["held"]) == ("21.00", "2.00"), a
    st, s = cb.api("GET", "/v1/money/settings")
    assert s["tax"] == "0", s
    reconcile_ok(cb)
