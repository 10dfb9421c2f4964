# repo-suite.sh - what tests/cli/publish.sh (a directory, nginx) and
# tests/cli/publish-s3.sh (radosgw) both run against a repository.
# Sourced after lib.sh, with MVB, SRC, T and NOW set: makes the fixture
# bundles r1..r6.mvb and foreign.mvb in $T (keys k.pem and other.pem), and
# defines run_suite.

# three releases of one app whose code differs (-Os, -O1, -O2), and a fourth to six
CC="arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -ffreestanding -nostdlib -Wl,--no-warn-rwx-segments"
LD="-T $SRC/tests/data/elf/app.ld -Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000"
APP=$SRC/tests/data/elf/app.yaml API=$SRC/tests/data/elf/mv_api.yaml
"$MVB" keygen -o "$T/k.pem" >/dev/null || exit 1
"$MVB" keygen -o "$T/other.pem" >/dev/null || exit 1
opt=(x -Os -O1 -O2 -Os -O1 -O2)
for i in 1 2 3 4 5 6; do
	$CC ${opt[$i]} $LD -DCALL_MV -DRELEASE=$i -Wl,--defsym=mv_log=0x1001f009 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/r$i.elf" || exit 1
	"$MVB" bundle "$T/r$i.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.$i.0 --security-counter $i \
		-o "$T/r$i.mvb" 2>/dev/null || exit 1
done
"$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --sign "$T/other.pem" --version 1.9.0 --security-counter 9 -o "$T/foreign.mvb" 2>/dev/null || exit 1

