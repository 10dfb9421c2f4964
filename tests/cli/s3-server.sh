#!/bin/bash
# s3-server.sh - the S3 test server (tests/tools/s3-server.sh: radosgw on a
# one-node Ceph on loopback) starts within its minute, prints its exports,
# and gives what an S3 publisher relies on (conditional create and
# replace, Cache-Control, public-read objects, signed writes only); then
# stops, leaving no daemon behind.
# usage: s3-server.sh SRCDIR TMPDIR
set -u
SRC=$1 T=$2
S3=$SRC/tests/tools/s3-server.sh
trap '"$S3" stop "$T"' EXIT
t0=$(date +%s)
env=$("$S3" start "$T" repo) || { echo "FAIL: the S3 server did not start"; exit 1; }
echo "started in $(($(date +%s) - t0)) s"
eval "$env"
[ -n "${AWS_ENDPOINT_URL:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ] || { echo "FAIL: no exports: $env"; exit 1; }
"$S3" check "$T" repo || exit 1
"$S3" stop "$T"
trap - EXIT
if ps -eo args | grep -q "^[c]eph-.* -c $T/ceph.conf\|^[r]adosgw -c $T/ceph.conf"; then echo "FAIL: a daemon is left"; exit 1; fi
echo "s3-server: ok"
