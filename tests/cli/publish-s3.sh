#!/bin/bash
# publish-s3.sh - S3 repositories against a real S3 server: Debian's radosgw
# on a one-node Ceph (tests/tools/s3-server.sh), one server for every case.
# The suite of publish.sh (publish, refusals, releases, fetch from every
# older version) against s3://; the same repository read by plain GETs
# without credentials (its https:// URL, as devices read it) and by serve;
# what the objects carry (public-read, Cache-Control); a tampered object
# and index and a replayed index refused; a publisher killed mid-upload; two
# publishers at once (the loser says so with status 5 and its re-run
# lands: no release lost); credentials (a file, wrong, missing, never
# shown).
# usage: publish-s3.sh MVBUILD SRCDIR TMPDIR DEVSIM
set -u
MVB=$1 SRC=$2 T=$3 SIM=$4
. "$(dirname "$0")/lib.sh"

S3=$SRC/tests/tools/s3-server.sh SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null
	"$S3" stop "$T/s3"
}
trap cleanup EXIT
NOW=$(date +%s)
. "$(dirname "$0")/repo-suite.sh"

t0=$(date +%s)
env=$("$S3" start "$T/s3" repo) || { echo "FAIL: the S3 server did not start"; exit 1; }
echo "S3 server up in $(($(date +%s) - t0)) s"
eval "$env"
E=$AWS_ENDPOINT_URL

# put KEY FILE / get KEY FILE: the bucket's bytes behind mvbuild's back,
# signed as s3-server.sh's check signs them
put() {
	curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: $(sha256sum <"$2" | cut -c1-64)" -H 'x-amz-acl: public-read' -T "$2" "$E/repo/$1"
}
get() { curl -sS -o "$2" -w '%{http_code}' "$E/repo/$1"; }
# anon COMMAND...: without any credentials
anon() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_SHARED_CREDENTIALS_FILE -u AWS_PROFILE HOME="$T/nohome" "$@"; }
releases_json() { "$MVB" releases --repo "$1" --board mps2-an505 --app fixture --format json; }

# --- the suite, and a directory repository published with the same clock to compare
R=s3://repo/fleet
run_suite s3 "$R"
L=$T/dir
for i in 1 2 3; do "$MVB" publish --now "$NOW" "$T/r$i.mvb" --repo "$L" --sign "$T/k.pem" >/dev/null 2>&1; done
if cmp -s <(releases_json "$L" | sed "s|$L|R|") <(releases_json "$R" | sed "s|$R|R|"); then ok; else bad "directory and S3 repositories differ"; fi
P=fleet/mps2-an505/fixture
IDX=$P/stable/index
LATEST=$P/objects/$(sha256sum "$T/r3.mvb" | cut -c1-64).mvb
[ "$(get "$IDX" "$T/idx.v3")" = 200 ] && ok || bad "plain GET of the index"
same "$T/idx.v3" "$L/mps2-an505/fixture/stable/index" "the S3 index is the directory's, byte for byte"

# --- read as devices read it: plain GETs, no credentials
U=$E/repo/fleet
expect 0 "fetch by the bucket's URL, no credentials" -- anon "$MVB" fetch --repo "$U" --app fixture --base "$T/r1.mvb" --key "$T/k.pub.pem" -o "$T/u.mvb"
has out "delta from 1.1.0" "URL: the delta"
expect 0 "fetch s3:// with no credentials (unsigned GETs)" -- anon "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" -o "$T/a.mvb"
same "$T/a.mvb" "$T/r3.mvb" "unsigned s3:// fetch"
expect 0 "releases by URL, no credentials" -- anon "$MVB" releases --repo "$U" --board mps2-an505 --app fixture --key "$T/k.pub.pem"
has out "index version 3" "URL: releases"
curl -sS -D "$T/h.obj" -o /dev/null "$E/repo/$LATEST"
curl -sS -D "$T/h.idx" -o /dev/null "$E/repo/$IDX"
if grep -qi '^HTTP/1.1 200' "$T/h.obj" && grep -qi '^cache-control: public, max-age=31536000, immutable' "$T/h.obj"; then ok; else bad "object: public-read and immutable"; cat "$T/h.obj"; fi
if grep -qi '^HTTP/1.1 200' "$T/h.idx" && grep -qi '^cache-control: public, max-age=60' "$T/h.idx"; then ok; else bad "index: public-read and 60 s"; cat "$T/h.idx"; fi

