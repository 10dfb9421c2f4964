#!/bin/bash
# sbom.sh - bundle --sbom and publish --sbom end to end: every SBOM made
# (signed, unsigned, delta, another microvisor, no app manifest) is valid
# CycloneDX 1.5 by the published schema (tests/tools/sbom-validate.py,
# python3-jsonschema, references resolved offline), names what it must
# (bundle, microvisor, app, toolchain, board, keys, mvbuild) as inspect and
# readelf see them, and comes out the same twice; the validator refuses
# broken documents (so it can fail); publish stores it next to the bundle
# object in a directory and on a real nginx, and refuses one that names
# another bundle or is no SBOM.
# usage: sbom.sh MVBUILD SRCDIR TMPDIR
set -u
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"
NGINX_DIR=
cleanup() { [ -n "$NGINX_DIR" ] && "$SRC/tests/tools/nginx-dav.sh" stop "$NGINX_DIR"; }
trap cleanup EXIT

# Debian's interpreter, whose python3-jsonschema setup.sh installs, when
# there is one; else whatever python3 is first on PATH
PY=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null && PY=/usr/bin/python3
VALIDATE=("$PY" "$SRC/tests/tools/sbom-validate.py")
"$PY" -c 'import jsonschema' 2>/dev/null || { echo "FAIL: python3-jsonschema is not installed (scripts/setup.sh installs it)"; exit 1; }

API=$SRC/tests/data/elf/mv_api.yaml APP=$SRC/tests/data/elf/app.yaml
for i in 1 2; do
	$FIXTURE_CC $FIXTURE_LD -DCALL_MV -DRELEASE=$i -Wl,--defsym=mv_log=0x1001f009 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/r$i.elf" || exit 1
done
"$MVB" keygen -o "$T/k.pem" >"$T/keygen.out" || exit 1
KEYID=$(sed -n 's/.*key id \([0-9a-f]*\)$/\1/p' "$T/keygen.out")
export SOURCE_DATE_EPOCH=1700000000

# --- bundle --sbom
expect 0 "signed bundle with SBOM" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.1.0 --security-counter 1 -o "$T/r1.mvb" --sbom "$T/r1.cdx.json"
has err "SBOM $T/r1.cdx.json" "the summary line names the SBOM"
expect 0 "the same again" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.1.0 --security-counter 1 -o "$T/r1b.mvb" --sbom "$T/r1b.cdx.json"
same "$T/r1.cdx.json" "$T/r1b.cdx.json" "the SBOM is deterministic"
expect 0 "second release, json" -- "$MVB" bundle "$T/r2.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.2.0 --security-counter 2 -o "$T/r2.mvb" --sbom "$T/r2.cdx.json" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sbom"]==sys.argv[2] and d["ok"]' "$T/out" "$T/r2.cdx.json"; then ok; else bad "bundle json names the SBOM"; fi
expect 0 "delta bundle with SBOM" -- "$MVB" bundle "$T/r2.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --version 1.2.0 --security-counter 2 --base "$T/r1.mvb" -o "$T/d12.mvb" --sbom "$T/d12.cdx.json"
expect 0 "unsigned bundle with SBOM, no build time" -- env -u SOURCE_DATE_EPOCH "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --unsigned -o "$T/u.mvb" --sbom "$T/u.cdx.json"
expect 0 "no app manifest" -- "$MVB" bundle "$T/r1.elf" --api "$API" --unsigned -o "$T/nm.mvb" --sbom "$T/nm.cdx.json"
cp "$SRC/firmware/prebuilt/mps2-an505/microvisor.elf" "$T/own-mv.elf"
expect 0 "a microvisor of its own" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --microvisor "$T/own-mv.elf" -o "$T/own.mvb" --sbom "$T/own.cdx.json"
expect 0 "the prebuilt update-client microvisor" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --microvisor "$SRC/firmware/prebuilt/mps2-an505/microvisor-ota.elf" -o "$T/ota.mvb" --sbom "$T/ota.cdx.json"

