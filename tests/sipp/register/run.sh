#!/bin/sh
# tests/sipp/register/run.sh -- SIPp REGISTER scenarios against the
# registrar harness (harness.c), over UDP and TCP, on loopback.
#
#   make build/libcb.a && tests/sipp/register/run.sh
#
# Prints one line per scenario and exits non-zero if any failed.  SIPp's
# error logs are kept in $OUT (default /tmp/cb-sipp-register).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
here="$top/tests/sipp/register"
OUT=${OUT:-/tmp/cb-sipp-register}
PORT=${PORT:-5562}
SPORT=${SPORT:-5570}
mkdir -p "$OUT" && rm -f "$OUT"/*.err "$OUT"/*.out

pkgs="libre librem libsodium"
cc -std=c11 -O1 -g -Wall -Wextra -Werror -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H \
   -DRELEASE -DUSE_OPENSSL -D_GNU_SOURCE -I"$top/include" -I"$top/src" \
   $(pkg-config --cflags $pkgs) -o "$OUT/harness" "$here/harness.c" \
   "$top/build/libcb.a" $(pkg-config --libs $pkgs) -lpthread -lm || exit 1

"$OUT/harness" "$PORT" >"$OUT/harness.out" 2>"$OUT/harness.log" &
hpid=$!
trap 'kill $hpid 2>/dev/null' EXIT INT TERM
i=0
until grep -q ready "$OUT/harness.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "harness did not start"; exit 1; }
	sleep 0.1
done

fail=0
run() {   # transport scenario user password
	( cd "$OUT" && timeout 20 sipp -sf "$here/$2.xml" "127.0.0.1:$PORT" \
		-t "$1" -i 127.0.0.1 -p "$SPORT" -s alice -au "$3" -ap "$4" \
		-m 1 -nostdin -trace_err \
		-error_file "$OUT/$2-$1.err" >"$OUT/$2-$1.out" 2>&1 )
	rc=$?
	if [ $rc -eq 0 ]; then echo "ok   $2 ($1)"
	else echo "FAIL $2 ($1) rc=$rc, see $OUT/$2-$1.err"; fail=1; fi
}

for t in u1 t1; do
	run $t register_auth      alice s3cret
	run $t register_badpass   alice wrong
	run $t register_brief     alice s3cret
	run $t register_forbidden bob   hunter2
	run $t register_malformed alice s3cret
	run $t register_devices   alice s3cret
done

kill $hpid; wait $hpid 2>/dev/null
trap - EXIT INT TERM
# every scenario leaves alice with no binding
if ! grep -q "registrar: 0 bindings" "$OUT/harness.out"; then
	echo "FAIL bindings left:"; cat "$OUT/harness.out"; fail=1
fi
exit $fail