# run_suite NAME REPO: publish r1..r3 (and a dry run of r4), refusals, releases,
# and fetches from every older version, against a directory, a URL or a bucket
run_suite() {
	local name=$1 R=$2 S=$T/$1.state
	expect 0 "$name: publish 1" -- "$MVB" publish --now "$NOW" "$T/r1.mvb" --repo "$R" --sign "$T/k.pem"
	has out "index version 1, 1 object uploaded" "$name: first index"
	expect 0 "$name: dry run" -- "$MVB" publish --now "$NOW" "$T/r2.mvb" --repo "$R" --sign "$T/k.pem" --dry-run
	has out "would upload bundle mps2-an505/fixture/objects/" "$name: dry run names the object"
	has out "would write mps2-an505/fixture/stable/index: index version 2" "$name: dry run names the index"
	expect 0 "$name: publish 2" -- "$MVB" publish --now "$NOW" "$T/r2.mvb" --repo "$R" --sign "$T/k.pem"
	has out "index version 2" "$name: dry run changed nothing"
	has err "delta 1.1.0 -> 1.2.0" "$name: delta made"
	expect 0 "$name: publish 3, json" -- "$MVB" publish --now "$NOW" "$T/r3.mvb" --repo "$R" --sign "$T/k.pem" --format json
	if python3 -c 'import json,sys,hashlib; d=json.load(open(sys.argv[1])); b=open(sys.argv[2],"rb").read(); o=d["objects"]
assert d["schema"]==1 and d["action"]=="published" and d["app"]=="fixture" and d["channel"]=="stable"
assert d["release"]=={"version":"1.3.0","security_counter":3,"size":len(b),"sha256":hashlib.sha256(b).hexdigest()}
assert d["index"]["version"]==3 and d["index"]["releases"]==3 and d["index"]["deltas"]==3 and d["index"]["expires"]>d["index"]["published"]
assert o[0]["kind"]=="bundle" and o[0]["sha256"]==d["release"]["sha256"] and [x["kind"] for x in o[1:]]==["delta","delta"]
assert o[0]["state"]=="uploaded" and all(x["state"] in ("uploaded","already there") for x in o)
assert d["uploaded_bytes"]==sum(x["size"] for x in o if x["state"]=="uploaded")' "$T/out" "$T/r3.mvb"; then ok; else bad "$name: publish json"; fi
	if [ "$name" = dir ]; then
		if python3 -c 'import json,sys,os,hashlib; d=json.load(open(sys.argv[1]))
for x in d["objects"]: assert hashlib.sha256(open(os.path.join(sys.argv[2],x["path"]),"rb").read()).hexdigest()==x["sha256"]' "$T/out" "$R"; then ok; else bad "$name: publish json paths"; fi
	fi
	expect 0 "$name: publish 3 again is a no-op" -- "$MVB" publish --now "$NOW" "$T/r3.mvb" --repo "$R" --sign "$T/k.pem"
	has out "already the latest" "$name: idempotent"
	expect 0 "$name: no-op, json" -- "$MVB" publish --now "$NOW" "$T/r3.mvb" --repo "$R" --sign "$T/k.pem" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="unchanged" and d["release"]["version"]=="1.3.0" and d["index"]["version"]==3 and d["objects"]==[] and d["uploaded_bytes"]==0' "$T/out"; then ok; else bad "$name: no-op json"; fi
	expect 0 "$name: dry run, json" -- "$MVB" publish --now "$NOW" "$T/r4.mvb" --repo "$R" --sign "$T/k.pem" --dry-run --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="dry-run" and d["index"]["version"]==4 and d["release"]["version"]=="1.4.0" and d["objects"] and all(x["state"]=="would upload" for x in d["objects"]) and d["uploaded_bytes"]==0' "$T/out"; then ok; else bad "$name: dry run json"; fi
	expect 1 "$name: older counter refused" -- "$MVB" publish --now "$NOW" "$T/r2.mvb" --repo "$R" --sign "$T/k.pem"
	has err "\[repo-counter\]" "$name: counter id"
	expect 1 "$name: bundle by another key refused" -- "$MVB" publish --now "$NOW" "$T/foreign.mvb" --repo "$R" --sign "$T/k.pem"
	has err "\[bundle-unsigned\]" "$name: bundle checked first"
	expect 1 "$name: index of another key is not replaced" -- "$MVB" publish --now "$NOW" "$T/foreign.mvb" --repo "$R" --sign "$T/other.pem"
	has err "\[repo-unsigned\]" "$name: foreign index key"
	expect 0 "$name: releases" -- "$MVB" releases --repo "$R" --board mps2-an505 --app fixture --key "$T/k.pub.pem"
	has out "index version 3" "$name: releases version"
	has out "delta from 1.1.0" "$name: releases lists deltas"
	expect 0 "$name: releases json" -- "$MVB" releases --repo "$R" --board mps2-an505 --app fixture --format json
	if python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["channels"][0]; assert [r["version"] for r in c["releases"]]==["1.1.0","1.2.0","1.3.0"]; assert {(d["from"],d["to"]) for d in c["deltas"]}=={("1.1.0","1.2.0"),("1.1.0","1.3.0"),("1.2.0","1.3.0")}; assert all(d["size"]<d["full_size"] for d in c["deltas"])' "$T/out"; then ok; else bad "$name: releases json shape"; fi
	cp "$T/out" "$T/$name.releases.json"

	# every older version gets the newest: full bundles byte-identical,
	# deltas decoding over their base to the newest's images
	expect 0 "$name: fetch, no version" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" --state "$S" -o "$T/$name.f0.mvb"
	same "$T/$name.f0.mvb" "$T/r3.mvb" "$name: full fetch"
	for h in 1 2; do
		expect 0 "$name: fetch from 1.$h.0" -- "$MVB" fetch --repo "$R" --app fixture --base "$T/r$h.mvb" --key "$T/k.pub.pem" --state "$S" -o "$T/$name.f$h.mvb"
		has out "delta from 1.$h.0" "$name: delta chosen from 1.$h.0"
		expect 0 "$name: fetched delta verifies over its base" -- "$MVB" verify "$T/$name.f$h.mvb" --base "$T/r$h.mvb" --key "$T/k.pub.pem"
		"$MVB" inspect "$T/$name.f$h.mvb" --format json >"$T/a.json" && "$MVB" inspect "$T/r3.mvb" --format json >"$T/b.json"
		if python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:3]); assert [l["sha256"] for l in a["layers"] if l["role"]!="revert"]==[l["sha256"] for l in b["layers"]] and a["manifest"]==b["manifest"]' "$T/a.json" "$T/b.json"; then ok; else bad "$name: delta from 1.$h.0 does not install the newest images"; fi
		"$MVB" inspect "$T/r$h.mvb" --format json >"$T/c.json"
		if python3 -c 'import json,sys; a,c=(json.load(open(f)) for f in sys.argv[1:3]); base={l["role"]:l["sha256"] for l in c["layers"]}
