#!/usr/bin/env python3
# gen.py - writes the malformed-input corpus next to this script: one small
# file per class of damage, and expect.txt naming the check id (and the
# file offset or line of the bad spot) each must be rejected with.
# tests/unit/test_malformed.c reads expect.txt and the files; both are
# committed, this script only says how they were made.  Each class starts
# from a base that is accepted (its expect.txt row says "ok") and changes
# one thing.
#   elf/   a minimal ARM executable written field by field, then patched
#   yaml/  board manifests cut from board-base.yaml.in, app manifests and
#          secure entry tables cut from the small bases below
import os
import struct

os.chdir(os.path.dirname(os.path.abspath(__file__)))
rows = []


def emit(path, data, check, where=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    rows.append((path, check, where))


# ---------------------------------------------------------------- ELF
EHDR, PHDR, SHDR, SYM = 52, 32, 40, 16
FLASH, RAM = 0x00200000, 0x28000000


def base_elf():
    """A linked app for mps2-an505: vectors + code in app flash, .data in
    app RAM loaded from flash, a symbol table.  Returns bytes and a map of
    where things are."""
    vec = struct.pack("<16I", RAM + 0x1000, FLASH + 0x41, *([FLASH + 0x45] * 14))
    code = bytes.fromhex("fee7" * 16)  # b . (Thumb), 32 bytes
    text = vec + code
    data = bytes(range(16))
    strtab = b"\0_start\0counter\0"
    shstr = b"\0.text\0.data\0.symtab\0.strtab\0.shstrtab\0"
    names = {n: shstr.index(n.encode() + b"\0") for n in (".text", ".data", ".symtab", ".strtab", ".shstrtab")}
    o_text = 0x80
    o_data = o_text + len(text)
    o_sym = o_data + len(data)
    syms = bytes(SYM) + struct.pack("<IIIBBH", 1, FLASH + 0x41, 2, 0x12, 0, 1) \
        + struct.pack("<IIIBBH", 8, RAM, 16, 0x11, 0, 2)
    o_str = o_sym + len(syms)
    o_shstr = o_str + len(strtab)
    o_sh = (o_shstr + len(shstr) + 3) & ~3
    nsec = 6
    eh = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, FLASH + 0x41, EHDR, o_sh, 0x05000400,
                      EHDR, PHDR, 2, SHDR, nsec, 5)
    ph = struct.pack("<8I", 1, o_text, FLASH, FLASH, len(text), len(text), 5, 4)
    ph += struct.pack("<8I", 1, o_data, RAM, FLASH + len(text), len(data), len(data) + 0x100, 6, 4)
    sh = bytes(SHDR)
    sh += struct.pack("<10I", names[".text"], 1, 6, FLASH, o_text, len(text), 0, 0, 4, 0)
    sh += struct.pack("<10I", names[".data"], 1, 3, RAM, o_data, len(data), 0, 0, 4, 0)
    sh += struct.pack("<10I", names[".symtab"], 2, 0, 0, o_sym, len(syms), 4, 2, 4, SYM)
    sh += struct.pack("<10I", names[".strtab"], 3, 0, 0, o_str, len(strtab), 0, 0, 1, 0)
    sh += struct.pack("<10I", names[".shstrtab"], 3, 0, 0, o_shstr, len(shstr), 0, 0, 1, 0)
    img = bytearray(o_sh + len(sh))
    img[0:EHDR] = eh
    img[EHDR:EHDR + len(ph)] = ph
    img[o_text:o_text + len(text)] = text
    img[o_data:o_data + len(data)] = data
    img[o_sym:o_sym + len(syms)] = syms
    img[o_str:o_str + len(strtab)] = strtab
    img[o_shstr:o_shstr + len(shstr)] = shstr
    img[o_sh:] = sh
    at = {"sh": o_sh, "sym": o_sym, "shstr": o_shstr, "text": o_text, "ph": EHDR}
    return img, at


def sh(at, i, field):
    """File offset of a section header field (index into the 10 words)."""
    return at["sh"] + i * SHDR + 4 * field


