#!/bin/bash
# s3-server.sh - a throwaway S3 server for tests: Debian's radosgw (Ceph's
# S3 gateway) on a one-node Ceph on loopback (one monitor, one OSD with
# the memory-backed memstore, no manager, no authentication between the
# daemons), as this user, everything under DIR.
#   s3-server.sh start DIR [BUCKET...]
#       starts it, makes an S3 user with fresh random keys and the buckets
#       named, and prints
#       export lines (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
#       AWS_SECRET_ACCESS_KEY), so that eval "$(s3-server.sh start DIR)"
#       prepares a shell
#   s3-server.sh check DIR [BUCKET]
#       shows that the server gives what a publisher needs (see below) in
#       BUCKET (default repo, made by start); needs start's exports
#   s3-server.sh stop DIR
# Exit status: 0; 1 a check failed; 2 usage; 3 radosgw, ceph-mon,
# ceph-osd or curl missing, or the server did not come up in 60 s.
# Measured on the 2-vCPU VM: monitor and OSD up in 4 s, radosgw answering
# 9 s later.
#
# What radosgw 16.2 (bookworm) does, which 'check' tests:
# - requests signed with AWS Signature V4 by curl 7.88 (--aws-sigv4, the
#   CURLOPT_AWS_SIGV4 of libcurl) are accepted only with a signed
#   x-amz-content-sha256 header, which curl 7.88 does not add itself;
# - PUT with If-None-Match: * creates an object only when there is none
#   (412 otherwise), atomically;
# - PUT with If-Match replaces an object only when its ETag matches (412
#   otherwise), but compares the ETag without its quotes: the quoted form
#   that RFC 9110 gives, and the server sends, is refused with 412;
# - Cache-Control given with a PUT is stored and sent back with each GET;
# - an object PUT with x-amz-acl: public-read is served to anyone (a
#   device's plain GET); without it, a plain GET is 403.  (A bucket
#   policy would do as well; a PUT ?policy signed by curl 7.88 got 403
#   here, not looked into, so this script sets none.)
set -u
cmd=${1:-} D=${2:-}
[ -n "$D" ] || { echo "usage: s3-server.sh start|check|stop DIR [BUCKET...]" >&2; exit 2; }
shift 2