assert any(l["encoding"]=="delta" for l in a["layers"])
app=[l for l in a["layers"] if l["role"]=="app"][0]
assert [l["role"] for l in a["layers"]]==["microvisor","app","revert"]
for l in a["layers"]:
    if l["role"]=="revert": assert l["base_sha256"]==app["sha256"] and l["sha256"]==base["app"], l
    else: assert l["base_sha256"]==(base[l["role"]] if l["encoding"]=="delta" else None), l' "$T/a.json" "$T/c.json"; then ok; else bad "$name: a delta layer names its base image, its revert layer the way back"; fi
		expect 0 "$name: fetch from 1.$h.0 without its bundle" -- "$MVB" fetch --repo "$R" --app fixture --have 1.$h.0 --key "$T/k.pub.pem" -o "$T/$name.g$h.mvb"
		same "$T/$name.g$h.mvb" "$T/r3.mvb" "$name: full bundle when the base is not at hand"
	done
	expect 0 "$name: up to date" -- "$MVB" fetch --repo "$R" --app fixture --have 1.3.0 --key "$T/k.pub.pem" -o "$T/$name.none.mvb"
	has out "nothing to download" "$name: up to date message"
	# fetch --format json: up to date, a delta (dry run), a full download, a refusal
	expect 0 "$name: up to date, json" -- "$MVB" fetch --repo "$R" --app fixture --have 1.3.0 --key "$T/k.pub.pem" -o "$T/$name.none.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="up-to-date" and d["latest"]=={"version":"1.3.0","security_counter":3} and d["index"]["version"]==3 and d["download"] is None and d["output"] is None' "$T/out"; then ok; else bad "$name: up to date json"; fi
	expect 0 "$name: delta dry run, json" -- "$MVB" fetch --repo "$R" --app fixture --base "$T/r1.mvb" --key "$T/k.pub.pem" --dry-run --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); x=d["download"]; assert d["action"]=="dry-run" and x["kind"]=="delta" and x["from"]=="1.1.0" and x["path"].startswith("mps2-an505/fixture/objects/") and x["sha256"] in x["path"] and d["output"] is None' "$T/out"; then ok; else bad "$name: delta dry run json"; fi
	expect 0 "$name: full fetch, json" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" -o "$T/$name.j.mvb" --format json
	if python3 -c 'import json,sys,hashlib; d=json.load(open(sys.argv[1])); b=open(sys.argv[2],"rb").read(); x=d["download"]; assert d["action"]=="fetched" and x["kind"]=="full" and x["from"] is None and x["size"]==len(b) and x["sha256"]==hashlib.sha256(b).hexdigest() and d["output"]==sys.argv[2]' "$T/out" "$T/$name.j.mvb"; then ok; else bad "$name: full fetch json"; fi
	same "$T/$name.j.mvb" "$T/r3.mvb" "$name: full fetch, json, the bytes"
	expect 1 "$name: expired, json" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" --now 4000000000 -o "$T/x.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="refused" and [f["id"] for f in d["findings"]]==["repo-expired"] and d["index"] is None and d["download"] is None' "$T/out"; then ok; else bad "$name: refused json"; fi
	expect 1 "$name: wrong key" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/other.pub.pem" -o "$T/x.mvb"
	has err "\[repo-unsigned\]" "$name: wrong key id"
	expect 1 "$name: expired" -- "$MVB" fetch --repo "$R" --app fixture --key "$T/k.pub.pem" --now 4000000000 -o "$T/x.mvb"
	has err "\[repo-expired\]" "$name: expired id"
	expect 1 "$name: other channel" -- "$MVB" fetch --repo "$R" --app fixture --channel beta --key "$T/k.pub.pem" -o "$T/x.mvb"
	if [ -e "$T/x.mvb" ]; then bad "$name: output written for a refused index"; else ok; fi
}
