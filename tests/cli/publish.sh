#!/bin/bash
# publish.sh - update repositories end to end: publish three releases to a
# directory and to a real nginx (WebDAV, started here on a free loopback
# port, as this user), fetch from every older version and get the newest;
# a tampered, replayed, expired, mixed or foreign index is refused; a
# publisher killed half-way leaves a consistent repository; two publishers
# at once both land; wrong credentials are reported as such.
# usage: publish.sh MVBUILD SRCDIR TMPDIR
set -u
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"

# one clock for the whole run: the directory and nginx repositories must
# then hold the same bytes (the index records when it was written)
NOW=$(date +%s)
NGINX_DIR=
cleanup() { [ -n "$NGINX_DIR" ] && "$SRC/tests/tools/nginx-dav.sh" stop "$NGINX_DIR"; }
trap cleanup EXIT

. "$(dirname "$0")/repo-suite.sh"

# --- a directory repository
L=$T/repo
run_suite dir "$L"
IDX=$L/mps2-an505/fixture/stable/index
OBJ=$L/mps2-an505/fixture/objects
cp "$IDX" "$T/index.v3"
# tampered: one bit of the signed bytes
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[0x90]^=1; open(sys.argv[1],"wb").write(b)' "$IDX"
expect 1 "tampered index" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --state "$T/dir.state" -o "$T/x.mvb"
has err "\[repo-signature\]" "tampered id"
cp "$T/index.v3" "$IDX"
# replayed: the device saw version 4, the mirror serves version 3 again
expect 0 "refresh" -- "$MVB" publish --refresh --board mps2-an505 --app fixture --repo "$L" --sign "$T/k.pem"
has out "index version 4" "refresh bumps the version"
expect 0 "fetch v4" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --state "$T/dir.state" -o "$T/x4.mvb"
cp "$T/index.v3" "$IDX"
expect 1 "replayed index" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --state "$T/dir.state" -o "$T/x.mvb"
has err "\[repo-rollback\]" "replay id"
expect 0 "the same old index without state is accepted (why --state matters)" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" -o "$T/x3.mvb"
# -o must not replace the device's state (or the bundle it runs), even
# through another name, nor create a state file it would then overwrite
cp "$T/dir.state" "$T/dir.state.keep"
expect 2 "fetch -o the state file" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --state "$T/dir.state" -o "$T/dir.state"
has err "fetch: -o '.*dir.state' is the --state file" "state clash named"
expect 2 "fetch -o the state file by another path" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --state "$T/dir.state" -o "$T/../$(basename "$T")/dir.state"
same "$T/dir.state" "$T/dir.state.keep" "the state survives"
expect 2 "fetch -o a state file not written yet" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --state "$T/new.state" -o "$T/./new.state"
if [ -e "$T/new.state" ]; then bad "a refused fetch wrote the state"; else ok; fi
expect 2 "fetch -o the --base bundle" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" --base "$T/r1.mvb" -o "$T/r1.mvb"
has err "is the --base file" "base clash named"
# mixed: the latest's object holds another release's bundle
LATEST=$OBJ/$(sha256sum "$T/r3.mvb" | cut -d' ' -f1).mvb
cp "$LATEST" "$T/latest.keep" && cp "$T/r2.mvb" "$LATEST"
expect 1 "mixed object" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
has err "\[repo-object\]" "mixed id"
expect 1 "mixed object, json" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["action"]=="refused" and "repo-object" in [f["id"] for f in d["findings"]] and d["index"]["version"]==3 and d["download"]["kind"]=="full" and d["output"] is None' "$T/out"; then ok; else bad "mixed object: refused json"; fi
if [ -e "$T/x.mvb" ]; then bad "a refused object was written"; else ok; fi
rm "$LATEST"
expect 1 "missing object" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
has err "$LATEST: error: the index names this object, but the repository does not have it \[repo-object\]" "missing object: id"
expect 1 "nothing published" -- "$MVB" fetch --repo "$L" --app fixture --channel beta --key "$T/k.pub.pem" -o "$T/x.mvb" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="refused" and [f["id"] for f in d["findings"]]==["repo-missing"] and d["index"] is None' "$T/out"; then ok; else bad "nothing published: refused json"; fi
expect 1 "releases of a channel with no index" -- "$MVB" releases --repo "$L" --board mps2-an505 --app fixture --channel beta
has err "\[repo-missing\]" "releases: no index id"
# endless data: a longer object is cut at the size the index gives
cat "$T/latest.keep" "$T/r1.mvb" >"$LATEST"
expect 1 "oversized object" -- "$MVB" fetch --repo "$L" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
cp "$T/latest.keep" "$LATEST"
head -c 300 "$T/index.v3" >"$IDX"
expect 1 "truncated index" -- "$MVB" releases --repo "$L"
has err "\[repo-truncated\]" "truncated id"
expect 1 "truncated index, json" -- "$MVB" releases --repo "$L" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["repo"] and [f["id"] for f in d["findings"]]==["repo-truncated"]' "$T/out"; then ok; else bad "releases refusal json"; fi
cp "$T/index.v3" "$IDX"
expect 0 "releases walks the directory" -- "$MVB" releases --repo "$L"
has out "mps2-an505/fixture channel 'stable'" "walk"

