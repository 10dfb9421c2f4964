#!/bin/bash
# serve.sh - `mvbuild serve` against a simulated device (tests/tools/
# devsim.c, on the codec the microvisor compiles): an honest update
# session over TCP, a pseudo-terminal and from an HTTP repository, with
# the device's bytes compared to the repository's files; the outcomes and
# their exit statuses; UPDATE_NOW; and hostile devices (bad names, reads
# past the end, unknown streams, garbage, oversize frames, silence,
# endless data, a device that does not read, a hang-up), each within its
# deadline.  Then --qemu with the prebuilt microvisor: its HELLO and log
# lines arrive on UART4.
# usage: serve.sh MVBUILD SRCDIR TMPDIR DEVSIM
set -u
MVB=$1 SRC=$2 T=$3 SIM=$4
. "$(dirname "$0")/lib.sh"

NGINX_DIR= SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null
	[ -n "$NGINX_DIR" ] && "$SRC/tests/tools/nginx-dav.sh" stop "$NGINX_DIR"
}
trap cleanup EXIT

# --- a repository with three releases of the fixture app (deltas between them)
CC=$FIXTURE_CC LD=$FIXTURE_LD
APP=$SRC/tests/data/elf/app.yaml API=$SRC/tests/data/elf/mv_api.yaml
"$MVB" keygen -o "$T/k.pem" >/dev/null || exit 1
opt=(x -Os -O1 -O2)
for i in 1 2 3; do
	$CC ${opt[$i]} $LD -DCALL_MV -DRELEASE=$i -Wl,--defsym=mv_log=0x1001f009 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/r$i.elf" || exit 1
	"$MVB" bundle "$T/r$i.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.$i.0 --security-counter $i \
		-o "$T/r$i.mvb" 2>/dev/null || exit 1
	"$MVB" publish "$T/r$i.mvb" --repo "$T/repo" --sign "$T/k.pem" >/dev/null 2>&1 || { echo "publish 1.$i.0 failed"; exit 1; }
done
R=$T/repo
FULL=mps2-an505/fixture/objects/$(sha256sum "$T/r3.mvb" | cut -c1-64).mvb

# start_sim ARGS...: devsim listening on a free port ($PORT); its log in $T/sim.log
start_sim() {
	rm -f "$T/port" "$T/pty"
	"$SIM" "$@" --log "$T/sim.log" 2>"$T/sim.err" &
	SIMPID=$!
	for _ in $(seq 1500); do [ -s "$T/port" ] || [ -s "$T/pty" ] && break; sleep 0.02; done
	PORT=$(cat "$T/port" 2>/dev/null) PTY=$(cat "$T/pty" 2>/dev/null)
	[ -n "$PORT$PTY" ] || echo "FAIL: devsim $* did not start"
}
# sim_ok DESCRIPTION: devsim ended with status 0 (every check it makes passed)
sim_ok() {
	wait "$SIMPID"
	local st=$?
	SIMPID=
	if [ "$st" = 0 ]; then ok; else bad "$1: devsim exit $st"; sed 's/^/  | /' "$T/sim.err" | head -20; fi
}
# within SECONDS DESCRIPTION: the last expect took at most SECONDS
within() { if [ "$((SECONDS - t0))" -le "$1" ]; then ok; else bad "$2: took $((SECONDS - t0)) s, want <= $1"; fi; }

# --- an honest session, full bundle (a device in safe mode, no app)
start_sim --port-file "$T/port" --repo "$R" --mode update
expect 0 "full update" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "full update"
has err "device: board 'mps2-an505', app 'fixture' not installed, channel 'stable', microvisor 0.1.0 (ABI 1.1)" "the HELLO shown"
has err "safe mode (reason 0x4001: no app installed" "safe mode and its reason"
has err "device reads index 'mps2-an505/fixture/stable/index'" "index read"
has err "device reads full bundle '$FULL'" "full bundle named from the index"
has err "device has read '$FULL'" "the bundle read to its end"
has err "device reports: installed 1.3.0 as a full bundle (was none)" "report shown"
has out "^log| devsim: read [0-9]* bytes$" "device log line, prefixed"
if grep -q "^log|" "$T/err"; then bad "log lines go to stdout"; else ok; fi

