#!/bin/bash
# crash.sh - `mvbuild crash show|core` end to end.  An app built here
# (tests/data/crash/app.c: main -> outer -> crasher, which faults) and the
# crash record the microvisor would keep of its fault, made from nm and
# objdump (pc in crasher, lr in outer, the stack holding outer's and
# main's frames); its core file must give gdb-multiarch, with nothing but
# the app's ELF, the backtrace crasher <- outer <- main, the registers,
# the FP registers and the stack.  Then `show` in text and JSON, of the
# record and of the core, the core of a core, and the statuses and
# findings of bad input.
# usage: crash.sh MVBUILD SRCDIR TMPDIR
set -u
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"

GDB=$(command -v gdb-multiarch) || {
	echo "crash: gdb-multiarch is not installed (scripts/setup.sh installs it)"
	exit 1
}

# --- the app, and the record of its crash
arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O1 -g -ffreestanding -nostdlib \
	-Wl,-Ttext=0x00200000 -Wl,-e,main -Wl,--no-warn-rwx-segments -o "$T/app.elf" "$SRC/tests/data/crash/app.c" ||
	{ echo "crash: cannot build the app"; exit 1; }
arm-none-eabi-objdump -d "$T/app.elf" >"$T/app.dis"
arm-none-eabi-nm "$T/app.elf" >"$T/app.nm"

python3 - "$T" <<'PY' || { echo "crash: cannot make the record"; exit 1; }
import re, struct, sys
t = sys.argv[1]
sym = {}
for line in open(t + "/app.nm"):
    a, _, name = line.split()
    sym[name] = int(a, 16)
# each function's instructions: [(address, mnemonic, operands)]
funcs, cur = {}, None
for line in open(t + "/app.dis"):
    m = re.match(r"^([0-9a-f]+) <(\w+)>:", line)
    if m:
        cur = funcs.setdefault(m.group(2), [])
        continue
    m = re.match(r"^\s+([0-9a-f]+):\s+(?:[0-9a-f]{4} ?)+\s+(\S+)\s*(.*)", line)
    if m and cur is not None:
        cur.append((int(m.group(1), 16), m.group(2), m.group(3)))

def after_call(fn, callee):
    """the return address of fn's call to callee: the next instruction"""
    ins = funcs[fn]
    for i, (a, mn, ops) in enumerate(ins):
        if mn == "bl" and "<%s>" % callee in ops:
            return ins[i + 1][0]
    sys.exit("no call to %s in %s" % (callee, fn))

def pushed(fn):
    """the registers fn's prologue pushes, lr last"""
    a, mn, ops = funcs[fn][0]
    regs = [r.strip() for r in ops.strip("{}").split(",")]
    if mn != "push" or regs[-1] != "lr":
        sys.exit("%s does not start with push {..., lr}: %s %s" % (fn, mn, ops))
    return len(regs)

fault = funcs["crasher"][1][0]  # the store, after the movs
ret_outer = after_call("outer", "crasher")
ret_main = after_call("main", "outer")
sp = 0x28000f00
# outer's frame (its pushed registers, lr into main last), then main's
# (its pushed registers, an lr of 0: the end)
words = [0] * (pushed("outer") - 1) + [ret_main | 1] + [0] * pushed("main")
stack = struct.pack("<%dI" % len(words), *words) + bytes(range(0x40, 0x40 + 24))

