import time
from test_cc_runtime import business, request, wait_status, get
import cbtest

def test_pos(cb):
    business(cb, position_s=10)
    r1 = request(cb, "+15550100")
    r2 = request(cb, "+15550112")
    wait_status(cb, r2, "queued")
    time.sleep(12)
    print(get(cb, r2))
    log = cb.log()
    print("\n".join(l for l in log.splitlines() if "tts" in l or "cc " in l or "play" in l))
    assert 0