# --- a delta from 1.1.0, JSON
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0
expect 0 "delta update, json" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --format json
sim_ok "delta update"
has err "^log| devsim: installing" "json: device log on stderr"
if python3 -c 'import json,sys,os
d=json.load(open(sys.argv[1])); R=sys.argv[2]
assert d["schema"]==1 and d["outcome"]=="installed" and d["before"]=="1.1.0" and d["after"]=="1.3.0", d
assert d["update"]=="delta" and d["end"]=="report" and d["sessions"]==1 and d["reason"]==0
o=d["objects"]; assert [x["kind"] for x in o]==["index","delta"], o
for x in o: assert x["size"]==os.path.getsize(os.path.join(R,x["path"])) and x["read"]==x["size"] and x["bytes"]==x["size"], x
assert d["bytes"]==sum(x["bytes"] for x in o)==d["device_bytes"]
assert d["device"]["board"]=="mps2-an505" and d["device"]["app_version"]=="1.1.0" and d["device"]["state"]=="running"
assert d["device"]["image_sha256"]=="ab"*32 and d["device"]["payload_max"]==512
assert d["link_stats"]["dropped"]==0 and d["link_stats"]["malformed"]==0 and float(d["seconds"])>=0' "$T/out" "$R"; then ok; else bad "delta update json"; sed 's/^/  | /' "$T/out" | head -40; fi

# --- small frames: a device that takes 64-byte payloads reads 56 bytes at a time
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.2.0 --payload-max 64
expect 0 "update in 56-byte reads" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --format json
sim_ok "update in 56-byte reads"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["update"]=="delta" and d["before"]=="1.2.0" and d["link_stats"]["frames_in"]>d["bytes"]//56' "$T/out"; then ok; else bad "56-byte reads json"; fi

# --- outcomes and exit statuses
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.3.0 --outcome 1
expect 0 "up to date" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once
sim_ok "up to date"
has err "device reports: up to date (1.3.0)" "up to date shown"
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --outcome 2 --reason 0x4401
expect 1 "refused" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once
sim_ok "refused"
has err "device reports: refused 1.3.0 (runs 1.1.0): reason 0x4401: app asks for a peripheral the board does not have" "refusal and its reason"
has err "^tcp:127.0.0.1:$PORT: error: the device refused 1.3.0 (it runs 1.1.0): reason 0x4401: .* \[serve-refused\]$" "refusal as a finding"
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --outcome 2 --reason 0x4401
expect 1 "refused, json" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --format json
sim_ok "refused, json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["findings"]
assert d["outcome"]=="refused" and d["offered"]=="1.3.0" and d["after"]=="1.1.0" and d["reason"]==0x4401 and d["reason_text"].startswith("app asks"), d
assert [x["id"] for x in f]==["serve-refused"] and d["errors"]==1, f' "$T/out"; then ok; else bad "refused json"; sed 's/^/  | /' "$T/out" | head -40; fi
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --outcome 3 --reason 7
expect 3 "device failed" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --format json
sim_ok "device failed"
has err "device reports: the link or the repository failed (reason 0x0007)" "failure and its reason"
if [ -s "$T/out" ]; then bad "status 3 printed a JSON document (I/O problems print none)"; else ok; fi

