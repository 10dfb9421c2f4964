#!/usr/bin/env python3
"""remote.py - remote operations on a QEMU mps2-an505 device, through its link.

The device boots the microvisor with the update client and the test app
'remote' (firmware/examples/tests/remote.c), which crashes in crash_here()
at its first start and runs for good after.  Its factory image trusts a
debug key (`mvbuild bundle --factory --trust-debug`).  What is checked:

  crash    `mvbuild status` shows the crash; `mvbuild crash get` (an
           authorized session) fetches its record; `mvbuild crash show`
           names its reason and pc; gdb-multiarch reads the core with the
           app's ELF and its backtrace names crash_here, outer and main;
           the same for an app that hangs (its watchdog's record: where
           it hung, hang_here) and for one that crashes on a process
           stack, as an RTOS thread (flags psp, sp in that stack)
  logs     the lines the device kept while no peer listened: a burst
           that fits its ring comes back whole and numbered in order
           (LOG_READ), a flood that does not is reported with the count of
           the lines lost; `mvbuild logs` shows both
  refusals the device refuses, each with its reason: a replayed
           authorization, one signed for another device, one signed by a
           key it does not trust (by id, and by signature), a crash record
           asked for without a session, after END and after the session's
           time; a device that trusts no debug key says so
  agent    the debug agent, request by request (app 'debug'): nothing
           without a session; a secure read, a flash write, a breakpoint
           outside app flash refused; a breakpoint on dbg_tick halts the
           app there (pc, the caller in lr), its SysTick handler running on;
           its registers and RAM are
           written and the app acts on both; HALT stops it; a breakpoint
           in place survives neither a power cut (the image boots, checked
           whole) nor a RESTART nor the session's END nor its running out

usage: remote.py MVBUILD FWBUILD BOARDFILE WORKDIR [crash|logs|refusals|agent]
"""
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ota  # noqa: E402  (the shared QEMU device and link helpers)
from ota import Device, Hostile, die  # noqa: E402

E_NOT_FOUND, E_AUTH = 1, 8
A_NONE, A_NO_KEY, A_DEVICE, A_NONCE, A_KEY, A_SIGNATURE = 0, 1, 2, 3, 4, 5
S_CONTROL, S_LOG, S_STATUS, S_DEBUG = 0, 2, 3, 4
T_CRASH, T_CHALLENGE, T_AUTH, T_END, T_LOG_READ = 2, 1, 2, 3, 2
T_HALT, T_STATE, T_REGS, T_CONTINUE, T_MEM_READ, T_MEM_WRITE, T_BREAK, T_RESTART = range(4, 12)
E_RUNNING, E_ACCESS = 9, 10


class Link:
    """A bare client of the device's link (mvbuild-link(5)) for the
    requests mvbuild would refuse to send."""

    def __init__(self, dev):
        self.sock = socket.create_connection(("127.0.0.1", dev.port), timeout=10)
        self.sock.settimeout(0.2)
        self.buf = b""
        self.seq = 500

    def request(self, stream, typ, payload=b"", timeout=10):
        """(flags, payload) of the response, or die."""
        self.seq += 1
        head = bytes([1, stream, typ, 0]) + self.seq.to_bytes(2, "little") + len(payload).to_bytes(2, "little")
        crc = zlib.crc32(head + payload)
        self.sock.sendall(Hostile.cobs(head + payload + crc.to_bytes(4, "little")))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                d = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not d:
                break
            self.buf += d
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                f = Hostile.uncobs(raw) if raw else None
                if not f or len(f) < 12 or zlib.crc32(f[:-4]) != int.from_bytes(f[-4:], "little"):
                    continue
                if f[1] == stream and f[2] == typ and f[3] & 1 and int.from_bytes(f[4:6], "little") == self.seq:
                    return f[3], f[8:-4]
        die("no response to stream %d type %d" % (stream, typ))

    def error(self, stream, typ, payload=b""):
        """The (code, detail) of an error response; dies on a success."""
        flags, p = self.request(stream, typ, payload)
        if not flags & 2:
            die("stream %d type %d: answered, an error was expected" % (stream, typ))
        return int.from_bytes(p[0:4], "little"), int.from_bytes(p[4:8], "little")

    def close(self):
        self.sock.close()