def ph(at, i, field):
    return at["ph"] + i * PHDR + 4 * field


def put(img, off, fmt, v):
    struct.pack_into(fmt, img, off, v)


def elf(name, check, where, *edits, cut=None):
    img, at = base_elf()
    for e in edits:
        e(img, at)
    if cut is not None:
        img = img[:cut]
    emit("elf/%s.elf" % name, bytes(img), check, where if where is None else "@0x%x" % where(at) if callable(where) else "@0x%x" % where)


def field(off_fn, fmt, v):
    return lambda img, at: put(img, off_fn(at), fmt, v)


base, AT = base_elf()
emit("elf/base.elf", bytes(base), "ok")
elf("truncated-header", "elf-truncated", 40, cut=40)
elf("bad-magic", "elf-magic", 0, field(lambda a: 3, "<B", ord("G")))
elf("class-64", "elf-class", 4, field(lambda a: 4, "<B", 2))
elf("big-endian", "elf-data", 5, field(lambda a: 5, "<B", 2))
elf("ident-version", "elf-version", 6, field(lambda a: 6, "<B", 0))
elf("e-version", "elf-version", 20, field(lambda a: 20, "<I", 2))
elf("relocatable", "elf-type", 16, field(lambda a: 16, "<H", 1))
elf("machine-x86", "elf-machine", 18, field(lambda a: 18, "<H", 3))
elf("eabi-4", "elf-eabi", 36, field(lambda a: 36, "<I", 0x04000400))
elf("ehsize", "elf-header-size", 40, field(lambda a: 40, "<H", 64))
elf("phentsize", "elf-header-size", 42, field(lambda a: 42, "<H", 56))
elf("shentsize", "elf-header-size", 46, field(lambda a: 46, "<H", 64))
elf("phdrs-past-end", "elf-phdr-range", 28, field(lambda a: 28, "<I", len(base) - 16))
elf("phnum-extended", "elf-phdr-range", 44, field(lambda a: 44, "<H", 0xFFFF))
elf("shoff-past-end", "elf-shdr-range", 32, field(lambda a: 32, "<I", len(base) + 4))
elf("shnum-past-end", "elf-shdr-range", 48, field(lambda a: 48, "<H", 200))
elf("shnum-extended-small", "elf-shnum", lambda a: sh(a, 0, 5),
    field(lambda a: 48, "<H", 0), field(lambda a: sh(a, 0, 5), "<I", 6))
elf("shstrndx-range", "elf-shstrndx", 50, field(lambda a: 50, "<H", 9))
elf("shstrndx-not-strtab", "elf-shstrndx", lambda a: a["text"], field(lambda a: 50, "<H", 1))
SHSTR_LEN = struct.unpack_from("<I", base, sh(AT, 5, 5))[0]
elf("shstrtab-unterminated", "elf-strtab", lambda a: a["shstr"] + SHSTR_LEN - 2,
    field(lambda a: sh(a, 5, 5), "<I", SHSTR_LEN - 1))
elf("section-name-range", "elf-name-range", lambda a: sh(a, 2, 0), field(lambda a: sh(a, 2, 0), "<I", 0x4000))
elf("section-past-end", "elf-section-range", lambda a: sh(a, 2, 4), field(lambda a: sh(a, 2, 4), "<I", 0x100000))
elf("section-wraps", "elf-section-range", lambda a: sh(a, 2, 3), field(lambda a: sh(a, 2, 3), "<I", 0xFFFFFFF8))
elf("section-compressed", "elf-compressed", lambda a: sh(a, 2, 2), field(lambda a: sh(a, 2, 2), "<I", 3 | 0x800))
elf("symtab-entsize", "elf-entsize", lambda a: sh(a, 3, 9), field(lambda a: sh(a, 3, 9), "<I", 12))
elf("symtab-size", "elf-entsize", lambda a: sh(a, 3, 9), field(lambda a: sh(a, 3, 5), "<I", 40))
elf("symtab-link-self", "elf-section-link", lambda a: sh(a, 3, 6), field(lambda a: sh(a, 3, 6), "<I", 3))
elf("symtab-link-not-strtab", "elf-section-link", lambda a: a["text"], field(lambda a: sh(a, 3, 6), "<I", 1))
elf("two-symtabs", "elf-section-link", lambda a: sh(a, 4, 0),
    field(lambda a: sh(a, 4, 1), "<I", 2), field(lambda a: sh(a, 4, 6), "<I", 5), field(lambda a: sh(a, 4, 9), "<I", 16))