# --- no downgrade: the release the device runs bounds what fetch accepts
D=$T/down
DIDX=$D/mps2-an505/fixture/stable/index
expect 0 "down: publish 1.1.0" -- "$MVB" publish "$T/r1.mvb" --repo "$D" --sign "$T/k.pem"
cp "$DIDX" "$T/down.v1"
expect 0 "down: publish 1.3.0" -- "$MVB" publish "$T/r3.mvb" --repo "$D" --sign "$T/k.pem"
cp "$DIDX" "$T/down.v2"
# an old index (validly signed, not expired) that lists only 1.1.0, and a
# device with no state file yet: the counter of --base still bounds it
cp "$T/down.v1" "$DIDX"
rm -f "$T/down.out" "$T/down.state"
expect 1 "down: old index refused over --base 1.3.0" -- "$MVB" fetch --repo "$D" --app fixture --base "$T/r3.mvb" --key "$T/k.pub.pem" --state "$T/down.state" -o "$T/down.out"
has err "\[repo-downgrade\]" "down: lower counter id"
has err "security counter 1, below 3 of 1.3.0" "down: both counters named"
if [ -e "$T/down.out" ] || [ -e "$T/down.state" ]; then bad "down: a refused fetch wrote its output or the state"; else ok; fi
expect 1 "down: --allow-downgrade never lowers the counter" -- "$MVB" fetch --repo "$D" --app fixture --base "$T/r3.mvb" --allow-downgrade --key "$T/k.pub.pem" -o "$T/down.out"
has err "\[repo-downgrade\]" "down: counter refusal not overridden"
# --have names a version the index does not list: no counter, but the version bounds it
expect 1 "down: old index refused over --have 1.3.0" -- "$MVB" fetch --repo "$D" --app fixture --have 1.3.0 --key "$T/k.pub.pem" -o "$T/down.out"
has err "index: offset 0x80: error: the channel's latest release, 1.1.0, is older than 1.3.0, which the device runs \[repo-older\]" "down: older id and where"
expect 1 "down: refused, json" -- "$MVB" fetch --repo "$D" --app fixture --have 1.3.0 --key "$T/k.pub.pem" --dry-run --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="refused" and [f["id"] for f in d["findings"]]==["repo-older"] and d["download"] is None' "$T/out"; then ok; else bad "down: refused json"; fi
expect 0 "down: --have 1.3.0 --allow-downgrade" -- "$MVB" fetch --repo "$D" --app fixture --have 1.3.0 --allow-downgrade --key "$T/k.pub.pem" -o "$T/down.out"
same "$T/down.out" "$T/r1.mvb" "down: the older release, asked for"
# a release that goes back to an older version with a higher counter:
# fetched only when asked for
cp "$T/down.v2" "$DIDX"
"$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.0.5 --security-counter 7 -o "$T/back.mvb" 2>/dev/null || exit 1
expect 0 "down: publish 1.0.5 with counter 7" -- "$MVB" publish "$T/back.mvb" --repo "$D" --sign "$T/k.pem"
expect 1 "down: 1.0.5 refused over 1.3.0" -- "$MVB" fetch --repo "$D" --app fixture --base "$T/r3.mvb" --key "$T/k.pub.pem" -o "$T/down.out"
has err "\[repo-older\]" "down: older version id"
expect 0 "down: 1.0.5 over 1.3.0 with --allow-downgrade" -- "$MVB" fetch --repo "$D" --app fixture --base "$T/r3.mvb" --allow-downgrade --key "$T/k.pub.pem" -o "$T/down.out"
has out "fetched fixture 1.0.5 (security counter 7)" "down: the rollback release"
expect 0 "down: the same by --have, as a full bundle" -- "$MVB" fetch --repo "$D" --app fixture --have 1.3.0 --allow-downgrade --key "$T/k.pub.pem" -o "$T/down.out"
same "$T/down.out" "$T/back.mvb" "down: the rollback release's bytes"
expect 0 "down: up to date on 1.0.5" -- "$MVB" fetch --repo "$D" --app fixture --base "$T/back.mvb" --key "$T/k.pub.pem" -o "$T/down.none"
has out "nothing to download" "down: the running release is not fetched again"