def key_point(env, pem):
    """The 65-byte uncompressed point of a key (openssl's view of it)."""
    der = subprocess.run(["openssl", "pkey", "-in", os.path.join(env.work, pem), "-pubout", "-outform", "DER"],
                         capture_output=True, check=True).stdout
    return der[-65:]


def key_id(env, pem):
    return hashlib.sha256(key_point(env, pem)).digest()[:8]


def signed_auth(env, challenge, pem, key_id_field, seconds=60):
    """An AUTH for a CHALLENGE response, signed by pem with openssl (an
    independent signer): magic, seconds, nonce, serial, key id, r || s."""
    body = (0x4144564d).to_bytes(4, "little") + seconds.to_bytes(4, "little") + challenge[0:16] + \
        challenge[16:48] + key_id_field
    msg = os.path.join(env.work, "auth.msg")
    with open(msg, "wb") as f:
        f.write(body)
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(env.work, pem), msg],
                         capture_output=True, check=True).stdout
    # ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }
    i = 2 if der[1] < 0x80 else 3
    ints = []
    for _ in range(2):
        n = der[i + 1]
        ints.append(int.from_bytes(der[i + 2:i + 2 + n], "big").to_bytes(32, "big"))
        i += 2 + n
    return body + ints[0] + ints[1]


def setup(env):
    env.run("keygen", "-o", "k.pem")
    env.run("keygen", "-o", "dbg.pem")
    env.run("keygen", "-o", "dbg2.pem")
    for tag, extra in (("A", ["--trust-debug", "dbg.pub.pem"]), ("B", ["--trust-debug", "dbg.pub.pem"]),
                       ("N", []), ("L", [])):
        env.bundle("test_remote", "factory-%s.elf" % tag, "--factory", "--trust", "k.pub.pem",
                   "--serial", "remote-" + tag, *extra)
    env.bundle("test_debug", "factory-D.elf", "--factory", "--trust", "k.pub.pem", "--serial", "debug-D",
               "--trust-debug", "dbg.pub.pem")
    env.bundle("test_remote_psp", "factory-P.elf", "--factory", "--trust", "k.pub.pem", "--serial", "remote-P",
               "--trust-debug", "dbg.pub.pem")
    env.bundle("test_remote_hang", "factory-H.elf", "--factory", "--trust", "k.pub.pem", "--serial", "remote-H",
               "--trust-debug", "dbg.pub.pem")


def boot(env, tag):
    """A device from factory-TAG.elf, started by its first link peer
    (mvbuild status) and past its crash: the app's second start runs."""
    dev = Device(env, tag, None, image=os.path.join(env.work, "factory-%s.elf" % tag), serve=False)
    dev.status()
    if not dev.wait_console("remote: running, start 2", timeout=30):
        die("%s: the app did not crash and start again\n%s" % (tag, dev.text()[-2000:]))
    return dev


def crash_get(env, dev, *extra, ok=(0,)):
    p = subprocess.run([env.mvb, "crash", "get", "--device", "tcp:127.0.0.1:%d" % dev.port, "--timeout", "20"] +
                       list(extra), cwd=env.work, capture_output=True, text=True)
    if p.returncode not in ok:
        die("%s: mvbuild crash get %s: exit %d, want %s\n%s%s" % (dev.tag, " ".join(extra), p.returncode, ok,
                                                                  p.stdout, p.stderr))
    return p


def check_record(env, app, stem, reason, fn, nxt, gdb_wants):
    """The record STEM.mvcr and core STEM.core of APP: its reason, its pc
    in fn (before nxt, the next function), gdb's view of the core."""
    show = env.run("crash", "show", stem + ".mvcr", "--format", "json").stdout
    rec = json.loads(show)
    elf = os.path.join(env.ex, app + ".elf")
    nm = subprocess.run(["arm-none-eabi-nm", elf], capture_output=True, text=True, check=True).stdout
    sym = {w[2]: int(w[0], 16) for w in (line.split() for line in nm.splitlines()) if len(w) == 3}
    pc = int(rec["registers"]["pc"], 16)
    if not sym[fn] <= pc < sym[nxt]:
        die("crash show %s: pc 0x%x is not in %s (0x%x)\n%s" % (stem, pc, fn, sym[fn], show))
    if rec["reason"] != reason:
        die("crash show %s: reason 0x%x, want 0x%x\n%s" % (stem, rec["reason"], reason, show))
    gdb = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-ex", "bt", "-ex", "info registers r4 r5 r6 r7",
                          elf, os.path.join(env.work, stem + ".core")], capture_output=True, text=True)
    out = gdb.stdout + gdb.stderr
    for want in gdb_wants:
        if want not in out:
            die("gdb on %s.core: no %r\n%s" % (stem, want, out))
    return pc