# --- the trial after an install (mvbuild-serve(1), TRIAL): --once waits
# for its outcome; 0 confirmed, 1 rejected and reverted, 3 the link lost
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial confirm
expect 0 "trial confirmed" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "trial confirmed"
has err "device reports: installed 1.3.0 as a delta (was 1.1.0)" "trial: the install first"
has err "device: now running 'fixture' 1.3.0 on trial; waiting for it to be confirmed or rejected" "trial: the trial said"
has err "device: said HELLO again during the trial: 'fixture' 1.3.0, on trial$" "trial: a restart on trial said"
has err "device reports: 1.3.0 confirmed (was 1.1.0)$" "trial: confirmed said"
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial confirm
expect 0 "trial confirmed, json" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "trial confirmed, json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["trial"]
assert d["outcome"]=="confirmed" and d["before"]=="1.1.0" and d["after"]=="1.3.0" and d["offered"]=="1.3.0", d
assert d["reason"]==0 and d["reason_text"] is None and d["update"]=="delta" and d["end"]=="report" and d["sessions"]==1, d
assert t["version"]=="1.3.0" and t["outcome"]=="confirmed" and float(t["seconds"])>=0 and d["rejected"] is None, t
assert d["device_bytes"]==d["bytes"] and d["errors"]==0 and d["findings"]==[], d' "$T/out"; then ok; else bad "trial confirmed json"; sed 's/^/  | /' "$T/out" | head -60; fi
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial revert --reason 0x4501
expect 1 "trial rejected" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "trial rejected"
has err "device: said HELLO again during the trial: 'fixture' 1.3.0, installing$" "rejected: the revert's HELLO said, no new session"
has err "device reports: 1.3.0 rejected on this device: app crashed too often in a row (reason 0x4501); reverted to 1.1.0$" "rejected: the issue's line"
has err "^tcp:127.0.0.1:$PORT: error: the device rejected 1.3.0 on trial: app crashed too often in a row (reason 0x4501); reverted to 1.1.0 \[serve-reverted\]$" "rejected: a finding"
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial revert --reason 0x4503
expect 1 "trial rejected, json" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "trial rejected, json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["trial"]; j=d["rejected"]
assert d["outcome"]=="reverted" and d["before"]=="1.1.0" and d["after"]=="1.1.0" and d["offered"]=="1.3.0", d
assert d["reason"]==0x4503 and d["reason_text"].startswith("app did not confirm"), d
assert t["version"]=="1.3.0" and t["outcome"]=="reverted" and float(t["seconds"])>=0, t
assert j=={"version":"1.3.0","reason":0x4503,"reason_text":d["reason_text"],"reverted_to":"1.1.0"}, j
assert [x["id"] for x in d["findings"]]==["serve-reverted"] and d["errors"]==1 and d["sessions"]==1, d' "$T/out"; then ok; else bad "trial rejected json"; sed 's/^/  | /' "$T/out" | head -60; fi
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial unreverted --reason 0x4501
expect 1 "trial rejected, revert failed" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "trial rejected, revert failed"
has err "1.3.0 rejected on this device: app crashed too often in a row (reason 0x4501); the revert failed: no app runs until an update" "revert failed said"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["outcome"]=="reverted" and d["after"] is None and d["rejected"]["reverted_to"] is None, d' "$T/out"; then ok; else bad "revert failed json"; fi
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial lost
expect 3 "trial, link lost" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "trial, link lost"
has err "serve: the link closed before it reported the outcome of 1.3.0's trial" "link lost said"
if [ -s "$T/out" ]; then bad "trial, link lost: status 3 printed a JSON document"; else ok; fi
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial hang
t0=$SECONDS
expect 3 "trial, no outcome in time" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 3
within 6 "trial: --timeout 3"
sim_ok "trial, no outcome in time"
has err "the device did not report the outcome of 1.3.0's trial within 3 s (--timeout)" "trial timeout said"
# an install without a trial: its HELLO says running; that ends the run
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial none
expect 0 "no trial" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "no trial"
has err "device: now running 'fixture' 1.3.0 (started)" "no trial: the new release's HELLO"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["outcome"]=="installed" and d["after"]=="1.3.0" and d["trial"] is None and d["rejected"] is None, d' "$T/out"; then ok; else bad "no trial json"; fi
# a device on trial when serve starts: a session it refuses on trial, then the outcome
start_sim --port-file "$T/port" --repo "$R" --mode trial --have 1.3.0 --trial confirm
expect 0 "on trial from the start" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "on trial from the start"
has err "device: board 'mps2-an505', app 'fixture' 1.3.0, channel 'stable', .*, on trial, counter floor" "HELLO on trial shown"
has err "its release is on trial; waiting for it to be confirmed or rejected" "on trial from the start said"
has err "device reports: refused 1.3.0 (runs 1.3.0): reason 0x4822: a release is on trial: updates wait for its outcome; the trial goes on" "refused on trial: the run goes on"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["device"]["state"]=="trial" and d["outcome"]=="confirmed" and d["after"]=="1.3.0", d
assert d["trial"]["version"]=="1.3.0" and d["trial"]["outcome"]=="confirmed" and d["sessions"]==1, d' "$T/out"; then ok; else bad "on trial from the start json"; sed 's/^/  | /' "$T/out" | head -60; fi
start_sim --port-file "$T/port" --repo "$R" --mode trial --have 1.3.0 --trial revert --reason 0x4501
expect 1 "on trial from the start, rejected" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "on trial from the start, rejected"
has err "device reports: 1.3.0 rejected on this device: app crashed too often in a row (reason 0x4501); reverted to 1.1.0" "rejected from the start"
# without --once the trial's HELLOs belong to the install's session; the
# reverted release's HELLO starts the next one
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0 --trial revert --reason 0x4501
expect 0 "trial without --once" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --timeout 0 --format json
sim_ok "trial without --once"
has err "device reports: 1.3.0 rejected on this device" "without --once: the rejection said"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["sessions"]==2 and d["device"]["app_version"]=="1.1.0" and d["outcome"] is None and d["trial"] is None and d["end"]=="closed", d' "$T/out"; then ok; else bad "trial without --once json"; sed 's/^/  | /' "$T/out" | head -60; fi