# --- the publishing clock: SOURCE_DATE_EPOCH, kept set by a CI job for its
# builds, does not date the index back (devices would refuse it as expired)
expect 0 "SOURCE_DATE_EPOCH is not publish's clock" -- env SOURCE_DATE_EPOCH=1000000000 "$MVB" publish "$T/r1.mvb" --repo "$T/sde" --sign "$T/k.pem" --format json
if python3 -c 'import json,sys,time,calendar; d=json.load(open(sys.argv[1])); assert abs(calendar.timegm(time.strptime(d["index"]["published"], "%Y-%m-%dT%H:%M:%SZ")) - time.time()) < 600' "$T/out"; then ok; else bad "the index is stamped with the clock"; fi
expect 0 "an index published under SOURCE_DATE_EPOCH is accepted" -- "$MVB" fetch --repo "$T/sde" --app fixture --key "$T/k.pub.pem" --dry-run
expect 2 "--now that gives an index expired when written" -- "$MVB" publish "$T/r2.mvb" --repo "$T/sde" --sign "$T/k.pem" --now 1000000000
has err "the index would have expired (2001-10-.*) before it is written" "expired when written: said so"
expect 0 "--now within the lifetime" -- "$MVB" publish "$T/r2.mvb" --repo "$T/sde" --sign "$T/k.pem" --now $((NOW - 86400)) --expires 2d

# --- layers against the board's partitions: a validly signed bundle whose
# app layer sits over the app header is not published
python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I", b, 64 + 192 + 96 + 4, 0x10022000); open(sys.argv[2],"wb").write(b)' "$T/r1.mvb" "$T/misplaced-u.mvb"
"$MVB" sign "$T/misplaced-u.mvb" --key "$T/k.pem" -o "$T/misplaced.mvb" >/dev/null 2>&1 || bad "sign the misplaced bundle"
expect 1 "misplaced layer not published" -- "$MVB" publish "$T/misplaced.mvb" --repo "$T/mp" --sign "$T/k.pem"
has err "misplaced.mvb: address (0x10022000-0x1002....): offset 0x164: error: app layer starts at 0x10022000, but board 'mps2-an505' installs it at 0x00200000, the start of 'app_flash' \[bundle-layer-start\]" "misplaced: id and where"
if [ -e "$T/mp" ]; then bad "a refused bundle created the repository"; else ok; fi
expect 1 "misplaced layer not published, json" -- "$MVB" publish "$T/misplaced.mvb" --repo "$T/mp" --sign "$T/k.pem" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["command"]=="publish" and [f["id"] for f in d["findings"]]==["bundle-layer-start"] and d["errors"]==1' "$T/out"; then ok; else bad "publish refusal json"; fi