F_FRAME, F_CALLEE, F_FP, F_STACK, F_PSP = 1, 2, 4, 8, 0x20
r = [0x1000 + i for i in range(13)]
r[0] = 0xfffffff0  # p
r[4] = 0xfffffff0  # outer keeps v in a callee-saved register
head = struct.pack("<IHHIIII", 0x5243564D, 1, 0x138 + len(stack), 2, 0x4513, 61234, 0x01020003)
head += bytes(range(0x10, 0x30))
head += struct.pack("<II", F_FRAME | F_CALLEE | F_FP | F_STACK | F_PSP, 0xffffffbc)
head += struct.pack("<13I", *r)
head += struct.pack("<IIII", sp, ret_outer | 1, fault, 0x61000000)
head += struct.pack("<III", 0x28001000, sp - 32, 0x2)              # msp_ns, psp_ns, control_ns
head += struct.pack("<IIIIIIII", 0, 0x82, 0x40000000, 0, 0, 0xfffffff0, 0, 0x03000000)
s = [0x3f800000, 0x40000000] + [0x41000000 + i for i in range(30)]  # s0 = 1.0, s1 = 2.0
head += struct.pack("<32I", *s)
head += struct.pack("<II", sp, len(stack))
assert len(head) == 0x138
open(t + "/rec.bin", "wb").write(head + stack)
with open(t + "/want", "w") as f:
    for k, v in (("pc", fault), ("ret_outer", ret_outer), ("sp", sp), ("ret_main", ret_main),
                 ("crasher", sym["crasher"]), ("outer", sym["outer"]), ("main", sym["main"]),
                 ("stack_len", len(stack)), ("word0", words[0]), ("lr_slot", 4 * (pushed("outer") - 1))):
        f.write("%s=%d\n" % (k, v))
PY
. "$T/want"
hex() { printf '0x%08x' "$1"; }

# --- the core, and gdb-multiarch's view of it
expect 0 "crash core" -- "$MVB" crash core "$T/rec.bin" -o "$T/core"
[ -s "$T/out" ] && bad "crash core: something on standard output"
expect 0 "readelf" -- readelf -h -l -n "$T/core"
has out "Type: *CORE (Core file)" "an ELF core file"
has out "Machine: *ARM" "for ARM"
has out "NT_PRSTATUS" "NT_PRSTATUS note"
has out "NT_AUXV" "NT_AUXV note"
has out "NT_ARM_VFP" "NT_ARM_VFP note"
has out "MVBUILD *$(printf '0x%08x' $((0x138 + stack_len)))" "the MVBUILD note, the record's size"
has out "LOAD .* $(hex "$sp") 0x00000000 $(printf '0x%05x 0x%05x' "$stack_len" "$stack_len") RW" "the stack segment"

expect 0 "gdb bt" -- "$GDB" -nx -batch -ex bt -ex "info registers pc sp lr r4 cpsr" -ex 'p $s0' -ex 'p $s1' \
	-ex 'info registers fpscr' -ex "x/1wx \$sp+$lr_slot" "$T/app.elf" "$T/core"
cp "$T/out" "$T/gdb.out"
has out "^Program terminated with signal SIGSEGV" "signal 11 for a MemManage fault"
has out "^#0  $(hex "$pc") in crasher (p=" "frame 0 in crasher, at the fault"
has out "^#1  $(hex "$ret_outer") in outer (v=" "frame 1 in outer, after its call"
has out "^#2  $(hex "$ret_main") in main ()" "frame 2 in main, from the stack"
has out "crash/app.c:11" "the faulting line"
has out "^pc  *$(printf '0x%x' "$pc") " "gdb's pc"
has out "^lr  *$(printf '0x%x' "$((ret_outer | 1))") " "gdb's lr"
has out "^sp  *$(printf '0x%x' "$sp") " "gdb's sp"
has out "^r4  *0xfffffff0 " "r4, callee-saved"
has out "^cpsr  *0x60000030 " "cpsr: the flags, Thumb, user mode"
has out "^\$1 = 1$" "s0 from the VFP note"
has out "^\$2 = 2$" "s1 from the VFP note"
has out "^fpscr  *0x3000000 " "fpscr"
has out "$(printf '0x%08x' "$((sp + lr_slot))").*:[[:space:]]*$(printf '0x%08x' "$((ret_main | 1))")" "the stack's bytes in gdb's memory"
if grep -q "warning" "$T/out" "$T/err"; then bad "gdb warned:"; sed 's/^/  | /' "$T/out" "$T/err" | grep warning; else ok; fi