# refusals: nothing written
expect 2 "--sbom with --factory" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --factory -o "$T/f.elf" --sbom "$T/f.json"
has err "factory image has none" "factory refusal says why"
expect 2 "--sbom is the bundle" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --unsigned -o "$T/x.mvb" --sbom "$T/x.mvb"
expect 3 "--sbom into a missing directory" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --unsigned -o "$T/y.mvb" --sbom "$T/none/y.json"
if [ ! -e "$T/y.mvb" ] && [ ! -e "$T/f.elf" ] && [ ! -e "$T/x.mvb" ]; then ok; else bad "a refused bundle was written"; fi
expect 3 "--sbom over an input" -- "$MVB" bundle "$T/r1.elf" --app "$APP" --api "$API" --unsigned -o "$T/z.mvb" --sbom "$T/r1.elf"
has err "refusing to overwrite input file" "an input is never overwritten"
if [ ! -e "$T/z.mvb" ] && arm-none-eabi-readelf -h "$T/r1.elf" >/dev/null 2>&1; then ok; else bad "--sbom over an input: bundle written or input damaged"; fi

# --- every SBOM valid against the published schema
# (the abi is that of --api, the fixture table: 1.1)
ALL=("$T/r1.cdx.json" "$T/r2.cdx.json" "$T/d12.cdx.json" "$T/u.cdx.json" "$T/nm.cdx.json" "$T/own.cdx.json" "$T/ota.cdx.json")
expect 0 "schema-valid (CycloneDX 1.5)" -- "${VALIDATE[@]}" "${ALL[@]}"
n=$(grep -c ": valid CycloneDX 1.5$" "$T/out")
[ "$n" = 7 ] && ok || bad "validated $n of 7"
# the validator can fail: a wrong enum, an unknown key, an SPDX licence id
# that does not exist (spdx.schema.json, resolved offline), a JSF
# signature of the wrong shape (jsf-0.82.schema.json)
python3 - "$T/r1.cdx.json" "$T" <<'EOF'
import json, sys
src, t = sys.argv[1], sys.argv[2]
def mut(name, f):
    d = json.load(open(src)); f(d); json.dump(d, open("%s/%s.json" % (t, name), "w"), indent=1)
mut("bad-type", lambda d: d["components"][0].__setitem__("type", "firmwar"))
mut("bad-key", lambda d: d["metadata"]["component"].__setitem__("sha", "x"))
mut("bad-spdx", lambda d: d["components"][1].__setitem__("licenses", [{"license": {"id": "NOT-A-LICENCE"}}]))
mut("good-spdx", lambda d: d["components"][1].__setitem__("licenses", [{"license": {"id": "Apache-2.0"}}]))
mut("bad-jsf", lambda d: d.__setitem__("signature", {"algorithm": "ES256", "value": 5}))
EOF
for m in bad-type bad-key bad-spdx bad-jsf; do
	expect 1 "validator refuses $m" -- "${VALIDATE[@]}" "$T/$m.json"
	has out "$T/$m.json: .*: error: " "$m: a schema finding, not a crash"
done
expect 0 "validator takes a real SPDX licence id" -- "${VALIDATE[@]}" "$T/good-spdx.json"
# a reference outside the three files is an error, never a download
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["properties"]["x"]={"$ref":"http://example.invalid/x.json"}; json.dump(s,open(sys.argv[2],"w"))' \
	"$SRC/tests/data/cyclonedx/bom-1.5.SNAPSHOT.schema.json" "$T/bom-1.5.SNAPSHOT.schema.json"
cp "$SRC/tests/data/cyclonedx/spdx.SNAPSHOT.schema.json" "$SRC/tests/data/cyclonedx/jsf-0.82.SNAPSHOT.schema.json" "$T/"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["x"]=1; json.dump(d,open(sys.argv[2],"w"))' "$T/r1.cdx.json" "$T/refx.json"
"${VALIDATE[0]}" "${VALIDATE[1]}" --schemas "$T" "$T/refx.json" >"$T/out" 2>&1
if [ $? = 3 ] && grep -q "not resolved offline" "$T/out"; then ok; else bad "an unknown reference was not refused"; sed 's/^/  | /' "$T/out" | tail -5; fi