stop() { # each daemon by its pid file: TERM, then KILL after 10 s (an OSD saves memstore first)
	local f p pids=()
	for f in "$D"/run/*.pid; do
		[ -s "$f" ] && p=$(cat "$f") && kill "$p" 2>/dev/null && pids+=("$p")
	done
	for _ in $(seq 100); do
		p=
		for f in "${pids[@]}"; do kill -0 "$f" 2>/dev/null && p=1; done
		[ -z "$p" ] && return 0
		sleep 0.1
	done
	for f in "${pids[@]}"; do kill -9 "$f" 2>/dev/null; done
	return 0
}

sigv4() { # sigv4 CURL-ARGS...: curl signed with the exported keys; the body's SHA-256 as S3 wants it
	local body=/dev/null a
	for a in "$@"; do [ "${prev:-}" = -T ] && body=$a; prev=$a; done
	curl -sS --max-time 20 --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: $(sha256sum <"$body" | cut -c1-64)" "$@"
}

case "$cmd" in
stop) stop; exit 0 ;;
start | check) ;;
*) echo "usage: s3-server.sh start|check|stop DIR [BUCKET...]" >&2; exit 2 ;;
esac
for t in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl python3; do
	command -v $t >/dev/null || { echo "s3-server.sh: $t is not installed (scripts/setup.sh installs radosgw, ceph-mon, ceph-osd and curl)" >&2; exit 3; }
done
D=$(realpath -m "$D")

if [ "$cmd" = check ]; then
	E=$AWS_ENDPOINT_URL B=${1:-repo} fail=0
	ck() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: HTTP $2, want $3"; fail=1; fi; }
	printf 'one\n' >"$D/one" && printf 'two\n' >"$D/two"
	ck "create (If-None-Match: *)" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/one" -H 'If-None-Match: *' -H 'Cache-Control: max-age=60' -H 'x-amz-acl: public-read' -D "$D/h" "$E/$B/x/index")" 200
	etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *"\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' "$D/h" | tr -d '\r')
	ck "second create refused" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/two" -H 'If-None-Match: *' "$E/$B/x/index")" 412
	ck "replace with another ETag refused" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/two" -H 'If-Match: 00000000000000000000000000000000' "$E/$B/x/index")" 412
	ck "replace with the quoted ETag (refused by 16.2)" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/two" -H "If-Match: \"$etag\"" "$E/$B/x/index")" 412
	ck "replace with the bare ETag" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/two" -H "If-Match: $etag" -H 'Cache-Control: max-age=60' -H 'x-amz-acl: public-read' "$E/$B/x/index")" 200
	ck "replace again with the old ETag refused (someone else won)" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/one" -H "If-Match: $etag" "$E/$B/x/index")" 412
	ck "plain GET of a private object refused" "$(sigv4 -o /dev/null -w '%{http_code}' -T "$D/one" "$E/$B/x/private" && curl -s -o /dev/null -w '%{http_code}' "$E/$B/x/private")" 200403
	ck "plain GET (public-read)" "$(curl -s -o "$D/got" -D "$D/h2" -w '%{http_code}' "$E/$B/x/index")" 200
	if cmp -s "$D/got" "$D/two" && grep -qi '^cache-control: max-age=60' "$D/h2"; then echo "ok: bytes and Cache-Control"; else echo "FAIL: GET bytes or Cache-Control"; fail=1; fi
	ck "unsigned PUT refused" "$(curl -s -o /dev/null -w '%{http_code}' -T "$D/one" "$E/$B/x/index")" 403
	ck "PUT signed without x-amz-content-sha256 refused" "$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -T "$D/one" "$E/$B/x/y")" 403
	exit $fail
fi

# ---- start
stop
rm -rf "$D" && mkdir -p "$D/mon" "$D/osd/osd.0" "$D/run" "$D/log"
read -r MONPORT RGWPORT < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1",0))
print(*[x.getsockname()[1] for x in s])')
FSID=$(python3 -c 'import uuid; print(uuid.uuid4())')
KEY=$(python3 -c 'import secrets; print("MVB" + secrets.token_hex(8).upper())')
SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')
cat >"$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MONPORT
auth cluster required = none
auth service required = none
auth client required = none
run dir = $D/run
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
admin socket = $D/run/\$name.asok
keyring = $D/keyring
mon data = $D/mon/\$name
osd data = $D/osd/\$name
osd objectstore = memstore
memstore device bytes = 536870912
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
ms bind ipv6 = false
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGWPORT
CONF
C=(-c "$D/ceph.conf")
# a monitor that has just started answers EPERM until it has formed its
# quorum (seen once more after the OSD's start, under load: "problem
# getting command descriptions from mon"); every command to it retries
retry() { local i; for i in $(seq 60); do "$@" && return 0; sleep 0.5; done; return 1; }
# an OSD may send its first command with a null fsid and exit ('wrong
# fsid' in start.log, 'handle_command on fsid 0000...' in mon.a.log; not
# understood): seen in 3 of about 15 starts here, under load, once three
# times in a row; it is started again, up to 8 times 2 s apart
osd_start() { local i; for i in $(seq 8); do ceph-osd "${C[@]}" -i 0 && return 0; echo "s3-server.sh: ceph-osd failed, starting it again"; sleep 2; done; return 1; }
{
	monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MONPORT]" "$D/monmap" &&
		ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' &&
		ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" &&
		ceph-mon "${C[@]}" -i a &&
		retry ceph "${C[@]}" --connect-timeout 10 osd create &&
		ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$(python3 -c 'import uuid; print(uuid.uuid4())')" &&
		osd_start &&
		retry ceph "${C[@]}" --connect-timeout 30 osd crush add osd.0 1.0 host=localhost root=default &&
		radosgw "${C[@]}" -n client.rgw
} >"$D/log/start.log" 2>&1 || { echo "s3-server.sh: Ceph did not start (see $D/log/start.log)" >&2; stop; exit 3; }
E=http://127.0.0.1:$RGWPORT
for _ in $(seq 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$E/")" = 200 ] && break
	sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$E/")" = 200 ] ||
	{ echo "s3-server.sh: radosgw did not answer on $E within 60 s (see $D/log)" >&2; stop; exit 3; }
radosgw-admin "${C[@]}" user create --uid=mvbuild --display-name=mvbuild --access-key="$KEY" --secret-key="$SECRET" \
	>"$D/log/user.json" 2>&1 || { echo "s3-server.sh: cannot make the S3 user (see $D/log/user.json)" >&2; stop; exit 3; }
export AWS_ENDPOINT_URL=$E AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
for b in "$@"; do
	code=$(sigv4 -o /dev/null -w '%{http_code}' -X PUT "$E/$b")
	[ "$code" = 200 ] || { echo "s3-server.sh: cannot make bucket '$b' (HTTP $code)" >&2; stop; exit 3; }
done
echo "export AWS_ENDPOINT_URL=$E"
echo "export AWS_REGION=us-east-1"
echo "export AWS_ACCESS_KEY_ID=$KEY"
echo "export AWS_SECRET_ACCESS_KEY=$SECRET"