def crash(env):
    dev = boot(env, "A")
    st = dev.status()
    cr = st.get("crashes", {})
    if cr.get("starts") != 2 or cr.get("in_a_row") != 1 or cr.get("last_reason") != 0x4510 or cr.get("record") != 1:
        die("status after the crash: want 2 starts, 1 crash in a row, last reason 0x4510, record 1: %s" % cr)
    crash_get(env, dev, "--key", "dbg.pem", "-o", "a.mvcr", "--core", "a.core", "--save-auth", "auth-A.bin")
    pc = check_record(env, "test_remote", "a", 0x4510, "crash_here", "outer",
                      ("crash_here (", "in outer (", "in main (", "0x44444444", "0x77777777"))
    fp = json.loads(env.run("crash", "show", "a.mvcr", "--format", "json").stdout).get("fp") or {}
    if (fp.get("s") or [None] * 17)[16] != "0x40490fdb":
        die("crash record: s16 %s, want the app's 0x40490fdb" % (fp.get("s") or [None] * 17)[16])
    print("remote.py: crash: record %d B, pc 0x%x in crash_here, gdb's backtrace names crash_here, outer, main, s16 kept" %
          (os.path.getsize(os.path.join(env.work, "a.mvcr")), pc))
    # the same crash in thread mode on PSP (an RTOS thread's stack)
    dp = boot(env, "P")
    crash_get(env, dp, "--key", "dbg.pem", "-o", "p.mvcr", "--core", "p.core")
    check_record(env, "test_remote_psp", "p", 0x4510, "crash_here", "outer",
                 ("crash_here (", "in outer (", "0x44444444", "0x77777777"))
    rec = json.loads(env.run("crash", "show", "p.mvcr", "--format", "json").stdout)
    sym = symbols(env, "test_remote_psp")
    sp = int(rec["registers"]["sp"], 16)
    if not rec["flags"]["psp"] or not rec["flags"]["callee"] or not sym["psp_stack"] <= sp < sym["psp_stack"] + 1024:
        die("crash on PSP: flags %s, sp 0x%x; want psp and callee, sp in psp_stack 0x%x" %
            (rec["flags"], sp, sym["psp_stack"]))
    dp.finish(kill=True)
    print("remote.py: crash: on PSP too: flags psp, sp 0x%x in the thread's stack, gdb names crash_here, outer" % sp)
    dev.finish(kill=True)
    dev = boot(env, "H")
    crash_get(env, dev, "--key", "dbg.pem", "-o", "h.mvcr", "--core", "h.core")
    pc = check_record(env, "test_remote_hang", "h", 0x4519, "hang_here", "outer", ("hang_here (", "in outer (", "in main ("))
    print("remote.py: crash: the watchdog's record, pc 0x%x in hang_here, gdb's backtrace names hang_here, outer, main"
          % pc)
    dev.finish(kill=True)


def kept_lines(dev, frm=0):
    """LOG_READ over a bare link: (first, lost, next, [(seq, text)])."""
    lk = Link(dev)
    flags, p = lk.request(S_LOG, T_LOG_READ, frm.to_bytes(4, "little") + bytes(4))
    lk.close()
    if flags & 2 or len(p) < 16:
        die("%s: LOG_READ: flags %d, %d bytes" % (dev.tag, flags, len(p)))
    first, lost, count, nxt = (int.from_bytes(p[o:o + 4], "little") for o in (0, 4, 8, 12))
    lines, at = [], 16
    for i in range(count):
        n = p[at]
        lines.append((first + i, p[at + 1:at + 1 + n].decode(errors="replace")))
        at += 1 + n
    if at != len(p) or first + count != nxt:
        die("%s: LOG_READ: %d lines from %d end at byte %d of %d, next %d" % (dev.tag, count, first, at, len(p), nxt))
    return first, lost, nxt, lines