# --- what they say, against inspect, keygen and readelf
for f in r1 d12 u nm own ota; do "$MVB" inspect "$T/$f.mvb" --format json >"$T/$f.inspect.json" 2>/dev/null; done
[ -s "$T/d12.inspect.json" ] || "$MVB" inspect "$T/d12.mvb" --base "$T/r1.mvb" --format json >"$T/d12.inspect.json"
arm-none-eabi-readelf -p .comment "$T/r1.elf" | sed -n 's/^ *\[ *[0-9a-f]*\] *//p' >"$T/comment.txt"
check() { # check NAME PYTHON-ASSERTIONS (d: the SBOM, i: inspect, b: the bundle's bytes)
	if python3 -c 'import json,sys,hashlib
d=json.load(open(sys.argv[1])); i=json.load(open(sys.argv[2])); b=open(sys.argv[3],"rb").read()
comment=[l.rstrip("\n") for l in open(sys.argv[4]) if l.strip()]
keyid=sys.argv[5]
def props(c, n): return [p["value"] for p in c.get("properties", []) if p["name"]==n]
comp={c["bom-ref"]:c for c in d["components"]}
m=d["metadata"]["component"]
layer={l["role"]:l for l in i["layers"]}
'"$2" "$T/$1.cdx.json" "$T/$1.inspect.json" "$T/$1.mvb" "$T/comment.txt" "$KEYID"; then ok; else bad "$1: SBOM content"; fi
}
COMMON='assert d["bomFormat"]=="CycloneDX" and d["specVersion"]=="1.5" and "serialNumber" not in d
assert m["hashes"]==[{"alg":"SHA-256","content":hashlib.sha256(b).hexdigest()}]
assert props(m,"mvbuild:board")==[i["manifest"]["board"]]=="mps2-an505".split() and comp["board"]["name"]=="mps2-an505"
assert props(m,"mvbuild:bundle:size")==[str(len(b))]
assert comp["microvisor"]["hashes"][0]["content"]==layer["microvisor"]["sha256"]
assert comp["app"]["hashes"][0]["content"]==layer["app"]["sha256"]
assert d["metadata"]["tools"]["components"][0]["name"]=="mvbuild"
assert {x["ref"]:x["dependsOn"] for x in d["dependencies"]}=={"bundle":["microvisor","app","board"],"app":["microvisor"]}
assert props(comp["app"],"mvbuild:elf:toolchain")==comment and comment and comment[0].startswith("GCC: ")'
check r1 "$COMMON"'
assert m["name"]=="fixture" and m["version"]=="1.1.0" and comp["app"]["version"]=="1.1.0"
assert props(m,"mvbuild:signature:key-id")==[keyid] and props(m,"mvbuild:bundle:security-counter")==["1"]
assert comp["microvisor"]["version"]=="0.1.0" and props(comp["microvisor"],"mvbuild:microvisor:abi")==["1.1"]
assert d["metadata"]["timestamp"]=="2023-11-14T22:13:20Z"
assert props(comp["app"],"mvbuild:elf:sha256")==[hashlib.sha256(open(sys.argv[3][:-4]+".elf","rb").read()).hexdigest()]'
check d12 "$COMMON"'
r1={l["role"]:l for l in json.load(open(sys.argv[3][:-7]+"r1.inspect.json"))["layers"]}
assert m["version"]=="1.2.0" and any(l["encoding"]=="delta" for l in layer.values())
assert layer["revert"]["sha256"]==r1["app"]["sha256"]  # the way back, not a component of the release
for role, l in layer.items():
    if role=="revert": continue
    assert props(comp[role],"mvbuild:bundle:encoding")==[l["encoding"]]
    assert props(comp[role],"mvbuild:bundle:delta-base-sha256")==([r1[role]["sha256"]] if l["encoding"]=="delta" else [])'
check u "$COMMON"'
assert props(m,"mvbuild:signature:key-id")==[] and "timestamp" not in d["metadata"]'
check nm "$COMMON"'
assert m["name"]=="" and m["version"]=="0.0.0"'
check own "$COMMON"'
assert "version" not in comp["microvisor"]'
check ota "$COMMON"'
assert comp["microvisor"]["version"]=="0.1.0"'

