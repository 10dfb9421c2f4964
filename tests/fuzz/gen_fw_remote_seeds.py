#!/usr/bin/env python3
"""gen_fw_remote_seeds.py - write the seeds of tests/fuzz/fuzz_fw_remote.c:
the frames a real other end sends the microvisor (CHALLENGE, AUTH, END,
CRASH, STATUS, PING, UPDATE_NOW), as wire bytes behind the harness's
15-byte head (fuzz_fw_remote.c's header comment), some as the harness's
records, and some garbage.

AUTH records are signed with the harness's test key
(tests/fuzz/fuzz_fw_remote.pem, through 'openssl dgst -sha256 -sign')
over a nonce made up here: the device's nonce depends on its timing, so
such an AUTH is refused as NONCE, unless the head's flag 0x10 has the
harness write the device's nonce in (then the signature no longer
matches: SIGNATURE) and its byte 14 has it sign the record again (then
the session opens: the "signed-" seeds).  ECDSA signatures are randomized, so a run writes
other bytes for the AUTH seeds each time; every other seed is the same.

  tests/fuzz/gen_fw_remote_seeds.py [--out DIR] [--key KEY.pem]
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import zlib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# mvb/link.h
S_CONTROL, S_UPDATE, S_LOG, S_STATUS, S_DEBUG = 0, 1, 2, 3, 4
T_PING, T_UPDATE_NOW = 3, 2
T_STATUS, T_CRASH = 1, 2
T_CHALLENGE, T_AUTH, T_END = 1, 2, 3
F_RESPONSE = 0x01
AUTH_MAGIC = 0x4144564D

# the harness's head flags
NO_APP, NO_CRASH, NO_KEY, TRIAL, PATCH, DEFER, RECORDS, FULL_STACK = 1, 2, 4, 8, 16, 32, 64, 128
SIGN = 1  # head byte 14

SERIAL = b"fuzz-remote-0001"
KEY_ID = bytes.fromhex("4cd633158260369d")
NONCE = bytes(range(0x10, 0x20))  # made up: never the device's


def cobs_frame(stream, typ, flags, seq, payload, version=1, crc_fix=0):
    """A frame on the wire as mvl_encode() writes it: zero, COBS, zero."""
    f = struct.pack("<BBBBHH", version, stream, typ, flags, seq, len(payload)) + payload
    f += struct.pack("<I", (zlib.crc32(f) ^ crc_fix) & 0xFFFFFFFF)
    out = bytearray([0])
    block = bytearray()
    for b in f:
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block = bytearray()
            continue
        block.append(b)
        if len(block) == 254:
            out.append(255)
            out += block
            block = bytearray()
    out.append(len(block) + 1)
    out += block
    out.append(0)
    return bytes(out)


def record(stream, typ, flags, seq, payload):
    """One of the harness's records (head flag 0x40)."""
    return struct.pack("<BBBHH", stream, typ, flags, seq, len(payload)) + payload


def head(flags=0, stack=200, advance=100000, gaps=(128, 128, 128, 128), flags2=0):
    """The harness's head: flags, stack bytes, ms to advance first, the
    four gaps in ms between frames, flags of byte 14."""
    return struct.pack("<BBI4HB", flags, stack, advance, *gaps, flags2)


def der_to_rs(der):
    """r || s, 32 bytes each, from a DER ECDSA-Sig-Value."""
    if len(der) < 8 or der[0] != 0x30 or der[1] != len(der) - 2:
        raise ValueError("not a DER signature")
    out, i = b"", 2
    for _ in range(2):
        if der[i] != 0x02:
            raise ValueError("not a DER integer")
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\0")
        if len(v) > 32:
            raise ValueError("integer over 32 bytes")
        out += v.rjust(32, b"\0")
        i += 2 + n
    return out


def auth(key, seconds=600, nonce=NONCE, serial=SERIAL, key_id=KEY_ID, magic=AUTH_MAGIC):
    signed = struct.pack("<II", magic, seconds) + nonce + serial.ljust(32, b"\0") + key_id
    assert len(signed) == 0x40
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signed, check=True,
                         stdout=subprocess.PIPE).stdout
    return signed + der_to_rs(der)