# --- show: text
expect 0 "show a record" -- "$MVB" crash show "$T/rec.bin"
cp "$T/out" "$T/show.rec"
has out "^crash 2, reason 0x4513: MemManage$" "number and reason"
has out "^uptime:     61.234 s$" "uptime"
has out "^app:        1.2.3, image sha256 101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f$" "app and image"
has out "^signal:     SIGSEGV (11) in a core file$" "signal"
has out "^registers:  the app's exception frame on PSP (thread mode); r4-r11 live at the fault$" "where the registers are from"
has out "^  pc   $(hex "$pc")  lr   $(hex "$((ret_outer | 1))")  sp   $(hex "$sp")  xpsr 0x61000000$" "pc lr sp xpsr"
has out "^  r0   0xfffffff0  r1   0x00001001  r2   0x00001002  r3   0x00001003$" "r0-r3"
has out "^  r4   0xfffffff0  r5   0x00001005  r6   0x00001006  r7   0x00001007$" "r4-r7"
has out "^  r8   0x00001008  r9   0x00001009  r10  0x0000100a  r11  0x0000100b$" "r8-r11"
has out "^  r12  0x0000100c$" "r12"
has out "^  exc_return 0xffffffbc  msp_ns 0x28001000  psp_ns $(hex "$((sp - 32))")  control_ns 0x00000002$" "exc_return and the stack pointers"
has out "^  cfsr     0x00000000  (microvisor's bank)$" "cfsr"
has out "^  cfsr_ns  0x00000082  DACCVIOL MMARVALID (app's bank)$" "cfsr_ns decoded"
has out "^  hfsr     0x40000000  FORCED$" "hfsr decoded"
has out "^  sfsr     0x00000000$" "sfsr"
has out "^  address  0xfffffff0 (MMFAR_NS)$" "the fault address"
has out "^fp:         fpscr 0x03000000$" "fpscr"
has out "^  s0   0x3f800000  s1   0x40000000  s2   0x41000000  s3   0x41000001$" "s0-s3"
has out "^  s28  0x4100001a  s29  0x4100001b  s30  0x4100001c  s31  0x4100001d$" "s28-s31"
has out "^stack:      $stack_len bytes kept, $(hex "$sp")-$(hex "$((sp + stack_len - 1))")$" "the stack kept"
if [ -s "$T/err" ]; then bad "show: something on standard error"; else ok; fi
expect 0 "show the core" -- "$MVB" crash show "$T/core"
same "$T/out" "$T/show.rec" "a core shows as its record"

# --- show: JSON
expect 0 "show --format json" -- "$MVB" crash show "$T/core" --format json
python3 - "$T/out" "$pc" "$sp" "$stack_len" <<'PY' && ok || bad "show --format json: wrong document"
import json, sys
d = json.load(open(sys.argv[1]))
pc, sp, n = (int(x) for x in sys.argv[2:5])
h = lambda v: "0x%08x" % v
assert d["schema"] == 1 and d["file"].endswith("/core") and d["kind"] == "core", d
assert d["number"] == 2 and d["reason"] == 0x4513 and d["reason_text"] == "MemManage"
assert d["uptime_ms"] == 61234 and d["app_version"] == "1.2.3" and d["signal"] == 11
assert d["image_sha256"] == bytes(range(0x10, 0x30)).hex()
assert d["flags"] == {"value": h(0x2f), "frame": True, "callee": True, "fp": True, "stack": True,
                      "handler": False, "psp": True}, d["flags"]
r = d["registers"]
assert r["pc"] == h(pc) and r["sp"] == h(sp) and r["r4"] == h(0xfffffff0) and r["r12"] == h(0x100c)
assert r["xpsr"] == h(0x61000000) and r["exc_return"] == h(0xffffffbc) and r["control_ns"] == h(2)
f = d["faults"]
assert f["cfsr_ns"] == {"value": h(0x82), "bits": ["DACCVIOL", "MMARVALID"]}, f
assert f["hfsr"]["bits"] == ["FORCED"] and f["cfsr"]["bits"] == [] and f["sfsr"]["bits"] == []
assert f["addresses"] == [{"register": "MMFAR_NS", "address": h(0xfffffff0)}], f["addresses"]
assert d["fp"]["fpscr"] == h(0x03000000) and d["fp"]["s"][1] == h(0x40000000) and len(d["fp"]["s"]) == 32
s = d["stack"]
assert s["address"] == h(sp) and s["length"] == n and len(s["bytes"]) == 2 * n
assert s["bytes"].endswith(bytes(range(0x40, 0x58)).hex())
assert d["findings"] == [] and d["errors"] == 0
PY

