"""docs/openapi.yaml against the implementation: the route tables of
src/api/routes.c and the spec list the same routes (method and path, and
which ones need no credentials), and every error status the spec gives for
POST /v1/calls is one the running daemon answers, with the one error
shape."""

import os
import re
import uuid

import yaml

import cbtest

ROUTES_C = os.path.join(cbtest.ROOT, "src", "api", "routes.c")
SPEC = os.path.join(cbtest.ROOT, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def router_routes():
    """{(METHOD, pattern, every {..} segment as {}): public?} from every
    route table of routes.c (routes[] of the API, pages[] of the web
    console: the router answers both)"""
    with open(ROUTES_C) as f:
        src = f.read()
    tables = re.findall(r"static const struct route \w+\[\]\s*=\s*\{"
                        r"(.*?)\n\};", src, re.S)
    assert tables, "no route table in routes.c"
    out = {}
    for table in tables:
        for m in re.finditer(r'\{\s*"([A-Z]+)",\s*"([^"]+)",(.*?)'
                             r'(API_PUBLIC|API_AUTH)\s*\}', table, re.S):
            pattern = re.sub(r"\{[^}]*\}", "{}", m.group(2))
            out[(m.group(1), pattern)] = m.group(4) == "API_PUBLIC"
    assert len(out) >= 10, out
    return out


def spec():
    with open(SPEC) as f:
        return yaml.safe_load(f)


def spec_routes(doc):
    """{(METHOD, path with {} segments): public?} from the spec"""
    out = {}
    for path, item in doc["paths"].items():
        norm = re.sub(r"\{[^}]*\}", "{}", path)
        for met, op in item.items():
            if met in METHODS:
                out[(met.upper(), norm)] = op.get("security") == []
    return out


def test_spec_matches_router():
    doc = spec()
    assert doc["openapi"].startswith("3.0")
    router, documented = router_routes(), spec_routes(doc)
    missing = sorted(set(router) - set(documented))
    extra = sorted(set(documented) - set(router))
    assert not missing, "routes not in docs/openapi.yaml: %s" % missing
    assert not extra, "documented but not routed: %s" % extra
    wrong = sorted(r for r in router if router[r] != documented[r])
    assert not wrong, "public in one, authenticated in the other: %s" % \
        wrong


def test_spec_is_consistent():
    """every $ref resolves, every error response uses the Error shape,
    every path parameter is declared"""
    doc = spec()

    def resolve(ref):
        node = doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)

    err_ref = "#/components/schemas/Error"
    # /readyz says which part is down, in its own shape
    own_shape = {("get", "/readyz", "503")}
    for path, item in doc["paths"].items():
        names = set(re.findall(r"\{([^}]*)\}", path))
        for met, op in item.items():
            if met not in METHODS:
                continue
            params = [resolve(p["$ref"]) if "$ref" in p else p
                      for p in item.get("parameters", []) +
                      op.get("parameters", [])]
            assert names == {p["name"] for p in params
                             if p["in"] == "path"}, (met, path)
            for code, resp in op["responses"].items():
                if "$ref" in resp:
                    resp = resolve(resp["$ref"])
                if int(code) >= 400 and \
                        (met, path, code) not in own_shape:
                    schema = resp["content"]["application/json"]["schema"]
                    assert schema == {"$ref": err_ref}, (met, path, code)
            if op.get("security") != []:
                assert "401" in op["responses"], (met, path)


def is_error(body, code=None, field=None):
    assert isinstance(body, dict) and set(body) == {"error"}, body
    e = body["error"]
    assert isinstance(e.get("code"), str) and e["code"], body
    assert isinstance(e.get("message"), str) and e["message"], body
    assert set(e) <= {"code", "message", "field"}, body
    if code:
        assert e["code"] == code, body
    if field:
        assert e.get("field") == field, body
    return True