elf("symbol-name-range", "elf-name-range", lambda a: a["sym"] + SYM, field(lambda a: a["sym"] + SYM, "<I", 0x1000))
elf("symbol-section", "elf-symbol", lambda a: a["sym"] + SYM + 14, field(lambda a: a["sym"] + SYM + 14, "<H", 40))
elf("segment-filesz", "elf-segment-size", lambda a: ph(a, 0, 4), field(lambda a: ph(a, 0, 4), "<I", 0x1000))
elf("segment-past-end", "elf-segment-range", lambda a: ph(a, 1, 1), field(lambda a: ph(a, 1, 1), "<I", 0x10000))
elf("segment-wraps", "elf-segment-size", lambda a: ph(a, 1, 2), field(lambda a: ph(a, 1, 2), "<I", 0xFFFFFF80))
elf("segment-align", "elf-segment-align", lambda a: ph(a, 0, 7), field(lambda a: ph(a, 0, 7), "<I", 12))
elf("no-load", "elf-no-load", 28, field(lambda a: ph(a, 0, 0), "<I", 4), field(lambda a: ph(a, 1, 0), "<I", 4))
# linked but wrong for the board: the checks after parsing
elf("entry-arm", "entry-thumb", 24, field(lambda a: 24, "<I", FLASH + 0x40))
elf("entry-outside", "entry-range", 24, field(lambda a: 24, "<I", 0x00100001))
elf("vector-sp", "vector-sp", None, field(lambda a: a["text"], "<I", 0x38000000))
elf("vector-reset-arm", "vector-handler", None, field(lambda a: a["text"] + 4, "<I", FLASH + 0x40))
elf("data-in-secure-ram", "segment-secure", None,
    field(lambda a: ph(a, 1, 2), "<I", 0x38100000), field(lambda a: sh(a, 2, 3), "<I", 0x38100000))

# ---------------------------------------------------------------- YAML
def line_of(text, mark):
    return text[:text.index(mark)].count("\n") + 1


def cut(kind, base, name, old, new, check, mark=None):
    assert base.count(old) >= 1, (name, old)
    text = base.replace(old, new, 1)
    where = None
    if mark is not None:
        where = ":%d" % line_of(text, mark)
    emit("yaml/%s-%s.yaml" % (kind, name), text.encode("latin-1"), check, where)


with open("board-base.yaml.in", encoding="latin-1") as f:
    board = f.read()
emit("yaml/board-base.yaml", board.encode(), "ok")


def b(name, old, new, check, mark=None):
    cut("board", board, name, old, new, check, mark)