# --- the core of a core: the same bytes; deterministic
expect 0 "core of the core" -- "$MVB" crash core "$T/core" -o "$T/core2"
same "$T/core" "$T/core2" "the core of a core is the same core"
expect 0 "core again" -- "$MVB" crash core "$T/rec.bin" -o "$T/core3"
same "$T/core" "$T/core3" "the same record, the same core"

# --- a record with no registers (a fault in secure state), no FP, no stack
python3 - "$T" <<'PY'
import sys
b = bytearray(open(sys.argv[1] + "/rec.bin", "rb").read()[:0x138])
b[6:8] = (0x138).to_bytes(2, "little")
b[0x38:0x3c] = (0).to_bytes(4, "little")                           # cr_flags
b[0x40:0x84] = bytes(0x44)                                          # r0-r12 sp lr pc xpsr
b[0x90:0x94] = (0x00000200 | 0x4000 | 0x8000).to_bytes(4, "little") # PRECISERR, reserved bit 14, BFARVALID
b[0x94:0x98] = (0).to_bytes(4, "little")
b[0x9c:0xa0] = (0x48).to_bytes(4, "little")                         # AUVIOL SFARVALID
b[0xa0:0xa4] = (0x10000000).to_bytes(4, "little")
b[0xa8:0xac] = (0x40001000).to_bytes(4, "little")
b[0x0c:0x10] = (0x4510).to_bytes(4, "little")
b[0x130:0x138] = bytes(8)
open(sys.argv[1] + "/bare.bin", "wb").write(bytes(b))
PY
expect 0 "show a bare record" -- "$MVB" crash show "$T/bare.bin"
has out "^crash 2, reason 0x4510: SecureFault$" "bare: reason"
has out "^registers:  none kept (the fault came from secure state" "bare: no registers"
if grep -q "^  pc \|^  r0 " "$T/out"; then bad "bare: registers shown"; else ok; fi
has out "^  cfsr     0x0000c200  PRECISERR bit14 BFARVALID (microvisor's bank)$" "bare: cfsr, a reserved bit by number"
has out "^  sfsr     0x00000048  AUVIOL SFARVALID$" "bare: sfsr"
has out "^  address  0x40001000 (BFAR)$" "bare: BFAR"
has out "^  address  0x10000000 (SFAR)$" "bare: SFAR"
has out "^fp:         not kept$" "bare: no FP"
has out "^stack:      none kept$" "bare: no stack"
expect 0 "bare: json" -- "$MVB" crash show "$T/bare.bin" --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["registers"]
assert r["pc"] is None and r["r0"] is None and r["r4"] is None and d["fp"] is None and d["stack"] is None
assert d["kind"] == "record" and d["signal"] == 11' "$T/out" && ok || bad "bare: json"
expect 0 "bare: core" -- "$MVB" crash core "$T/bare.bin" -o "$T/bare.core"
expect 0 "bare: readelf" -- readelf -l -n "$T/bare.core"
if grep -q "LOAD\|NT_ARM_VFP" "$T/out"; then bad "bare: a stack segment or VFP note"; else ok; fi
expect 0 "bare: gdb" -- "$GDB" -nx -batch -ex bt "$T/app.elf" "$T/bare.core"
has out "^Program terminated with signal SIGSEGV" "bare: gdb reads it"