# --- serve reads s3:// (devsim compares what it gets with the directory's files)
start_sim() {
	rm -f "$T/port"
	"$SIM" --port-file "$T/port" "$@" --log "$T/sim.log" 2>"$T/sim.err" &
	SIMPID=$!
	for _ in $(seq 1500); do [ -s "$T/port" ] && break; sleep 0.02; done
}
sim_ok() {
	wait "$SIMPID"
	local st=$?
	SIMPID=
	if [ "$st" = 0 ]; then ok; else bad "$1: devsim exit $st"; sed 's/^/  | /' "$T/sim.err" | head -20; fi
}
start_sim --repo "$L" --mode update --have 1.1.0
expect 0 "serve from s3://" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$(cat "$T/port")" --once --timeout 30
sim_ok "serve from s3://"
has err "installed 1.3.0 as a delta" "serve s3: delta installed"
start_sim --repo "$L" --mode update
expect 0 "serve from the bucket's URL, no credentials" -- anon "$MVB" serve --repo "$U" --device "tcp:127.0.0.1:$(cat "$T/port")" --once --timeout 30
sim_ok "serve from the URL"

# --- tampered: an object and the index changed in the bucket
cp "$T/r2.mvb" "$T/mixed.mvb"
[ "$(put "$LATEST" "$T/mixed.mvb")" = 200 ] || bad "cannot tamper with the object"
expect 1 "tampered object (another release's bytes)" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
has err "\[repo-object\]" "tampered object: id"
if [ -e "$T/x.mvb" ]; then bad "a refused object was written"; else ok; fi
expect 1 "tampered object, by URL" -- anon "$MVB" fetch --repo "$U" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
has err "\[repo-object\]" "tampered object by URL: id"
[ "$(put "$LATEST" "$T/r3.mvb")" = 200 ] || bad "cannot restore the object"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[0x90]^=1; open(sys.argv[2],"wb").write(b)' "$T/idx.v3" "$T/idx.bad"
[ "$(put "$IDX" "$T/idx.bad")" = 200 ] || bad "cannot tamper with the index"
expect 1 "tampered index" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
has err "\[repo-signature\]" "tampered index: id"
expect 1 "publish over a tampered index refuses to replace it" -- "$MVB" publish "$T/r4.mvb" --repo "$R" --sign "$T/k.pem"
has err "is not one this key signed" "publish: tampered index named"
[ "$(put "$IDX" "$T/idx.v3")" = 200 ] || bad "cannot restore the index"

# --- replayed: the device saw version 4, the bucket serves version 3 again
expect 0 "refresh" -- "$MVB" publish --refresh --board mps2-an505 --app fixture --repo "$R" --sign "$T/k.pem"
has out "index version 4" "refresh: version 4"
expect 0 "fetch v4" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" --state "$T/s3.state" -o "$T/x4.mvb"
get "$IDX" "$T/idx.v4" >/dev/null
[ "$(put "$IDX" "$T/idx.v3")" = 200 ] || bad "cannot put the old index back"
expect 1 "replayed index" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" --state "$T/s3.state" -o "$T/x.mvb"
has err "\[repo-rollback\]" "replay: id"
expect 1 "replayed index, by URL" -- anon "$MVB" fetch --repo "$U" --app fixture --key "$T/k.pub.pem" --state "$T/s3.state" -o "$T/x.mvb"
has err "\[repo-rollback\]" "replay by URL: id"
[ "$(put "$IDX" "$T/idx.v4")" = 200 ] || bad "cannot restore index version 4"

# --- a publisher killed half-way through its upload (slowed to 2 KB/s)
R4=$P/objects/$(sha256sum "$T/r4.mvb" | cut -c1-64).mvb
MVBUILD_TEST_UPLOAD_BPS=2000 "$MVB" publish "$T/r4.mvb" --repo "$R" --sign "$T/k.pem" --deltas 0 >"$T/kill.out" 2>&1 &
K=$!
sleep 2 # the index read and the bundle checked; 10.5 KB at 2 KB/s take 5 s
if kill -0 $K 2>/dev/null && ! grep -q published "$T/kill.out"; then ok; else bad "the publisher was not uploading when killed"; cat "$T/kill.out"; fi
kill -9 $K; wait $K 2>/dev/null
sleep 0.5
get "$IDX" "$T/idx.after" >/dev/null
same "$T/idx.after" "$T/idx.v4" "index untouched by a killed publish"
if [ "$(get "$R4" /dev/null)" = 200 ]; then bad "a half-uploaded object is visible"; else ok; fi
expect 0 "fetch after the kill" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" -o "$T/k3.mvb"
same "$T/k3.mvb" "$T/r3.mvb" "repository consistent after the kill"
expect 0 "the next publish needs no lock broken" -- "$MVB" publish "$T/r4.mvb" --repo "$R" --sign "$T/k.pem"
has out "index version 5" "publish after the kill"
expect 0 "fetch 1.4.0" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" -o "$T/k4.mvb"
same "$T/k4.mvb" "$T/r4.mvb" "release after the kill"

