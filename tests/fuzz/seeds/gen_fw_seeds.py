#!/usr/bin/env python3
# gen_fw_seeds.py - writes the seeds of the firmware harnesses
# (fuzz_fw_apphdr, fuzz_fw_scall) for the synthetic test board of
# firmware/tests/fixtures/mv_board.h next to this script; the output
# is committed.
import hashlib
import os
import struct
import zlib

os.chdir(os.path.dirname(os.path.abspath(__file__)))

FLASH, RAM, RAM_SIZE = 0x00200000, 0x20000000, 0x8000
ABI = (1 << 16) | 0  # MV_CORE_ABI 1.0


def header(image, periph=(0, 0), irq=(0,) * 8, name=b"seed", min_abi=ABI, addr=FLASH):
    h = struct.pack("<IHHIIIIII", 0x5041564D, 1, 256, (1 << 24) | 2, 0, min_abi, addr, len(image), 0)
    h += struct.pack("<2I", *periph) + struct.pack("<8I", *irq)
    h += hashlib.sha256(image).digest() + name.ljust(32, b"\0") + bytes(116)
    return h + struct.pack("<I", zlib.crc32(h))


def image(size=0x200):
    vec = struct.pack("<II", RAM + RAM_SIZE, FLASH + 0x101)
    return vec + bytes((i * 7) & 0xFF for i in range(8, size))


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


d = "fuzz_fw_apphdr"
img = image()
write(d, "valid.bin", header(img) + img)
# uart1 (peripheral 1) with its IRQs 6 and 7; gpio (5) with IRQ 39
write(d, "grants.bin", header(img, periph=(0x22, 0), irq=(0xC0, 0x80, 0, 0, 0, 0, 0, 0)) + img)
write(d, "name-odd.bin", header(img, name=b"a'b\x01c\x7f" + b"x" * 26) + img)
write(d, "abi-newer.bin", header(img, min_abi=(1 << 16) | 1) + img)
write(d, "short.bin", header(img)[:100])

d = "fuzz_fw_scall"
rec = lambda op, a, b: struct.pack("<BII", op, a, b)
write(d, "info.bin", rec(0, 0x40, 24) + rec(0, 0x40 + 4096 - 8, 24))
write(d, "log.bin", rec(1, 0x40, 16) + rec(1, 0x40000040, 8) + rec(1, 0x80000010, 32) + rec(1, 0xC0000000, 4))
write(d, "wait-restart-exit.bin", rec(2, 0, 5) + rec(3, 0, 1) + rec(3, 0, 7) + rec(4, 0, 3))