def test_create_call_error_statuses(tmp_path, cb):
    """Each error status documented for POST /v1/calls, reached."""
    reached = set()

    def expect(status, code, field=None, **kw):
        st, body = cb.api("POST", kw.pop("path", "/v1/calls"), **kw)
        assert st == status, (status, code, st, body)
        assert is_error(body, code, field)
        reached.add(status)

    # 400: validation, naming the field; malformed JSON; no body
    expect(400, "missing_field", "to", body={"from": "+15550100"})
    expect(400, "invalid_field", "to", body={"to": 15550100})
    expect(400, "invalid_field", "from", body={"to": "+15550101",
                                               "from": "x" * 257})
    expect(400, "invalid_field", "ring_timeout",
           body={"to": "+15550101", "ring_timeout": 601})
    expect(400, "invalid_field", "status_callback",
           body={"to": "+15550101", "status_callback": "ftp://x/"})
    expect(400, "invalid_field", "play", body={"to": "+15550101",
                                               "play": "../etc/passwd"})
    expect(400, "invalid_json", raw=b'{"to": "+15550101"')
    expect(400, "invalid_json", raw=b'["+15550101"]')
    expect(400, "missing_body", raw=b"")
    # 401: no key, a wrong key
    expect(401, "unauthorized", body={"to": "+15550101"}, key=None)
    expect(401, "unauthorized", body={"to": "+15550101"},
           key="cbk_nope_nope")
    # 403: a cookie session without its CSRF token
    cb.admin_ok("user", "create", "default", "ops", "operator",
                stdin="a long pass phrase\n")
    st, body, hdrs = cb.api("POST", "/v1/auth/login",
                            {"login": "ops",
                             "password": "a long pass phrase"},
                            key=None, full=True)
    assert st == 200, body
    cookie = hdrs["Set-Cookie"].split(";", 1)[0]
    expect(403, "csrf_failed", body={"to": "+15550101"}, key=None,
           headers={"Cookie": cookie})
    # 404 and 405: the router's answers next to the route
    expect(404, "not_found", path="/v1/call", body={"to": "+15550101"})
    expect(404, "not_found", path="/v1/calls/nosuchcall/legs/x/dtmf",
           body={"digits": "1"})
    st, body = cb.api("PUT", "/v1/calls", {"to": "+15550101"})
    assert st == 405 and is_error(body, "method_not_allowed"), body
    expect(405, "method_not_allowed", path="/v1/calls/abc",
           body={"to": "+15550101"})
    # 413, 415
    expect(413, "body_too_large",
           raw=b'{"to": "+15550101", "from": "' + b"x" * 70000 + b'"}')
    expect(415, "unsupported_media_type", raw=b"to=%2B15550101",
           headers={"Content-Type": "application/x-www-form-urlencoded"})
    # 422: not a valid number; both bridge_to and play
    expect(422, "invalid_number", "to", body={"to": "+12"})
    expect(422, "conflicting_fields", "play",
           body={"to": "+15550101", "bridge_to": "+15550100",
                 "play": "hello.wav"})
    # 402: a billed call its account cannot cover (docs/money.md)
    rates = os.path.join(cb.tmpdir, "rates.csv")
    with open(rates, "w") as f:
        f.write("prefix,name,per_min,connect_fee,min_charge,first_s,"
                "next_s\n1555,Simnet,0.60,0,0,1,1\n")
    cb.admin_ok("money", "rates", "import", "default", rates)
    cb.admin_ok("money", "account", "create", "default", "broke",
                "customer", "0")
    expect(402, "insufficient_funds", "billing.account",
           body={"to": "+15550101", "billing": {"account": "broke"}})
    assert cb.calls() == [], "a refused POST placed a call"

    # 409: one Idempotency-Key, two different requests; the first one is
    # a real call (to a number that rings), hung up afterwards
    key = {"Idempotency-Key": "openapi-" + uuid.uuid4().hex}
    st, first = cb.api("POST", "/v1/calls", {"to": "+15550103"},
                       headers=key)
    assert st == 201 and first["id"], first
    st, again = cb.api("POST", "/v1/calls", {"to": "+15550103"},
                       headers=key)
    assert st == 201 and again["id"] == first["id"], again
    expect(409, "idempotency_key_reused", "Idempotency-Key",
           body={"to": "+15550101"}, headers=key)
    assert [c["id"] for c in cb.calls()] == [first["id"]]
    st, _ = cb.api("DELETE", "/v1/calls/" + first["id"])
    assert st == 200
    cbtest.wait_for(lambda: (lambda c: not c or all(
        leg["state"] == "ended" for leg in c["legs"]))(cb.call(first["id"])),
        what="the call to end")

    # everything the spec documents as reachable was reached
    op = spec()["paths"]["/v1/calls"]["post"]
    documented = {int(c) for c in op["responses"] if int(c) >= 400}
    # 500 (internal) and 503 (capacity, store down) need a broken daemon
    assert documented - {500, 503} <= reached, documented - reached
    assert {400, 401, 403, 409, 413, 415, 422} <= documented