# --- UPDATE_NOW after the HELLO: accepted, declined; never unasked
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.3.0 --outcome 1 --update-now accept
expect 0 "update now, accepted" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --update-now
sim_ok "update now, accepted"
has err "UPDATE_NOW accepted" "accepted shown"
start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.3.0 --outcome 1 --update-now decline
expect 0 "update now, declined" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --update-now
sim_ok "update now, declined"
has err "declined UPDATE_NOW: error 5 (not now)" "declined shown"

# --- a serial port: a pseudo-terminal, opened raw at a baud rate
start_sim --pty-file "$T/pty" --repo "$R" --mode update --have 1.1.0
expect 0 "serial port" -- "$MVB" serve --repo "$R" --device "$PTY" --baud 921600 --once --timeout 30
sim_ok "serial port"
has err "device reports: installed 1.3.0 as a delta (was 1.1.0)" "serial: delta installed"

# --- hostile devices: every answer checked by devsim; serve stays up
start_sim --port-file "$T/port" --repo "$R" --mode names
expect 3 "bad names" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "bad names"
has err "device read '../etc/passwd' at 0 (16 bytes): answered error 4 (malformed request)" "../etc/passwd refused"
has err "answered error 1 (no such object)" "not found"
start_sim --port-file "$T/port" --repo "$R" --mode range
expect 0 "reads at and past the end" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "reads at and past the end"
has err "answered error 2 (offset past the end)" "past the end"
start_sim --port-file "$T/port" --repo "$R" --mode unknown
expect 1 "unknown streams and types" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "unknown streams and types"
if python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["link_stats"]; assert s["unsupported"]==8 and s["malformed"]==7, s' "$T/out"; then ok; else bad "unknown: counts"; fi
has err "device sent a request this end does not serve (stream 4, type 1): answered error 5" "unsupported shown"
has err "ignored a response to nothing asked" "stray response shown"
start_sim --port-file "$T/port" --repo "$R" --mode garbage
expect 0 "garbage" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "garbage"
if python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["link_stats"]; assert s["dropped"]>=3 and s["malformed"]==0, s' "$T/out"; then ok; else bad "garbage: counts"; fi
start_sim --port-file "$T/port" --repo "$R" --mode lines
expect 0 "log lines" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "log lines"
has out "^log| plain line$" "plain line"
has out "^log| (3 lines lost before this one)$" "lost lines said"
has out "^log| bell? escape?\[31m red$" "control bytes replaced"
has out "^log| LLLLLLLLLL" "a 504-byte line"
has out "^log| mv: safe mode: app header crc mismatch (reason {#ffff} {#04103} no app installed (header magic missing)no error)$" "reason tokens decoded, unknown and malformed ones as they are"
if grep -q $'\033' "$T/out"; then bad "an escape byte reached the terminal"; else ok; fi
start_sim --port-file "$T/port" --repo "$R" --mode lines
expect 0 "log lines, json" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30 --format json
sim_ok "log lines, json"
has err "^log| mv: safe mode: app header crc mismatch (reason {#ffff}" "reason tokens decoded beside the document"
# mvbuild logs: the same LINE frames on stdout, the loss said and counted
start_sim --port-file "$T/port" --repo "$R" --mode lines
expect 0 "logs" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30
sim_ok "logs"
has out "^plain line$" "logs: a plain line"
has err "3 lines lost before line 2" "logs: lost lines said"
has err "3 lines lost in all" "logs: the loss counted"
has out "^mv: safe mode: app header crc mismatch (reason {#ffff}" "logs: reason tokens decoded"
start_sim --port-file "$T/port" --repo "$R" --mode lines
expect 0 "logs, json" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30 --format json
sim_ok "logs, json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [l["seq"] for l in d["lines"]]==[1,2,3,4,5,6] and d["lost"]==3 and d["lines"][0]["text"]=="plain line", d' "$T/out"; then ok; else bad "logs, json: lines and loss"; fi
expect 2 "logs without a link" -- "$MVB" logs --timeout 5
# logs: first the lines the device kept before the peer came (LOG_READ),
# numbered, those its ring no longer holds counted as lost; a line shown
# already is not shown again; a device before LOG_READ (error 5): live only
start_sim --port-file "$T/port" --repo "$R" --mode kept
expect 0 "logs, kept lines" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30
sim_ok "logs, kept lines"
has out "^kept line 08 \.\.\.\.\.\.$" "logs: the oldest kept line"
has err "8 lines lost before line 8" "logs: the lines no longer kept said"
has err "8 lines lost in all" "logs: and counted"
if [ "$(grep -c . "$T/out")" = 14 ] && [ "$(sed -n '12p;13p;14p' "$T/out" | tr '\n' '|')" = "kept line 19 ......|live line 20|live line 21|" ]; then ok; else bad "logs: kept lines 8-19, then the live ones, none twice"; sed 's/^/  | /' "$T/out" | head -20; fi
start_sim --port-file "$T/port" --repo "$R" --mode kept
expect 0 "logs, kept lines, json" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30 --format json
sim_ok "logs, kept lines, json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [l["seq"] for l in d["lines"]]==list(range(8,22)) and d["lost"]==8 and d["lines"][0]["text"]=="kept line 08 ......" and d["lines"][-1]["text"]=="live line 21", d' "$T/out"; then ok; else bad "logs, kept lines, json: seq and loss"; fi
start_sim --port-file "$T/port" --repo "$R" --mode kept
expect 0 "logs --from" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30 --from 15 --format json
sim_ok "logs --from"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [l["seq"] for l in d["lines"]]==list(range(15,22)) and d["lost"]==0, d' "$T/out"; then ok; else bad "logs --from 15: lines 15-21, none lost"; fi
grep -q "LOG_READ seq [0-9]* from 15$" "$T/sim.log" && ok || bad "logs --from: lq_from 15 sent"
start_sim --port-file "$T/port" --repo "$R" --mode lines --log-read unsupported
expect 0 "logs, a device before LOG_READ" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30 --format json
sim_ok "logs, a device before LOG_READ"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [l["seq"] for l in d["lines"]]==[1,2,3,4,5,6] and d["lost"]==3, d' "$T/out"; then ok; else bad "logs, error 5: the live lines as before"; fi
if grep -q "LOG_READ" "$T/err"; then bad "logs, error 5: said (an older device is no news)"; else ok; fi
start_sim --port-file "$T/port" --repo "$R" --mode kept --log-read ignore
expect 0 "logs, LOG_READ unanswered" -- "$MVB" logs --device "tcp:127.0.0.1:$PORT" --timeout 30
sim_ok "logs, LOG_READ unanswered"
if [ "$(tr '\n' '|' <"$T/out")" = "kept line 19 again|live line 20|live line 21|" ]; then ok; else bad "logs: LOG_READ given up on after 3 tries, live lines shown"; sed 's/^/  | /' "$T/out"; fi
expect 2 "logs --from out of range" -- "$MVB" logs --device "tcp:127.0.0.1:1" --from 4294967296
# mvbuild status: a device that never answers STATUS (devsim, which
# flags the request as unexpected: that shows it was sent) is status 3
# at --timeout
start_sim --port-file "$T/port" --repo "$R" --mode silence
expect 3 "status, no answer" -- "$MVB" status --device "tcp:127.0.0.1:$PORT" --timeout 2
wait "$SIMPID"
SIMPID=
if grep -q "answered by stream 3 type 1" "$T/sim.err"; then ok; else bad "status: no STATUS request reached the device"; fi
has err "status: no answer to STATUS within --timeout" "status: the timeout said"
expect 2 "status without a link" -- "$MVB" status --timeout 5
# the update record's state and the release rejected here
start_sim --port-file "$T/port" --repo "$R" --mode status --have 1.1.0 --rejected 1.3.0 --reason 0x4501
expect 0 "status, a release rejected" -- "$MVB" status --device "tcp:127.0.0.1:$PORT" --timeout 10
sim_ok "status, a release rejected"
has out "^state:      running$" "status: state"
has out "^update:     idle, counter floor 1, index version 3$" "status: update state"
has out "^rejected:   1.3.0 on trial here (reason 0x4501: app crashed too often in a row); refused from now on$" "status: the release rejected"
start_sim --port-file "$T/port" --repo "$R" --mode status --have 1.3.0 --update-state 2 --rejected 1.2.0 --reason 0x4503
expect 0 "status on trial, json" -- "$MVB" status --device "tcp:127.0.0.1:$PORT" --timeout 10 --format json
sim_ok "status on trial, json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=d["update"]
assert d["state"]=="on trial" and d["app"]["version"]=="1.3.0" and u["state"]=="trial" and u["counter_floor"]==1, d
assert u["rejected"]["version"]=="1.2.0" and u["rejected"]["reason"]==0x4503 and u["rejected"]["reason_text"].startswith("app did not confirm"), u' "$T/out"; then ok; else bad "status on trial json"; sed 's/^/  | /' "$T/out" | head -40; fi
start_sim --port-file "$T/port" --repo "$R" --mode status --have 1.3.0 --update-state 2
expect 0 "status on trial" -- "$MVB" status --device "tcp:127.0.0.1:$PORT" --timeout 10
sim_ok "status on trial"
has out "^state:      on trial$" "status: on trial"
has out "^update:     trial, counter floor 1" "status: update state trial"
if grep -q "^rejected:" "$T/out"; then bad "status: a rejected line without a rejected release"; else ok; fi
# a microvisor before the trial (ABI 1.3): its 192-byte record still reads
start_sim --port-file "$T/port" --repo "$R" --mode status --have 1.1.0 --status-size 192
expect 0 "status, ABI 1.3 record" -- "$MVB" status --device "tcp:127.0.0.1:$PORT" --timeout 10 --format json
sim_ok "status, ABI 1.3 record"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=d["update"]
assert d["abi"]=="1.3" and d["serial"]=="SN-7" and d["board"]=="mps2-an505" and d["app"]["name"]=="fixture", d
assert u["state"]=="idle" and u["rejected"] is None and u["index_version"]==3, u' "$T/out"; then ok; else bad "status ABI 1.3 json"; sed 's/^/  | /' "$T/out" | head -40; fi

