#!/usr/bin/env python3
"""prov-record.py FACTORY.elf [ADDRESS] - write the provisioning record
(mvbuild-provision(5)) a factory image loads at ADDRESS (default
0x10020000, mps2-an505's device-state partition) to standard output,
after checking its size, magic and CRC-32; exit 1 if there is none."""
import struct
import sys
import zlib

elf = open(sys.argv[1], "rb").read()
at = int(sys.argv[2], 0) if len(sys.argv) > 2 else 0x10020000
phoff, (phentsize, phnum) = struct.unpack_from("<I", elf, 28)[0], struct.unpack_from("<HH", elf, 42)
for i in range(phnum):
    _, off, vaddr, _, filesz = struct.unpack_from("<IIIII", elf, phoff + i * phentsize)
    if vaddr == at:
        r = elf[off:off + filesz]
        if filesz == 512 and r[:4] == b"MVPV" and struct.unpack_from("<I", r, 0x1fc)[0] == zlib.crc32(r[:0x1fc]):
            sys.stdout.buffer.write(r)
            sys.exit(0)
sys.exit(1)