def crash_req(off):
    return struct.pack("<II", off, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(TOP, "tests/fuzz/seeds/fuzz_fw_remote"))
    ap.add_argument("--key", default=os.path.join(TOP, "tests/fuzz/fuzz_fw_remote.pem"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    good = auth(a.key)
    seeds = {}

    def w(stream, typ, seq, payload=b"", flags=0):
        return cobs_frame(stream, typ, flags, seq, payload)

    challenge = w(S_DEBUG, T_CHALLENGE, 1)
    au = w(S_DEBUG, T_AUTH, 2, good)
    end = w(S_DEBUG, T_END, 9)
    seeds["challenge"] = head() + challenge
    seeds["challenge-auth-stale"] = head() + challenge + au
    seeds["challenge-auth-patched"] = head(PATCH) + challenge + au
    seeds["auth-no-app"] = head(PATCH | NO_APP) + challenge + au
    seeds["auth-replayed"] = head(PATCH) + challenge + au + au
    seeds["auth-no-challenge"] = head() + au
    seeds["auth-wrong-serial"] = head(PATCH) + challenge + w(S_DEBUG, T_AUTH, 2, auth(a.key, serial=b"fuzz-remote-0002"))
    seeds["auth-wrong-key"] = head(PATCH) + challenge + w(S_DEBUG, T_AUTH, 2, auth(a.key, key_id=bytes(8)))
    seeds["auth-0s"] = head(PATCH) + challenge + w(S_DEBUG, T_AUTH, 2, auth(a.key, seconds=0))
    seeds["auth-3601s"] = head(PATCH) + challenge + w(S_DEBUG, T_AUTH, 2, auth(a.key, seconds=3601))
    seeds["auth-short"] = head(PATCH) + challenge + w(S_DEBUG, T_AUTH, 2, good[:-1]) + au
    seeds["auth-bad-magic"] = head(PATCH) + challenge + w(S_DEBUG, T_AUTH, 2, auth(a.key, magic=0x4144564E))
    seeds["no-key"] = head(PATCH | NO_KEY) + challenge + au + w(S_STATUS, T_CRASH, 3, crash_req(0))
    seeds["end"] = head() + end
    for off in (0, 448, 0xFFFFFFFF):
        seeds["crash-%x" % off] = head() + w(S_STATUS, T_CRASH, 3, crash_req(off))
    seeds["crash-no-record"] = head(NO_CRASH) + w(S_STATUS, T_CRASH, 3, crash_req(0))
    seeds["crash-full-stack"] = head(FULL_STACK) + w(S_STATUS, T_CRASH, 3, crash_req(448))
    seeds["crash-short-request"] = head() + w(S_STATUS, T_CRASH, 3, crash_req(0)[:4])
    # what 'mvbuild crash get' sends, in order
    seeds["session"] = (head(PATCH) + challenge + au + w(S_STATUS, T_CRASH, 3, crash_req(0)) +
                        w(S_STATUS, T_CRASH, 4, crash_req(448)) + w(S_STATUS, T_CRASH, 5, crash_req(0)) + end +
                        w(S_STATUS, T_CRASH, 6, crash_req(0)))
    seeds["session-idle"] = (head(PATCH, gaps=(128, 128, 39200, 128)) + challenge + au + w(S_CONTROL, T_PING, 7) +
                             w(S_STATUS, T_CRASH, 3, crash_req(0)) + end)
    seeds["status"] = head() + w(S_STATUS, T_STATUS, 1)
    seeds["status-twice"] = head(gaps=(0, 0, 0, 0)) + w(S_STATUS, T_STATUS, 1) + w(S_STATUS, T_STATUS, 2)
    seeds["status-paced"] = head(gaps=(250, 250, 250, 250)) + w(S_STATUS, T_STATUS, 1) + w(S_STATUS, T_STATUS, 2)
    seeds["status-paced-249"] = head(gaps=(250, 249, 250, 250)) + w(S_STATUS, T_STATUS, 1) + w(S_STATUS, T_STATUS, 2)
    seeds["ping"] = head() + w(S_CONTROL, T_PING, 1)
    seeds["log-read"] = (head() + w(S_LOG, 2, 1, (0).to_bytes(4, "little") + bytes(4)) +
                         w(S_LOG, 2, 2, (7).to_bytes(4, "little") + bytes(4)) + w(S_LOG, 2, 3, bytes(4)))
    seeds["update-now"] = head() + w(S_CONTROL, T_UPDATE_NOW, 1) + w(S_CONTROL, T_UPDATE_NOW, 2)
    seeds["update-now-trial"] = head(TRIAL) + w(S_CONTROL, T_UPDATE_NOW, 1)
    seeds["update-now-defer"] = head(DEFER) + w(S_CONTROL, T_UPDATE_NOW, 1)
    seeds["response-frame"] = head() + w(S_DEBUG, T_AUTH, 2, b"", F_RESPONSE) + w(S_STATUS, T_CRASH, 3, crash_req(0),
                                                                              F_RESPONSE)
    seeds["unsupported"] = (head() + w(S_UPDATE, 1, 1) + w(S_LOG, 1, 2) + w(16, 1, 3) + w(40, 9, 4) +
                            w(S_DEBUG, 9, 5) + w(S_STATUS, T_STATUS, 6, b"x"))
    seeds["bad-frames"] = (head() + cobs_frame(S_DEBUG, T_CHALLENGE, 0, 1, b"", crc_fix=1) +
                           cobs_frame(S_DEBUG, T_CHALLENGE, 0, 1, b"", version=2) + b"\x05\x01\x02\0" +
                           bytes([7] * 600) + b"\0" + challenge)
    # sessions that open (the harness signs): what a session gives, and
    # what ends it
    crash = lambda seq, off: w(S_STATUS, T_CRASH, seq, crash_req(off))
    seeds["signed-session"] = (head(PATCH, flags2=SIGN) + challenge + au + crash(3, 0) + crash(4, 448) + crash(5, 0) +
                               crash(6, 200000) + end + crash(7, 0))
    seeds["signed-full-record"] = (head(PATCH | FULL_STACK, flags2=SIGN) + challenge + au + crash(3, 0) +
                                   crash(4, 448) + crash(5, 567) + crash(6, 568))
    seeds["signed-no-record"] = head(PATCH | NO_CRASH, flags2=SIGN) + challenge + au + crash(3, 0)
    seeds["signed-no-app"] = head(PATCH | NO_APP, flags2=SIGN) + challenge + au + crash(3, 0)
    # idle: 29.999 s, then 30 s without a frame
    seeds["signed-idle"] = (head(PATCH, gaps=(0, 0, 29999, 30000), flags2=SIGN) + challenge + au + crash(3, 0) +
                            crash(4, 0) + crash(5, 0) + crash(6, 0))
    # expiry: a 1-s session; frames at 0.999 s (PING) and 1 s
    seeds["signed-expiry"] = (head(PATCH, gaps=(0, 0, 999, 1), flags2=SIGN) + challenge +
                              w(S_DEBUG, T_AUTH, 2, auth(a.key, seconds=1)) + crash(3, 0) + crash(4, 0) + crash(5, 0))
    # the longest session: 3600 s, kept awake by a CRASH every 20 s (the
    # 180th comes at its end: refused)
    seeds["signed-hour"] = (head(PATCH, gaps=(20000, 20000, 20000, 20000), flags2=SIGN) + challenge +
                            w(S_DEBUG, T_AUTH, 2, auth(a.key, seconds=3600)) +
                            b"".join(crash(3 + i, 0) for i in range(182)))
    seeds["signed-replayed"] = head(PATCH, flags2=SIGN) + challenge + au + au + crash(3, 0)
    seeds["signed-records"] = (head(PATCH | RECORDS, flags2=SIGN) + record(S_DEBUG, T_CHALLENGE, 0, 1, b"") +
                               record(S_DEBUG, T_AUTH, 0, 2, good) + record(S_STATUS, T_CRASH, 0, 3, crash_req(0)) +
                               record(S_DEBUG, T_END, 0, 4, b"") + record(S_STATUS, T_CRASH, 0, 5, crash_req(0)))
    rng = random.Random(20261204)
    seeds["garbage"] = head() + bytes(rng.randrange(256) for _ in range(300))
    seeds["records-session"] = (head(PATCH | RECORDS) + record(S_DEBUG, T_CHALLENGE, 0, 1, b"") +
                                record(S_DEBUG, T_AUTH, 0, 2, good) + record(S_STATUS, T_CRASH, 0, 3, crash_req(0)) +
                                record(S_STATUS, T_STATUS, 0, 4, b"") + record(S_DEBUG, T_END, 0, 5, b""))
    seeds["records-misc"] = (head(RECORDS) + record(S_CONTROL, T_PING, 0, 1, b"") +
                             record(S_CONTROL, T_UPDATE_NOW, 0, 2, b"") + record(S_STATUS, T_CRASH, 0, 3, crash_req(5)) +
                             record(S_DEBUG, T_AUTH, 0, 4, good[:64]))
    for name, data in sorted(seeds.items()):
        path = os.path.join(a.out, name)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    print("gen_fw_remote_seeds: %d seeds in %s" % (len(seeds), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
