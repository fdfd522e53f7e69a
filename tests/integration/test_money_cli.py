"""`callbridge admin money ...` as an operator uses it: rate tables from
CSV (errors numbered by line, nothing imported), quotes, accounts, top-ups
that post once per idempotency key, statements and reconcile."""

import os

import cbtest

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


def money(conf, *args, stdin=None):
    return cbtest.admin_cli(conf, "money", *args, stdin=stdin)


def store_conf(tmp_path):
    conf = os.path.join(str(tmp_path), "cb.conf")
    with open(conf, "w") as f:
        f.write("store.path %s\n" % os.path.join(str(tmp_path), "cb.db"))
    rc, out, err = cbtest.admin_cli(conf, "tenant", "create", "acme")
    assert rc == 0, err
    return conf


def test_rates_csv_errors_by_line_and_nothing_imported(tmp_path):
    conf = store_conf(tmp_path)
    good = os.path.join(str(tmp_path), "rates.csv")
    with open(good, "w") as f:
        f.write(GOOD)
    rc, out, err = money(conf, "rates", "import", "acme", good)
    assert rc == 0, err
    assert "3 rates imported" in out

    rc, out, err = money(conf, "quote", "acme", "+19085551234",
                         "+447700900123")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split("\t")[1:3] == ["1908", "New Jersey, US"]
    assert "0.01/min" in lines[0]
    assert lines[1].split("\t")[1] == "44"
    # 10 minutes each: 0.105 + 3.00, rounded up to the cent
    assert lines[2].startswith("hold\t3.11 USD")

    rc, out, err = money(conf, "rates", "import", "acme", "-", stdin=BAD)
    assert rc == 1
    assert "-:3: per_min: negative amount" in err
    assert "-:4: per_min: '1e3' is not a decimal amount" in err
    assert "-:5: 6 fields, want 7" in err
    assert "-:2:" not in err
    assert "nothing imported" in err
    # France (line 2 was valid) was not imported; the old table answers
    rc, out, err = money(conf, "quote", "acme", "+33123456789")
    assert rc == 1 and "no rate" in err
    rc, out, _ = money(conf, "rates", "export", "acme")
    assert rc == 0 and out == GOOD.replace("0.30", "0.3")   # shortest


def test_topup_posts_once_per_key_and_reconciles(tmp_path):
    conf = store_conf(tmp_path)
    rc, out, err = money(conf, "account", "create", "acme", "alice")
    assert rc == 0, err
    rc, out, err = money(conf, "account", "topup", "acme", "alice",
                         "25.00", "receipt-1")
    assert rc == 0, err
    assert "25.00 USD" in out
    rc, out, err = money(conf, "account", "topup", "acme", "alice",
                         "25.00", "receipt-1")
    assert rc == 0 and "already posted" in out
    assert "\t25.00 USD" in out
    rc, out, err = money(conf, "account", "topup", "acme", "alice",
                         "30.00", "receipt-1")
    assert rc == 1 and "another request" in err
    for bad in ("-5", "0", "1e3", "0.0000001", "100000000001", "abc"):
        rc, out, err = money(conf, "account", "topup", "acme", "alice",
                             bad)
        assert rc != 0, bad
    rc, out, err = money(conf, "account", "balance", "acme", "alice")
    assert rc == 0 and "\t25.00 USD" in out

    rc, out, err = money(conf, "account", "statement", "acme", "alice")
    assert rc == 0, err
    rows = out.splitlines()[1:]
    assert len(rows) == 1
    assert rows[0].split("\t")[3:6] == ["topup", "25.00", "25.00"]

    rc, out, err = money(conf, "reconcile", "all")
    assert rc == 0, err
    assert "reconcile ok" in out
    assert "sum of entries 0" in out


def test_unknown_currency_and_settings_refused(tmp_path):
    conf = store_conf(tmp_path)
    rc, _, err = money(conf, "tenant", "set", "acme", "currency=XYZ")
    assert rc == 1 and "currency" in err
    rc, _, err = money(conf, "tenant", "set", "acme", "tax=101")
    assert rc == 1
    rc, _, err = money(conf, "tenant", "set", "acme", "colour=blue")
    assert rc == 1 and "unknown setting" in err
    rc, out, err = money(conf, "tenant", "set", "acme", "currency=EUR",
                         "tax=19", "conf_min=5")
    assert rc == 0, err
    assert "currency\tEUR" in out and "tax\t19" in out
    rc, out, err = money(conf, "account", "create", "acme", "bob")
    assert rc == 0 and out.strip().endswith("EUR")
    # the tenant has accounts now: its currency stays
    rc, _, err = money(conf, "tenant", "set", "acme", "currency=USD")
    assert rc == 1 and "accounts" in err
    rc, _, err = money(conf, "quote", "nosuch", "+1908")
    assert rc == 1 and "no tenant" in err
    rc, _, err = money(conf, "frobnicate")
    assert rc == 2