# --- deadlines: each run ends within its --timeout, status 3
for mode in silence mute flood noread; do
	start_sim --port-file "$T/port" --repo "$R" --mode $mode
	t0=$SECONDS
	expect 3 "$mode" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 3
	within 6 "$mode: --timeout 3"
	sim_ok "$mode: devsim saw the hang-up"
done
has err "did not report the end of its update session within 3 s" "timeout said"
start_sim --port-file "$T/port" --repo "$R" --mode mute
expect 3 "mute" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 2
sim_ok "mute"
has err "the device said nothing (no HELLO) within 2 s" "silence said"
start_sim --port-file "$T/port" --repo "$R" --mode close
expect 3 "hang-up" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
sim_ok "hang-up"
has err "the link closed before it reported" "hang-up said"
# without --once a closed link is the end of serving, not an error
start_sim --port-file "$T/port" --repo "$R" --mode close
expect 0 "hang-up without --once" -- "$MVB" serve --repo "$R" --device "tcp:127.0.0.1:$PORT" --timeout 0 --format json
sim_ok "hang-up without --once"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["end"]=="closed" and d["outcome"] is None and d["objects"][0]["read"]==100' "$T/out"; then ok; else bad "closed json"; fi

# --- the repository over HTTP (nginx), read through the same store code as fetch
N=$T/nginx
if HPORT=$("$SRC/tests/tools/nginx-dav.sh" start "$N"); then
	NGINX_DIR=$N
	cp -r "$R" "$N/root/repo"
	start_sim --port-file "$T/port" --repo "$R" --mode update --have 1.1.0
	expect 0 "http repository" -- "$MVB" serve --repo "http://127.0.0.1:$HPORT/repo" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
	sim_ok "http repository"
	has err "installed 1.3.0 as a delta" "http: delta installed"
	rm -f "$N/root/repo/$FULL"
	start_sim --port-file "$T/port" --repo "$R" --mode update
	expect 3 "http: object missing" -- "$MVB" serve --repo "http://127.0.0.1:$HPORT/repo" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
	wait "$SIMPID"; SIMPID=
	has err "answered error 1 (no such object)" "http: missing object is error 1"