# --- a server that answers with headers, then trickles one byte a second:
# every request has a deadline for the whole reply (--timeout), not only
# a low-speed limit that such a server can stay above
cat >"$T/trickle.py" <<'PY'
import socket, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    try:
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100000):
            c.sendall(b"x")
            time.sleep(1)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
rm -f "$T/trickle.port"
python3 "$T/trickle.py" "$T/trickle.port" &
TRICKLE=$!
for _ in $(seq 100); do [ -s "$T/trickle.port" ] && break; sleep 0.05; done
TU=http://127.0.0.1:$(cat "$T/trickle.port")/fleet
t0=$(date +%s%N)
expect 3 "fetch from a trickling server: --timeout 2" -- timeout 60 "$MVB" fetch --repo "$TU" --app fixture --key "$T/k.pub.pem" -o "$T/trickle.mvb" --timeout 2
ms=$((($(date +%s%N) - t0) / 1000000))
has err "cannot download '$TU/mps2-an505/fixture/stable/index': no complete reply within 2 s (--timeout)" "the URL and the deadline named"
if [ "$ms" -ge 2000 ] && [ "$ms" -le 6000 ]; then ok; else bad "trickling server: fetch took $ms ms, want 2-6 s"; fi
if [ ! -e "$T/trickle.mvb" ]; then ok; else bad "a timed-out fetch wrote its output"; fi
t0=$(date +%s%N)
expect 3 "releases from a trickling server: --timeout 2" -- timeout 60 "$MVB" releases --repo "$TU" --board mps2-an505 --app fixture --timeout 2
ms=$((($(date +%s%N) - t0) / 1000000))
has err "no complete reply within 2 s (--timeout)" "releases names the deadline"
if [ "$ms" -ge 2000 ] && [ "$ms" -le 6000 ]; then ok; else bad "trickling server: releases took $ms ms, want 2-6 s"; fi
expect 3 "publish to a trickling server: --timeout 2" -- timeout 60 "$MVB" publish "$T/r1.mvb" --repo "$TU" --sign "$T/k.pem" --timeout 2
has err "no complete reply within 2 s" "publish names the deadline"
kill "$TRICKLE"; wait "$TRICKLE" 2>/dev/null
expect 2 "--timeout 0" -- "$MVB" fetch --repo "$TU" --app fixture --key "$T/k.pub.pem" -o "$T/trickle.mvb" --timeout 0
has err "--timeout must be 1..86400 seconds" "--timeout range named"

# --- a real nginx with its WebDAV module on a free loopback port
N=$T/nginx
if ! PORT=$("$SRC/tests/tools/nginx-dav.sh" start "$N"); then
	bad "no nginx to publish to"