# YAML layer
b("syntax", "  nvic-irqs: 64", "  nvic-irqs: [64", "yaml-syntax")
b("tab-indent", "  core: cortex-m33", "\tcore: cortex-m33", "yaml-syntax")
b("duplicate-key", "vendor: test", "vendor: test\nvendor: other", "yaml-duplicate-key", "vendor: other")
b("duplicate-nested-key", "  mpu-regions: 8", "  mpu-regions: 8\n  mpu-regions: 16", "yaml-duplicate-key", "mpu-regions: 16")
b("anchor", "  core: cortex-m33", "  core: &c cortex-m33", "yaml-alias", "core: &c")
b("alias-cycle", "console: uart0", "console: uart0\nloop: &a [*a]", "yaml-alias", "loop:")
b("alias-bomb", "console: uart0", "console: uart0\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]", "yaml-alias", "a: &a")
b("tag", "  nvic-irqs: 64", "  nvic-irqs: !!int 64", "yaml-tag", "nvic-irqs: !!int")
b("two-documents", "console: uart0", "console: uart0\n---\nx: 1", "yaml-documents", "---")
b("deep-nesting", "console: uart0", "console: uart0\nx: " + "[" * 40 + "]" * 40, "yaml-limit", "x: ")
b("not-utf8", "description: test board", "description: test \xff\xfe board", "yaml-syntax")
b("nul-byte", "vendor: test", "vendor: te\x00st", "yaml-syntax")
b("control-char", "vendor: test", 'vendor: "te\\x01st"', "yaml-type", "vendor:")
b("unknown-key", "console: uart0", "consle: uart0", "yaml-unknown-key", "consle:")
b("unknown-nested-key", "  sau-granule: 32", "  sau-granule: 32\n  colour: red", "yaml-unknown-key", "colour:")
b("missing-key", "console: uart0\n", "", "yaml-missing-key")
b("map-for-scalar", "  nvic-irqs: 64", "  nvic-irqs: {a: 1}", "yaml-type", "nvic-irqs:")
b("scalar-for-list", "irqs: [3],", "irqs: 3,", "yaml-type", "irqs: 3,")
b("not-a-number", "  nvic-irqs: 64", "  nvic-irqs: many", "yaml-type", "nvic-irqs:")
b("negative-size", "    size: 2MiB\n    granule: 1KiB\n    gate: {controller: mpc1", "    size: -2MiB\n    granule: 1KiB\n    gate: {controller: mpc1", "yaml-type", "size: -2MiB")
b("address-over-32-bits", "    s-base: 0x38000000", "    s-base: 0x138000000", "yaml-range", "s-base: 0x138000000")
b("memory-wraps", "    s-base: 0x38000000", "    s-base: 0xfff00000", "yaml-range")
b("irqs-too-many", "  nvic-irqs: 64", "  nvic-irqs: 300", "yaml-range", "nvic-irqs: 300")
b("name-too-long", "name: tiny", "name: tiny-board-with-a-name-longer-than-thirty-one", "yaml-range", "name: tiny-")
b("enum", "world: nsc", "world: nonsecur", "yaml-enum")
b("gate-bit-range", "{reg: apbnsppc0, bit: 0}", "{reg: apbnsppc0, bit: 32}", "yaml-range")
# board model
b("schema-2", "schema: 1", "schema: 2", "board-schema", "schema: 2")
b("bad-name", "name: tiny", "name: Tiny Board", "board-name", "name: Tiny")
b("duplicate-partition", "{name: mv_state,", "{name: mv_code,", "board-duplicate")
b("names-equal-up-to-dash", "{name: mv_state,", "{name: mv-code,", "board-duplicate")
b("unknown-memory", "memory: sram, offset: 0x100000", "memory: sram9, offset: 0x100000", "board-unknown-ref", "memory: sram9")
b("unknown-console", "console: uart0", "console: uart9", "board-unknown-ref", "console: uart9")
b("console-of-app", "console: uart0", "console: uart1", "board-console", "console: uart1")
b("granule-not-pow2", "    granule: 1KiB\n    gate: {controller: mpc1", "    granule: 1000\n    gate: {controller: mpc1", "board-granule")
b("memory-misaligned", "    s-base: 0x38000000", "    s-base: 0x38000200", "board-memory-align")
b("memory-overlap", "    ns-base: 0x28000000", "    ns-base: 0x00100000", "board-memory-overlap")
b("partition-outside", "offset: 0x200000, size: 2MiB", "offset: 0x300000, size: 2MiB", "board-partition-outside")
b("partition-misaligned", "offset: 0x20000, size: 8KiB", "offset: 0x20100, size: 8KiB", "board-partition-align")
b("partition-sau-granule", "offset: 0x22000, size: 1KiB", "offset: 0x22000, size: 0x410", "board-partition-align")
b("partition-overlap", "offset: 0x22000, size: 1KiB", "offset: 0x21000, size: 1KiB", "board-partition-overlap")
b("role-missing", "role: app-header", "role: reserved", "board-partition-role")
b("role-repeated", "world: secure, role: reserved", "world: secure, role: app-header", "board-partition-role")
b("role-wrong-world", "world: nsc, role: veneers", "world: secure, role: veneers", "board-partition-role")
b("peripheral-overlap", "s-base: 0x50201000, ns-base: 0x40201000", "s-base: 0x50200800, ns-base: 0x40200800", "board-peripheral-overlap")
b("peripheral-over-memory", "s-base: 0x50000000, ns-base: 0x40000000", "s-base: 0x38000000, ns-base: 0x28000000", "board-peripheral-overlap")
b("irq-out-of-range", "irqs: [3]", "irqs: [64]", "board-irq")
b("irq-shared", "irqs: [3]", "irqs: [34]", "board-irq")
b("app-peripheral-without-gate", "owner: app, gate: {reg: apbnsppc0, bit: 0}}", "owner: app}", "board-gate")
b("shared-gate", "{reg: apbnsppc0, bit: 0}", "{reg: apbnsppcexp1, bit: 6}", "board-gate")