else
	bad "no nginx for the HTTP repository"
fi
# a repository that cannot be read (the object is a directory: as root
# too): error 3 to the device
cp -r "$R" "$T/broken"
rm "$T/broken/$FULL" && mkdir "$T/broken/$FULL"
start_sim --port-file "$T/port" --repo "$T/broken" --mode update
expect 3 "unreadable repository" -- "$MVB" serve --repo "$T/broken" --device "tcp:127.0.0.1:$PORT" --once --timeout 30
wait "$SIMPID"; SIMPID=
has err "answered error 3 (repository failure)" "repository failure"
has err "cannot read '.*$FULL'" "the store says why"

# --- usage
expect 2 "no link" -- "$MVB" serve --repo "$R"
expect 2 "two links" -- "$MVB" serve --repo "$R" --device tcp:127.0.0.1:1 --qemu x.elf
expect 2 "bad device" -- "$MVB" serve --repo "$R" --device ttyUSB0
has err "bad --device 'ttyUSB0'" "bad device said"
expect 2 "bad port" -- "$MVB" serve --repo "$R" --device tcp:127.0.0.1:99999
expect 2 "baud on tcp" -- "$MVB" serve --repo "$R" --device tcp:127.0.0.1:1 --baud 9600
expect 2 "odd baud" -- "$MVB" serve --repo "$R" --device /dev/null --baud 12345
expect 2 "once without time" -- "$MVB" serve --repo "$R" --device tcp:127.0.0.1:1 --once --timeout 0
expect 3 "no repository" -- "$MVB" serve --repo "$T/none" --device tcp:127.0.0.1:1
expect 3 "not a serial port" -- "$MVB" serve --repo "$R" --device /dev/null
has err "is not a serial port" "not a tty said"
expect 3 "nobody listening" -- "$MVB" serve --repo "$R" --device tcp:127.0.0.1:1 --once
expect 3 "no image" -- "$MVB" serve --repo "$R" --qemu "$T/none.elf"
expect 0 "help" -- "$MVB" serve --help
has out "usage: mvbuild serve --repo" "help"

# --- QEMU: the prebuilt microvisor with the fixture app says HELLO and
# mirrors its console on UART4 (no update client yet: no session, so no --once)
"$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --factory -o "$T/factory.elf" 2>/dev/null || exit 1
expect 0 "qemu" -- "$MVB" serve --repo "$R" --qemu "$T/factory.elf" --timeout 5 --format json
has err "^console| mv: microvisor" "console lines prefixed"
has err "^log| mv: entering app" "log lines over the link"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["device"]
assert d["link"]=="qemu" and d["end"]=="timeout" and d["sessions"]>=1 and d["qemu"]["status"] is None, d
assert v["board"]=="mps2-an505" and v["app"]=="fixture" and v["app_version"]=="1.2.3" and v["state"]=="running" and v["payload_max"]==512, v
assert d["link_stats"]["dropped"]==0 and d["outcome"] is None' "$T/out"; then ok; else bad "qemu json"; sed 's/^/  | /' "$T/out" | head -40; fi

echo "serve: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