# --- bad input: a finding with the offset of the field, status 1
bent() { # NAME OFFSET HEXBYTES: rec.bin with bytes replaced
	python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); o=int(sys.argv[2],0); v=bytes.fromhex(sys.argv[3]); b[o:o+len(v)]=v; open(sys.argv[4],"wb").write(b)' \
		"$T/rec.bin" "$2" "$3" "$T/$1"
}
bent fmt2.bin 4 0200
expect 1 "format 2" -- "$MVB" crash show "$T/fmt2.bin"
has err "^$T/fmt2.bin: offset 0x4: error: cr_format is 2: this mvbuild reads crash record format 1 \[crash-record\]$" "format 2 said"
bent flags.bin 0x38 ff000000
expect 1 "unknown flags" -- "$MVB" crash core "$T/flags.bin" -o "$T/flags.core"
has err "offset 0x38: error: cr_flags 0x000000ff has bits format 1 does not define (0x000000c0) \[crash-record\]" "flags said"
[ -e "$T/flags.core" ] && bad "a core written for a bad record"
bent size.bin 6 0001
expect 1 "cr_size" -- "$MVB" crash show "$T/size.bin"
has err "offset 0x6: error: cr_size is 256, not 0x138 + cr_stack_len ($stack_len) = $((0x138 + stack_len)) \[crash-record\]" "cr_size said"
head -c 300 "$T/rec.bin" >"$T/short.bin"
expect 1 "cut short" -- "$MVB" crash show "$T/short.bin"
has err "offset 0x12c: error: the record ends after 300 bytes, inside its 0x138-byte header \[crash-record\]" "short said"
head -c $((0x138 + stack_len - 1)) "$T/rec.bin" >"$T/short2.bin"
expect 1 "stack cut short" -- "$MVB" crash show "$T/short2.bin"
has err "error: the record is cut short: $((0x138 + stack_len - 1)) of its $((0x138 + stack_len)) bytes" "stack short said"
printf 'hello world\n' >"$T/text"
expect 1 "not a record" -- "$MVB" crash show "$T/text"
has err "offset 0x0: error: neither a crash record (it would start with \"MVCR\") nor an ELF core file \[crash-record\]" "text said"
: >"$T/empty"
expect 1 "empty" -- "$MVB" crash show "$T/empty"
expect 1 "the app's ELF" -- "$MVB" crash show "$T/app.elf"
has err "offset 0x10: error: not a core file (e_type 2) \[crash-record\]" "an executable said"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); i=b.index(b"MVBUILD\0"); b[i:i+7]=b"NOTMINE"; open(sys.argv[2],"wb").write(b)' "$T/core" "$T/foreign.core"
expect 1 "a core without the record" -- "$MVB" crash show "$T/foreign.core"
has err "^$T/foreign.core: error: the core file holds no MVBUILD note: not one 'mvbuild crash' wrote \[crash-record\]$" "foreign core said"
expect 1 "json: bad input" -- "$MVB" crash show "$T/fmt2.bin" --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["findings"][0]
assert d["command"] == "crash show" and d["errors"] == 1 and f["id"] == "crash-record" and f["location"]["offset"] == 4, d' "$T/out" &&
	ok || bad "json: the finding in the document"

# --- statuses
expect 3 "missing file" -- "$MVB" crash show "$T/nope.bin"
has err "^mvbuild: error: cannot read '$T/nope.bin': No such file or directory$" "missing said"
cp "$T/rec.bin" "$T/in.bin"
expect 3 "-o is the input" -- "$MVB" crash core "$T/in.bin" -o "$T/in.bin"
has err "refusing to overwrite input file" "input kept"
same "$T/in.bin" "$T/rec.bin" "the input unchanged"
ln -sf in.bin "$T/link.bin"
expect 3 "-o is the input, by another name" -- "$MVB" crash core "$T/link.bin" -o "$T/in.bin"
expect 2 "core without -o" -- "$MVB" crash core "$T/rec.bin"
has err "crash core: -o CORE is required" "missing -o said"
expect 2 "show two files" -- "$MVB" crash show "$T/rec.bin" "$T/rec.bin"
expect 2 "show a bad format" -- "$MVB" crash show "$T/rec.bin" --format yaml
expect 2 "no subcommand" -- "$MVB" crash
expect 2 "unknown subcommand" -- "$MVB" crash shwo "$T/rec.bin"
has err "unknown subcommand 'shwo'; did you mean 'show'?" "typo said"
expect 3 "standard output full" -- sh -c '"$1" crash show "$2" >/dev/full' sh "$MVB" "$T/rec.bin"
expect 0 "help" -- "$MVB" crash --help
has out "^usage: mvbuild crash show FILE \[--format text|json\] | core FILE -o CORE | get " "usage line"
has out "^  show  " "show listed"
has out "^  core  " "core listed"
has out "^  get   " "get listed"
expect 0 "show --help" -- "$MVB" crash show --help
has out "^usage: mvbuild crash show FILE \[--format text|json\]$" "show's usage"
expect 0 "core --help" -- "$MVB" crash core --help
has out "^usage: mvbuild crash core FILE -o CORE$" "core's usage"

echo "crash: $pass passed, $fail failed"
[ "$fail" = 0 ]