# --- publish --sbom: next to the bundle object, before the index
R=$T/repo
expect 0 "publish with SBOM" -- "$MVB" publish "$T/r1.mvb" --repo "$R" --sign "$T/k.pem" --sbom "$T/r1.cdx.json"
SHA1=$(sha256sum "$T/r1.mvb" | cut -c1-64)
same "$R/mps2-an505/fixture/objects/$SHA1.cdx.json" "$T/r1.cdx.json" "SBOM stored next to the bundle"
expect 0 "publish 2 with SBOM, json" -- "$MVB" publish "$T/r2.mvb" --repo "$R" --sign "$T/k.pem" --sbom "$T/r2.cdx.json" --format json
if python3 -c 'import json,sys,hashlib; d=json.load(open(sys.argv[1])); o=[x for x in d["objects"] if x["kind"]=="sbom"]
b=hashlib.sha256(open(sys.argv[2],"rb").read()).hexdigest(); s=open(sys.argv[3],"rb").read()
assert len(o)==1 and o[0]["path"]=="mps2-an505/fixture/objects/%s.cdx.json" % b and o[0]["state"]=="uploaded"
assert o[0]["size"]==len(s) and o[0]["sha256"]==hashlib.sha256(s).hexdigest()
assert [x["kind"] for x in d["objects"]][:2]==["bundle","sbom"]' "$T/out" "$T/r2.mvb" "$T/r2.cdx.json"; then ok; else bad "publish json lists the SBOM"; fi
expect 1 "an SBOM of another bundle" -- "$MVB" publish "$T/r2.mvb" --repo "$T/repo-x" --sign "$T/k.pem" --sbom "$T/r1.cdx.json"
has err "\[sbom-bundle\]" "sbom-bundle id"
printf '{"bomFormat": "CycloneDX", "specVersion": "1.4"}\n' >"$T/old.json"
expect 1 "no CycloneDX 1.5" -- "$MVB" publish "$T/r2.mvb" --repo "$T/repo-x" --sign "$T/k.pem" --sbom "$T/old.json"
has err "old.json:1:1: error: .*\[sbom-format\]" "sbom-format id and place"
if [ -e "$T/repo-x" ]; then bad "a refused publish wrote something"; else ok; fi
expect 2 "--sbom with --refresh" -- "$MVB" publish --refresh --board mps2-an505 --app fixture --repo "$R" --sign "$T/k.pem" --sbom "$T/r1.cdx.json"
# the first SBOM of a bundle stays (a CDN may cache it for good)
cp "$T/r2.cdx.json" "$T/r2-other.cdx.json" && sed -i 's/"mvbuild"/"mvbuild "/' "$T/r2-other.cdx.json"
expect 0 "publish to another channel, other SBOM bytes" -- "$MVB" publish "$T/r2.mvb" --repo "$R" --channel beta --sign "$T/k.pem" --sbom "$T/r2-other.cdx.json"
has err "already there (other bytes: kept)" "the first SBOM is kept"
SHA2=$(sha256sum "$T/r2.mvb" | cut -c1-64)
same "$R/mps2-an505/fixture/objects/$SHA2.cdx.json" "$T/r2.cdx.json" "kept SBOM unchanged"

# --- and through a real nginx (WebDAV)
NGINX_DIR=$T/nginx
if PORT=$("$SRC/tests/tools/nginx-dav.sh" start "$NGINX_DIR"); then
	U=http://127.0.0.1:$PORT/sbom
	expect 0 "publish to nginx with SBOM" -- "$MVB" publish "$T/r1.mvb" --repo "$U" --sign "$T/k.pem" --sbom "$T/r1.cdx.json"
	same "$NGINX_DIR/root/sbom/mps2-an505/fixture/objects/$SHA1.cdx.json" "$T/r1.cdx.json" "nginx: SBOM stored"
	python3 -c 'import urllib.request,sys; open(sys.argv[2],"wb").write(urllib.request.urlopen(sys.argv[1]).read())' \
		"$U/mps2-an505/fixture/objects/$SHA1.cdx.json" "$T/got.json" && same "$T/got.json" "$T/r1.cdx.json" "nginx: SBOM served"
	# the index came after it: its PUT is the last request of the publish
	last=$(grep -E '"PUT ' "$NGINX_DIR/logs/access.log" | grep -v "/lock/" | tail -1)
	case "$last" in *"/stable/index "*) ok ;; *) bad "nginx: the index was not the last PUT: $last" ;; esac
	grep -E '"PUT [^ ]*\.cdx\.json ' "$NGINX_DIR/logs/access.log" >/dev/null && ok || bad "nginx: no PUT of the SBOM"
	expect 0 "publish 2 to nginx with SBOM" -- "$MVB" publish "$T/r2.mvb" --repo "$U" --sign "$T/k.pem" --sbom "$T/r2.cdx.json"
	expect 0 "validate what nginx holds" -- "${VALIDATE[@]}" "$NGINX_DIR"/root/sbom/mps2-an505/fixture/objects/*.cdx.json
else
	bad "nginx did not start"
fi

echo "sbom: $pass passed, $fail failed"
[ "$fail" = 0 ]