else
	NGINX_DIR=$N
	U=http://127.0.0.1:$PORT/fleet
	run_suite http "$U"
	if cmp -s "$T/dir.releases.json" <(sed "s|$U|$L|" "$T/http.releases.json"); then ok; else bad "directory and nginx repositories differ"; fi
	NIDX=$N/root/fleet/mps2-an505/fixture/stable/index

	# a publisher killed half-way through an upload (slowed to 2 KB/s)
	cp "$NIDX" "$T/nidx.before"
	MVBUILD_TEST_UPLOAD_BPS=2000 "$MVB" publish "$T/r4.mvb" --repo "$U" --sign "$T/k.pem" --deltas 0 >"$T/kill.out" 2>&1 &
	P=$!
	# the lock is taken, the object (8.5 KB at 2 KB/s) is on its way
	for _ in $(seq 600); do [ -e "$N/root/fleet/mps2-an505/fixture/stable/lock/owner" ] && break; sleep 0.05; done
	sleep 1
	if kill -0 $P 2>/dev/null && grep -q "PUT /fleet/mps2-an505/fixture/stable/lock/owner" "$N/logs/access.log"; then ok; else bad "the publisher was not uploading when killed"; fi
	kill -9 $P; wait $P 2>/dev/null
	sleep 0.3
	same "$NIDX" "$T/nidx.before" "index untouched by a killed publish"
	if [ -e "$N/root/fleet/mps2-an505/fixture/objects/$(sha256sum "$T/r4.mvb" | cut -d' ' -f1).mvb" ]; then bad "a half-uploaded object is visible"; else ok; fi
	expect 0 "fetch after the kill" -- "$MVB" fetch --repo "$U" --app fixture --key "$T/k.pub.pem" -o "$T/k3.mvb"
	same "$T/k3.mvb" "$T/r3.mvb" "repository consistent after the kill"
	expect 3 "the dead publisher's lock is reported" -- "$MVB" publish "$T/r4.mvb" --repo "$U" --sign "$T/k.pem" --lock-wait 1
	has err "locked by another publisher (host .* pid $P since" "lock owner named"
	expect 0 "--break-lock" -- "$MVB" publish "$T/r4.mvb" --repo "$U" --sign "$T/k.pem" --break-lock
	expect 0 "fetch 1.4.0" -- "$MVB" fetch --repo "$U" --app fixture --key "$T/k.pub.pem" -o "$T/k4.mvb"
	same "$T/k4.mvb" "$T/r4.mvb" "release after the broken lock"

	# two publishers at once: the second waits for the first's lock
	MVBUILD_TEST_UPLOAD_BPS=4000 "$MVB" publish "$T/r5.mvb" --repo "$U" --sign "$T/k.pem" --deltas 0 >"$T/a.out" 2>&1 &
	A=$!
	for _ in $(seq 600); do [ -d "$N/root/fleet/mps2-an505/fixture/stable/lock" ] && break; sleep 0.05; done
	"$MVB" publish "$T/r6.mvb" --repo "$U" --sign "$T/k.pem" --deltas 0 >"$T/b.out" 2>&1 &
	B=$!
	wait $A; ra=$?
	wait $B; rb=$?
	if [ "$ra$rb" = 00 ]; then ok; else bad "concurrent publishers: exit $ra and $rb"; cat "$T/a.out" "$T/b.out"; fi
	if grep -q "waiting for another publisher" "$T/b.out"; then ok; else bad "the second publisher did not wait"; cat "$T/b.out"; fi
	"$MVB" releases --repo "$U" --board mps2-an505 --app fixture --format json >"$T/c.json"
	if python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["channels"][0]; v=[r["version"] for r in c["releases"]]; assert v[-2:]==["1.5.0","1.6.0"], v; assert c["index_version"]==6, c["index_version"]' "$T/c.json"; then ok; else bad "a concurrent release was lost"; cat "$T/c.json"; fi
	if [ -d "$N/root/fleet/mps2-an505/fixture/stable/lock" ]; then bad "lock left behind"; else ok; fi

	# credentials
	expect 3 "wrong credentials" -- env MVBUILD_REPO_AUTH=ci:wrong "$MVB" publish "$T/r1.mvb" --repo "http://127.0.0.1:$PORT/auth/repo" --sign "$T/k.pem"
	has err "refused the credentials (HTTP 401)" "auth message"
	expect 0 "right credentials" -- env MVBUILD_REPO_AUTH=ci:secret "$MVB" publish "$T/r1.mvb" --repo "http://127.0.0.1:$PORT/auth/repo" --sign "$T/k.pem"
	expect 3 "no server" -- "$MVB" fetch --repo "http://127.0.0.1:1/none" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
fi

echo "publish: $pass passed, $fail failed"
[ "$fail" = 0 ]