def logs(env):
    dev = boot(env, "L")  # the peer (mvbuild status) has let go again
    if not dev.wait_console("remote: burst 3", timeout=20):
        die("no burst\n%s" % dev.text()[-2000:])
    first, lost, nxt, lines = kept_lines(dev)
    burst = [(q, t) for q, t in lines if "remote: burst" in t]
    if [t.split()[-1] for _, t in burst] != ["0", "1", "2", "3"] or \
            [q for q, _ in burst] != list(range(burst[0][0], burst[0][0] + 4)) or lost != first:
        die("the burst that fits: %s (first %d, lost %d)" % (lines, first, lost))
    if not dev.wait_console("remote: flood 23", timeout=20):
        die("no flood\n%s" % dev.text()[-2000:])
    first2, lost2, nxt2, lines2 = kept_lines(dev)
    flood = [t.split()[-1] for _, t in lines2 if "remote: flood" in t]
    if not flood or flood[-1] != "23" or flood != [str(i) for i in range(24 - len(flood), 24)] or \
            lost2 != first2 or lost2 <= first or nxt2 != nxt + 24:
        die("the flood: kept %s, first %d, lost %d, next %d (before: next %d)" % (flood, first2, lost2, nxt2, nxt))
    _, lost3, _, _ = kept_lines(dev, nxt2 - 2)
    if lost3 != 0:
        die("LOG_READ from a line still kept: lost %d" % lost3)
    # the same through mvbuild logs: the kept flood, numbered, the lost count said
    p = subprocess.run([env.mvb, "logs", "--device", "tcp:127.0.0.1:%d" % dev.port, "--timeout", "10",
                        "--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        die("mvbuild logs: exit %d\n%s" % (p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    got = [(ln.get("seq"), ln.get("text", "")) for ln in doc.get("lines", [])]
    want = [(q, t) for q, t in lines2]
    if [g for g in got if g[0] is not None and g[0] < nxt2][:len(want)] != want:
        die("mvbuild logs: lines %s, want the kept %s" % (got[:len(want) + 2], want))
    if doc.get("lost") != lost2:
        die("mvbuild logs: lost %s, want %d\n%s" % (doc.get("lost"), lost2, p.stdout[:400]))
    print("remote.py: logs: a burst of 4 kept whole (lines %d-%d); a flood of 24: %d kept, %d lines before them "
          "counted lost" % (burst[0][0], burst[-1][0], len(flood), lost2))
    dev.finish(kill=True)


def refusals(env):
    a, b, n = boot(env, "A"), boot(env, "B"), boot(env, "N")
    # an authorization that worked once, sent again: the nonce is used up
    crash_get(env, a, "--key", "dbg.pem", "-o", "ok.mvcr", "--save-auth", "auth-A.bin")
    p = crash_get(env, a, "--auth-file", "auth-A.bin", "-o", "replay.mvcr", ok=range(1, 256))
    if "nonce" not in p.stderr or os.path.exists(os.path.join(env.work, "replay.mvcr")):
        die("replayed authorization: want a refusal naming the nonce and no file\n%s" % p.stderr)
    # one signed for device B, sent to A
    crash_get(env, b, "--key", "dbg.pem", "-o", "b.mvcr", "--save-auth", "auth-B.bin")
    p = crash_get(env, a, "--auth-file", "auth-B.bin", "-o", "other.mvcr", ok=range(1, 256))
    if "device" not in p.stderr or os.path.exists(os.path.join(env.work, "other.mvcr")):
        die("another device's authorization: want a refusal naming the device\n%s" % p.stderr)
    # the bare link: keys the device does not trust, no session, END, time
    lk = Link(a)
    code = lk.error(S_STATUS, T_CRASH, bytes(8))
    if code != (E_AUTH, A_NONE):
        die("CRASH without a session: %s, want (8, 0)" % (code,))
    flags, ch = lk.request(S_DEBUG, T_CHALLENGE)
    if flags & 2 or ch[48:56] != key_id(env, "dbg.pem"):
        die("CHALLENGE: flags %d, key id %s (want dbg.pem's)" % (flags, ch[48:56].hex()))
    code = lk.error(S_DEBUG, T_AUTH, signed_auth(env, ch, "dbg2.pem", key_id(env, "dbg2.pem")))
    if code != (E_AUTH, A_KEY):
        die("AUTH by an untrusted key id: %s, want (8, %d)" % (code, A_KEY))
    flags, ch = lk.request(S_DEBUG, T_CHALLENGE)
    code = lk.error(S_DEBUG, T_AUTH, signed_auth(env, ch, "dbg2.pem", key_id(env, "dbg.pem")))
    if code != (E_AUTH, A_SIGNATURE):
        die("AUTH signed by another key under the trusted id: %s, want (8, %d)" % (code, A_SIGNATURE))
    flags, ch = lk.request(S_DEBUG, T_CHALLENGE)
    flags, _ = lk.request(S_DEBUG, T_AUTH, signed_auth(env, ch, "dbg.pem", key_id(env, "dbg.pem"), seconds=2))
    if flags & 2:
        die("AUTH signed by openssl with the trusted key refused")
    flags, rec = lk.request(S_STATUS, T_CRASH, bytes(8))
    if flags & 2 or rec[0:4] != b"MVCR":
        die("CRASH in a session: flags %d, %r" % (flags, rec[:8]))
    ok(lk, T_END)
    if lk.error(S_STATUS, T_CRASH, bytes(8)) != (E_AUTH, A_NONE):
        die("CRASH after END was answered")
    flags, ch = lk.request(S_DEBUG, T_CHALLENGE)
    ok(lk, T_AUTH, signed_auth(env, ch, "dbg.pem", key_id(env, "dbg.pem"), seconds=1))
    time.sleep(1.5)
    if lk.error(S_STATUS, T_CRASH, bytes(8)) != (E_AUTH, A_NONE):
        die("CRASH after the session's time was answered")
    lk.close()
    ln = Link(n)
    if ln.error(S_DEBUG, T_CHALLENGE) != (E_AUTH, A_NO_KEY):
        die("CHALLENGE to a device without a debug key answered")
    ln.close()
    p = crash_get(env, n, "--key", "dbg.pem", "-o", "n.mvcr", ok=range(1, 256))
    if "debug key" not in p.stderr:
        die("crash get on a device without a debug key: no reason\n%s" % p.stderr)
    for d in (a, b, n):
        d.finish(kill=True)
    print("remote.py: refusals: replay, other device, untrusted key (id and signature), no session, END, "
          "expired session, no debug key: each refused with its reason")


def symbols(env, app):
    """{name: address} of an app's ELF (arm-none-eabi-nm)."""
    out = subprocess.run(["arm-none-eabi-nm", os.path.join(env.ex, app + ".elf")], capture_output=True, text=True,
                         check=True).stdout
    return {f[2]: int(f[0], 16) for f in (ln.split() for ln in out.splitlines()) if len(f) == 3}


def u32(b, i):
    return int.from_bytes(b[4 * i:4 * i + 4], "little")


def authorize(env, lk, seconds=300):
    _, ch = lk.request(S_DEBUG, T_CHALLENGE)
    flags, _ = lk.request(S_DEBUG, T_AUTH, signed_auth(env, ch, "dbg.pem", key_id(env, "dbg.pem"), seconds=seconds))
    if flags & 2:
        die("AUTH refused")


def mem(addr, n, data=b""):
    return addr.to_bytes(4, "little") + n.to_bytes(2, "little") + bytes(2) + data


def brk(addr, insert):
    return addr.to_bytes(4, "little") + insert.to_bytes(4, "little")


def ok(lk, typ, payload=b""):
    """The payload of a debug request's response; dies on an error."""
    flags, p = lk.request(S_DEBUG, typ, payload)
    if flags & 2:
        die("debug request %d refused: %s" % (typ, p.hex()))
    return p


def wait_state(lk, want, timeout=10, what=""):
    """The STATE response once ld_state is want (polled), or die."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        _, st = lk.request(S_DEBUG, T_STATE)
        if u32(st, 0) == want:
            return st
        time.sleep(0.02)
    die("%s: the agent's state stayed %d, want %d" % (what, u32(st, 0), want))


def agent(env):
    sy = symbols(env, "test_debug")
    tick, step, count, mode = sy["dbg_tick"] & ~1, sy["dbg_step"] & ~1, sy["dbg_count"], sy["dbg_mode"]
    dev = Device(env, "D", None, image=os.path.join(env.work, "factory-D.elf"), serve=False)
    dev.status()
    if not dev.wait_console("debug: tick 50", timeout=30):
        die("D: the app did not run\n" + dev.text()[-2000:])
    lk = Link(dev)
    for typ, pl in ((T_HALT, b""), (T_STATE, b""), (T_MEM_READ, mem(count, 4)), (T_BREAK, brk(tick, 1))):
        if lk.error(S_DEBUG, typ, pl) != (E_AUTH, A_NONE):
            die("debug request %d without a session was not refused (8, 0)" % typ)
    authorize(env, lk)
    st = wait_state(lk, 0, what="step 1")
    if lk.error(S_DEBUG, T_MEM_READ, mem(0x10000000, 4)) != (E_ACCESS, 0):
        die("a read of secure memory was not refused (10)")
    if lk.error(S_DEBUG, T_MEM_WRITE, mem(tick, 2, b"\0\xbe"))[0] != E_ACCESS:
        die("a write to app flash through MEM_WRITE was not refused")
    if lk.error(S_DEBUG, T_BREAK, brk(count, 1))[0] != E_ACCESS:
        die("a breakpoint in app RAM was not refused")
    if lk.error(S_DEBUG, T_REGS, bytes(68))[0] != E_RUNNING:
        die("REGS while the app runs was not refused (9)")
    _, orig = lk.request(S_DEBUG, T_MEM_READ, mem(tick, 2))
    ok(lk, T_BREAK, brk(tick, 1))
    st = wait_state(lk, 2, what="step 2")
    why, pc, lr, sp = u32(st, 1), u32(st, 4 + 15), u32(st, 4 + 14), u32(st, 4 + 13)
    if not sy["thread_stack"] <= sp <= sy["thread_stack"] + 2048:
        die("halted: sp 0x%x is not in the thread's stack (PSP) 0x%x" % (sp, sy["thread_stack"]))
    if why != 2 or pc != tick or not step <= (lr & ~1) < step + 32:
        die("halted: why %d pc 0x%x lr 0x%x; want a breakpoint at dbg_tick 0x%x called from dbg_step 0x%x" %
            (why, pc, lr, tick, step))
    _, word = lk.request(S_DEBUG, T_MEM_READ, mem(tick, 2))
    if word != b"\x00\xbe":
        die("the breakpoint reads %s, want its BKPT" % word.hex())
    irqs = sy["dbg_irqs"]
    i0 = u32(ok(lk, T_MEM_READ, mem(irqs, 4)), 0)
    time.sleep(0.5)
    i1 = u32(ok(lk, T_MEM_READ, mem(irqs, 4)), 0)
    if i1 <= i0 or u32(ok(lk, T_STATE), 0) != 2:
        die("halted: the app's SysTick handler did not run (dbg_irqs %d then %d)" % (i0, i1))
    _, c = lk.request(S_DEBUG, T_MEM_READ, mem(count, 4))
    n = u32(c, 0)
    if lk.error(S_DEBUG, T_REGS, st[16:16 + 52] + (sp + 8).to_bytes(4, "little") + st[16 + 56:16 + 68]) != (4, 0):
        die("REGS moving sp was not refused (4)")
    regs = bytearray(st[16:16 + 68])
    regs[0:4] = (5000).to_bytes(4, "little")  # r0: dbg_tick's argument
    ok(lk, T_REGS, bytes(regs))
    ok(lk, T_MEM_WRITE, mem(mode, 4, (42).to_bytes(4, "little")))
    ok(lk, T_BREAK, brk(tick, 0))
    _, word = lk.request(S_DEBUG, T_MEM_READ, mem(tick, 2))
    if word != orig:
        die("removed breakpoint: reads %s, want %s" % (word.hex(), orig.hex()))
    ok(lk, T_CONTINUE)
    if not dev.wait_console("debug: tick 5000", 10) or not dev.wait_console("debug: mode 42 seen", 10):
        die("the app did not act on r0 = 5000 and dbg_mode = 42\n" + dev.text()[-1500:])
    wait_state(lk, 0, what="step 3")
    t0 = time.time()
    ok(lk, T_HALT)
    st = wait_state(lk, 2, timeout=30, what="step 4")
    halt_s = time.time() - t0
    if u32(st, 1) != 1:
        die("HALT: why %d, want 1" % u32(st, 1))
    ok(lk, T_CONTINUE)
    wait_state(lk, 0, what="step 5")
    # a RESTART with a breakpoint in place: the app starts again, checked whole
    ok(lk, T_BREAK, brk(step, 1))
    wait_state(lk, 2, what="step 6")
    ok(lk, T_RESTART)
    if not dev.wait_console("debug: running\n", 5) or dev.text().count("debug: running") != 2:
        die("RESTART: the app did not start again\n" + dev.text()[-1500:])
    st = wait_state(lk, 0, what="step 7")
    _, word = lk.request(S_DEBUG, T_MEM_READ, mem(step, 2))
    if u32(st, 2) != 2 or word[1] == 0xbe:
        die("after RESTART: starts %d, dbg_step reads %s" % (u32(st, 2), word.hex()))
    # END with a breakpoint in place: put back, the app runs on
    ok(lk, T_BREAK, brk(step, 1))
    wait_state(lk, 2, what="step 8")
    ok(lk, T_END)
    mark = dev.text().count("debug: tick")
    time.sleep(1.5)
    if dev.text().count("debug: tick") <= mark:
        die("after END the app did not run on\n" + dev.text()[-800:])
    authorize(env, lk)
    _, word = lk.request(S_DEBUG, T_MEM_READ, mem(step, 2))
    if word[1] == 0xbe:
        die("after END dbg_step still holds a BKPT")
    # a session that runs out while the app is halted at a breakpoint
    # (the peer went away): put back, the app runs on by itself
    ok(lk, T_END)
    authorize(env, lk, seconds=2)
    ok(lk, T_BREAK, brk(step, 1))
    wait_state(lk, 2, what="step 10")
    mark = dev.text().count("debug: tick")
    time.sleep(3)
    if dev.text().count("debug: tick") <= mark:
        die("after the session ran out the app did not run on\n" + dev.text()[-800:])
    authorize(env, lk)
    word = ok(lk, T_MEM_READ, mem(step, 2))
    if word[1] == 0xbe:
        die("after the session ran out dbg_step still holds a BKPT")
    # a power cut with a breakpoint in place: the next boot puts it back
    # before the image is checked
    ok(lk, T_BREAK, brk(step, 1))
    wait_state(lk, 2, what="step 9")
    lk.close()
    cut = os.path.join(env.work, "D-cut.bin")
    dev.save(cut)
    d2 = Device(env, "D2", None, raw=cut, serve=False)
    d2.status()
    if not d2.wait_console("debug: tick 50", timeout=30):
        die("D2: after the cut the app did not run\n" + d2.text()[-2000:])
    d2.finish(kill=True)
    print("remote.py: agent: no request without a session; secure read, flash write, RAM breakpoint, REGS "
          "while running and a moved sp refused; breakpoint at dbg_tick halted it (lr in dbg_step), its SysTick ran on (%d ticks in 0.5 s); r0 and "
          "dbg_mode written and acted on; HALT took %.2f s; RESTART, END, the session's time and a power cut put the breakpoint "
          "back" % (i1 - i0, halt_s))


def main():
    env, what, _, _ = ota.start("remote.py", __doc__, "MVB_REMOTE_UNUSED", "0")
    setup(env)
    if what in ("all", "crash"):
        crash(env)
    if what in ("all", "logs"):
        logs(env)
    if what in ("all", "refusals"):
        refusals(env)
    if what in ("all", "agent"):
        agent(env)
    print("remote.py: %s passed" % what)


if __name__ == "__main__":
    main()
