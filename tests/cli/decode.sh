#!/bin/bash
# decode.sh - `mvbuild decode` end to end: the message and reason tokens
# of a console turned back into texts byte for byte (unknown and malformed ones left as
# they are), from a file, standard input and a pipe that is still being
# written (each piece shown at once, a token split between two writes
# decoded), tokens across every read boundary of a long line, memory that
# does not grow with the input, and the exit statuses.
# usage: decode.sh MVBUILD SRCDIR TMPDIR
set -u
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"

CRC="app header crc mismatch"
NOAPP="no app installed (header magic missing)"

# --- a console: known, unknown, malformed, truncated and adjacent tokens,
# a device of today (message tokens) and an older one (reason tokens)
printf '%s\n' "mv: {@1|0.1.0|1|1|mps2-an505}" "mv: {@5|0x00004103}{@6}" "mv: {@15|0}" \
	"mv: {@7|hello|1.0.0|33832|0x00200000|1|0}" "{@999|x} {@15} {@15|1|2} {@015|1} {@15|1" >"$T/console.raw"
printf '%s\n' "mv: microvisor 0.1.0 abi 1.1 board mps2-an505" "mv: safe mode: $CRC (reason 0x00004103); asking for an update" \
	"mv: app exit 0" "mv: app 'hello' 1.0.0 verified: 33832 bytes at 0x00200000, abi 1.0" \
	"{@999|x} {@15} {@15|1|2} {@015|1} {@15|1" >"$T/console.want"
printf '%s\n' "mv: microvisor 0.1.0 abi 1.1 board mps2-an505" "mv: safe mode: {#4103} (reason 0x00004103)" \
	"mv: app fault: {#4510} SFSR=0x00000008" "{#0}{#4001}" "unknown {#ffff} {#deadbeef}" \
	"malformed {#} {#04103} {#4A03} {#0x4103} {4103} {#000004103} {# 4103}" "{{#4103}}" >>"$T/console.raw"
printf 'cut short {#4103' >>"$T/console.raw"
printf '%s\n' "mv: microvisor 0.1.0 abi 1.1 board mps2-an505" "mv: safe mode: $CRC (reason 0x00004103)" \
	"mv: app fault: SecureFault SFSR=0x00000008" "no error$NOAPP" "unknown {#ffff} {#deadbeef}" \
	"malformed {#} {#04103} {#4A03} {#0x4103} {4103} {#000004103} {# 4103}" "{$CRC}" >>"$T/console.want"
printf 'cut short {#4103' >>"$T/console.want"
expect 0 "a file" -- "$MVB" decode "$T/console.raw"
same "$T/out" "$T/console.want" "a file decoded"
if [ -s "$T/err" ]; then bad "a file: something on standard error"; else ok; fi
expect 0 "standard input" -- sh -c '"$1" decode <"$2"' sh "$MVB" "$T/console.raw"
same "$T/out" "$T/console.want" "standard input decoded"
expect 0 "'-'" -- sh -c '"$1" decode - <"$2"' sh "$MVB" "$T/console.raw"
same "$T/out" "$T/console.want" "'-' decoded"
expect 0 "decoded twice" -- "$MVB" decode "$T/console.want"
same "$T/out" "$T/console.want" "decoding decoded text changes nothing"
: >"$T/empty"
expect 0 "empty input" -- "$MVB" decode "$T/empty"
same "$T/out" "$T/empty" "empty in, empty out"

# --- every byte value passes as it is (no token among them)
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 300 + b"\r\n\0{#")' >"$T/bytes"
expect 0 "binary bytes" -- "$MVB" decode "$T/bytes"
same "$T/out" "$T/bytes" "binary bytes unchanged"

# --- one line of 240 KiB, a token at each 4 KiB read boundary, cut
# there at every offset: a listed one, an unknown one of 8 digits and one
# cut short
python3 - "$T" "$CRC" <<'PY'
import sys
t, crc = sys.argv[1], sys.argv[2].encode()
raw = bytearray(b"x" * (4096 * 60))
for i in range(1, 60):
    tok = (b"{#4103}", b"{#10004103}", b"{#4103", b"{@15|123}", b"{@15|12")[i % 5]
    pos = i * 4096 - (i // 3) % 12
    raw[pos:pos + len(tok)] = tok
raw += b"\n"
open(t + "/long.raw", "wb").write(raw)
open(t + "/long.want", "wb").write(bytes(raw).replace(b"{#4103}", crc).replace(b"{@15|123}", b"app exit 123"))
PY
expect 0 "a long line" -- "$MVB" decode "$T/long.raw"
same "$T/out" "$T/long.want" "a long line decoded across every read boundary"

# --- live: a pipe still open; what came is shown before the writer ends,
# and a token split between two writes is decoded
rm -f "$T/live.out"
(
	printf 'mv: {@5|0x000'
	sleep 1
	printf '04103}\n'
	sleep 4
	printf 'late\n'
) | "$MVB" decode >"$T/live.out" &
live=$!
for _ in $(seq 30); do
	grep -q "reason" "$T/live.out" 2>/dev/null && break
	sleep 0.1
done
if [ "$(cat "$T/live.out")" = "mv: safe mode: $CRC (reason 0x00004103)" ]; then ok; else
	bad "live: the decoded line not shown while the pipe is open: '$(cat "$T/live.out")'"
fi
wait "$live"
if [ "$(tail -n 1 "$T/live.out")" = late ]; then ok; else bad "live: the last line"; fi

# --- memory: 64 MiB through, as much as 'mvbuild --version' takes
base=$( { /usr/bin/time -f %M "$MVB" --version >/dev/null; } 2>&1)
rss=$( { head -c 64M /dev/zero | tr '\0' '{' | /usr/bin/time -f %M "$MVB" decode | wc -c >"$T/count"; } 2>&1)
if [ "$(cat "$T/count")" = 67108864 ]; then ok; else bad "64 MiB of '{': $(cat "$T/count") bytes out"; fi
if [ "$rss" -le $((base + 1024)) ]; then ok; else bad "64 MiB: peak RSS $rss KiB, --version $base KiB"; fi

# --- statuses
expect 3 "missing file" -- "$MVB" decode "$T/nope.raw"
has err "^mvbuild: error: cannot read '.*nope.raw': No such file or directory$" "missing file said"
expect 3 "a directory" -- "$MVB" decode "$T"
has err "^mvbuild: error: cannot read '.*': Is a directory$" "directory said"
expect 3 "standard output full" -- sh -c '"$1" decode "$2" >/dev/full' sh "$MVB" "$T/console.raw"
has err "cannot write to standard output" "full output said"
expect 2 "two files" -- "$MVB" decode "$T/console.raw" "$T/console.raw"
expect 2 "an option" -- "$MVB" decode --raw "$T/console.raw"
expect 0 "help" -- "$MVB" decode --help
has out "^usage: mvbuild decode \[FILE\]$" "usage line"

echo "decode: $pass passed, $fail failed"
[ "$fail" = 0 ]