# --- two publishers at once: A reads index 5 and uploads slowly, B publishes
# meanwhile; A's conditional write fails, it says so (status 5), and its
# re-run lands: both releases in the index
race() { # race NAME REPO SLOW.mvb FAST.mvb
	MVBUILD_TEST_UPLOAD_BPS=3000 "$MVB" publish "$3" --repo "$2" --sign "$T/k.pem" --deltas 0 >"$T/a.out" 2>"$T/a.err" &
	local A=$!
	sleep 1.5
	expect 0 "$1: the other publisher" -- "$MVB" publish "$4" --repo "$2" --sign "$T/k.pem" --deltas 0
	wait $A
	local ra=$?
	if [ "$ra" = 5 ]; then ok; else bad "$1: the slower publisher: exit $ra, want 5"; cat "$T/a.out" "$T/a.err"; fi
	if grep -q "error: publish: another publisher .* '$2/mps2-an505/fixture/stable/index' after this one read it; this release is not in the index .*run publish again" "$T/a.err"; then ok; else bad "$1: the lost race is not said"; cat "$T/a.err"; fi
	expect 0 "$1: the re-run" -- "$MVB" publish "$3" --repo "$2" --sign "$T/k.pem" --deltas 0
}
race "two publishers" "$R" "$T/r6.mvb" "$T/r5.mvb"
releases_json "$R" >"$T/c.json"
if python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["channels"][0]; v=[r["version"] for r in c["releases"]]; assert v[-3:]==["1.4.0","1.5.0","1.6.0"], v; assert c["index_version"]==7, c["index_version"]' "$T/c.json"; then ok; else bad "a concurrent release was lost"; cat "$T/c.json"; fi
expect 0 "fetch 1.6.0" -- "$MVB" fetch --repo "$R" --app fixture --base "$T/r3.mvb" --key "$T/k.pub.pem" -o "$T/k6.mvb"
has out "fetched fixture 1.6.0" "the re-run's release is the latest"
# the first index of a channel: created once (If-None-Match: *)
race "two first publishers" "s3://repo/fresh" "$T/r2.mvb" "$T/r1.mvb"
releases_json "s3://repo/fresh" >"$T/c.json"
if python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["channels"][0]; v=[r["version"] for r in c["releases"]]; assert v==["1.1.0","1.2.0"], v; assert c["index_version"]==2' "$T/c.json"; then ok; else bad "a first release was lost"; cat "$T/c.json"; fi

# --- credentials
printf '[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$T/creds"
expect 0 "credentials from a file's profile" -- anon env AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=ci "$MVB" publish "$T/r1.mvb" --repo s3://repo/cf --sign "$T/k.pem"
expect 3 "a profile the file does not have" -- anon env AWS_SHARED_CREDENTIALS_FILE="$T/creds" "$MVB" publish "$T/r1.mvb" --repo s3://repo/cf2 --sign "$T/k.pem"
has err "has no profile 'default'" "missing profile named"
expect 3 "publish with no credentials" -- anon "$MVB" publish "$T/r1.mvb" --repo s3://repo/none --sign "$T/k.pem"
has err "no S3 credentials to write to 's3://repo/none'" "no credentials said"
if [ "$(get none/mps2-an505/fixture/stable/index /dev/null)" = 200 ]; then bad "publish without credentials wrote"; else ok; fi
expect 3 "a wrong secret" -- env AWS_SECRET_ACCESS_KEY=not-the-secret "$MVB" publish "$T/r1.mvb" --repo s3://repo/wrong --sign "$T/k.pem"
has err "refused the request (HTTP 403 SignatureDoesNotMatch); check the credentials" "wrong secret said"
if grep -q -e "not-the-secret" -e "$AWS_SECRET_ACCESS_KEY" "$T/out" "$T/err"; then bad "a secret in the output"; else ok; fi
expect 2 "credentials in --endpoint refused, unshown" -- "$MVB" fetch --repo "$R" --endpoint "http://key:hush@127.0.0.1:1" --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb"
if grep -q hush "$T/err"; then bad "the endpoint's password shown"; else ok; fi
expect 3 "no such bucket" -- "$MVB" publish "$T/r1.mvb" --repo s3://nobucket/x --sign "$T/k.pem"
has err "there is no such bucket (HTTP 404 NoSuchBucket" "no bucket said"
expect 2 "a malformed s3:// repository" -- "$MVB" releases --repo "s3://repo/a/../b" --board mps2-an505 --app fixture
has err "want s3://BUCKET\[/PREFIX\]" "malformed s3:// said"
expect 2 "--endpoint for a directory" -- "$MVB" releases --repo "$L" --endpoint "$E"
expect 3 "no server at the endpoint" -- "$MVB" fetch --repo "$R" --endpoint http://127.0.0.1:1 --app fixture --key "$T/k.pub.pem" -o "$T/x.mvb" --timeout 5

echo "publish-s3: $pass passed, $fail failed"
[ "$fail" = 0 ]