APP = "schema: 1\nname: fixture\nversion: 1.2.3\nperipherals: [uart1]\nirqs: [34]\n"
emit("yaml/app-base.yaml", APP.encode(), "ok")


def a(name, old, new, check, mark=None):
    cut("app", APP, name, old, new, check, mark)


a("schema-2", "schema: 1", "schema: 2", "app-schema", "schema: 2")
a("name-empty", "name: fixture", 'name: ""', "app-name", "name:")
a("name-chars", "name: fixture", "name: fix/ture", "app-name", "name:")
a("version-short", "version: 1.2.3", "version: 1.2", "app-version", "version:")
a("version-leading-zero", "version: 1.2.3", "version: 1.02.3", "app-version", "version:")
a("version-range", "version: 1.2.3", "version: 256.0.0", "app-version", "version:")
a("missing-version", "version: 1.2.3\n", "", "yaml-missing-key")
a("peripherals-not-list", "peripherals: [uart1]", "peripherals: uart1", "yaml-type", "peripherals:")
a("unknown-peripheral", "peripherals: [uart1]", "peripherals: [uart7]", "periph-unknown")
a("microvisor-peripheral", "peripherals: [uart1]", "peripherals: [uart0]", "periph-not-assignable")
a("irq-not-owned", "irqs: [34]", "irqs: [3]", "irq-not-owned")
a("explicit-second-document", "schema: 1", "schema: 1\n...\n---\nname: x", "yaml-documents")
a("empty", APP, "", "yaml-type")

API = ("schema: 1\nboard: tiny\nabi: 1.1\nnsc: {base: 0x1001f000, size: 0x1000}\nentries:\n"
       "  - {name: mv_version, slot: 0, address: 0x1001f000, since: 1.0}\n"
       "  - {name: mv_log, slot: 1, address: 0x1001f008, since: 1.1}\n")
emit("yaml/api-base.yaml", API.encode(), "ok")


def p(name, old, new, check, mark=None):
    cut("api", API, name, old, new, check, mark)


p("abi-not-version", "abi: 1.1", "abi: one", "yaml-type", "abi:")
p("entry-outside-nsc", "address: 0x1001f008", "address: 0x10020008", "yaml-range")
p("duplicate-entry-key", "slot: 1,", "slot: 1, slot: 2,", "yaml-duplicate-key")

with open("expect.txt", "w") as f:
    f.write("# written by gen.py: file, the check id it must be rejected with (ok: accepted),\n"
            "# and where: @OFFSET (ELF, the bad field) or :LINE (YAML)\n")
    for path, check, where in rows:
        f.write(("%-45s %-26s %s" % (path, check, where or "")).rstrip() + "\n")
print("%d files" % len(rows))
