#!/usr/bin/env python3
"""debug.py - `mvbuild debug` end to end: gdb-multiarch at a QEMU
mps2-an505 device's app over its link, through the microvisor's debug
agent.

The device runs the test app 'debug' (firmware/examples/tests/debug.c:
dbg_tick() called from dbg_step() from main(), every 20 ms; it says
"debug: mode 42 seen" once dbg_mode is 42) from a factory image that
trusts a debug key.  What is checked:

  session  mvbuild debug authorizes and listens; gdb-multiarch --batch
           connects, breaks on dbg_tick, continues and stops there, prints
           dbg_count, backtraces through dbg_tick to main, sets dbg_mode
           to 42, reads secure memory (x/4x 0x10000000: an error),
           continues (gdb steps over the breakpoint) and stops there again
           with dbg_count grown, deletes the breakpoint, detaches; mvbuild exits
           0 and the app, running on, says "mode 42 seen"
  interrupt a bare GDB remote-protocol client: continue, then ^C (0x03):
           the app stops (a T02 stop reply, the pc in the app's flash)
           within 5 s, and detaches
  refusals an AUTH replayed (--save-auth, then --auth-file), one saved for
           another device, and a key the device does not trust: each
           refused with status 3 and its reason

usage: debug.py MVBUILD FWBUILD BOARDFILE WORKDIR [session|interrupt|refusals]
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ota  # noqa: E402  (the shared QEMU device helpers)
from ota import Device, die  # noqa: E402

GDB = "gdb-multiarch"


def setup(env):
    env.run("keygen", "-o", "k.pem")
    env.run("keygen", "-o", "dbg.pem")
    env.run("keygen", "-o", "dbg2.pem")
    for tag in ("D", "E", "I"):
        env.bundle("test_debug", "factory-%s.elf" % tag, "--factory", "--trust", "k.pub.pem",
                   "--serial", "debug-" + tag, "--trust-debug", "dbg.pub.pem")


def boot(env, tag):
    dev = Device(env, tag, None, image=os.path.join(env.work, "factory-%s.elf" % tag), serve=False)
    dev.status()
    if not dev.wait_console("debug: tick 50", timeout=30):
        die("%s: the app did not run\n%s" % (tag, dev.text()[-2000:]))
    return dev


def debug_cmd(env, dev, *extra):
    return [env.mvb, "debug", "--device", "tcp:127.0.0.1:%d" % dev.port, "--listen", "127.0.0.1:0",
            "--timeout", "20"] + list(extra)


def session(env):
    dev = boot(env, "D")
    err = os.path.join(env.work, "debug.err")
    p = subprocess.Popen(debug_cmd(env, dev, "--key", "dbg.pem", "--save-auth", "auth-D.bin"), cwd=env.work,
                         stdout=subprocess.PIPE, stderr=open(err, "w"), text=True)
    ota.RUNNING.append(p)
    line = p.stdout.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(gdb-multiarch -ex 'target remote 127\.0\.0\.1:\d+'\)", line)
    if not m:
        p.kill()
        die("mvbuild debug did not say where it listens: %r\n%s" % (line, open(err).read()))
    port = m.group(1)
    app = os.path.join(env.ex, "test_debug.elf")
    g = subprocess.run([GDB, "-nx", "--batch", "-ex", "set confirm off", "-ex", "set pagination off",
                        "-ex", "target remote 127.0.0.1:" + port, "-ex", "break dbg_tick", "-ex", "continue",
                        "-ex", "print dbg_count", "-ex", "bt", "-ex", "set var dbg_mode = 42",
                        "-ex", "print dbg_mode", "-ex", "x/4x 0x10000000",
                        "-ex", "continue", "-ex", "print dbg_count", "-ex", "delete",
                        "-ex", "detach", app], capture_output=True, text=True, timeout=120)
    out = g.stdout + g.stderr
    with open(os.path.join(env.work, "gdb.out"), "w") as f:
        f.write(out)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        die("mvbuild debug did not end after gdb detached\n" + open(err).read())
    want = [(r"Breakpoint 1, (0x[0-9a-f]+ in )?dbg_tick", "the stop at dbg_tick"),
            (r"\$1 = \d+", "dbg_count printed"),
            (r"#0 .*dbg_tick", "bt frame 0: dbg_tick"),
            (r"#\d+ .*main", "bt reaches main"),
            (r"\$2 = 42", "dbg_mode written"),
            (r"Cannot access memory at address 0x10000000", "secure memory refused"),
            (r"Breakpoint 1, (0x[0-9a-f]+ in )?dbg_tick[\s\S]*Breakpoint 1, (0x[0-9a-f]+ in )?dbg_tick",
             "a second stop at dbg_tick (gdb stepped over the breakpoint)"),
            (r"detached", "detach")]
    for pat, what in want:
        if not re.search(pat, out):
            die("gdb: %s missing\n%s\n--- mvbuild debug:\n%s" % (what, out, open(err).read()))
    counts = [int(c) for c in re.findall(r"\$(?:1|3) = (\d+)", out)]
    if len(counts) != 2 or counts[1] <= counts[0]:
        die("gdb: dbg_count at the two stops %s, want it grown\n%s" % (counts, out))
    if rc != 0:
        die("mvbuild debug: exit %d, want 0\n%s" % (rc, open(err).read()))
    if not dev.wait_console("debug: mode 42 seen", timeout=20):
        die("the app did not act on dbg_mode = 42\n" + dev.text()[-2000:])
    # the app runs on, with no breakpoint left: its ticks go on
    n = len(re.findall("debug: tick", dev.text()))
    time.sleep(2.5)
    if len(re.findall("debug: tick", dev.text())) <= n:
        die("the app does not run on after the session\n" + dev.text()[-2000:])
    return dev


class Rsp:
    """A bare GDB remote-protocol client (acks on, no qSupported)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.settimeout(0.2)
        self.buf = b""

    def send(self, body):
        self.sock.sendall(b"$" + body + b"#%02x" % (sum(body) & 0xff))

    def reply(self, timeout=10):
        """The body of the next packet that is not console output ('O'
        and hex); acks and console packets are skipped."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(rb"\$([^#]*)#[0-9a-f]{2}", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.sock.sendall(b"+")
                body = m.group(1)
                if body.startswith(b"O") and body != b"OK":
                    continue
                return body
            try:
                d = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not d:
                break
            self.buf += d
        die("mvbuild debug: no reply from the GDB server (have %r)" % self.buf[-200:])


def interrupt(env):
    dev = boot(env, "I")
    err = os.path.join(env.work, "interrupt.err")
    p = subprocess.Popen(debug_cmd(env, dev, "--key", "dbg.pem"), cwd=env.work, stdout=subprocess.PIPE,
                         stderr=open(err, "w"), text=True)
    ota.RUNNING.append(p)
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", p.stdout.readline())
    if not m:
        die("mvbuild debug did not say where it listens\n" + open(err).read())
    g = Rsp(int(m.group(1)))
    g.send(b"?")
    g.reply()
    g.send(b"c")
    time.sleep(1.0)
    ticks = dev.text().count("debug: tick")
    t0 = time.time()
    g.sock.sendall(b"\x03")
    stop = g.reply(timeout=5)
    took = time.time() - t0
    if not stop.startswith((b"T02", b"S02")):
        die("^C: stop reply %r, want T02" % stop)
    g.send(b"pf")  # pc
    r = g.reply()
    try:
        pc = int.from_bytes(bytes.fromhex(r.decode()), "little")
    except ValueError:
        die("p f (pc): reply %r" % r)
    flash = env.board_addr("MVB_PART_APP_FLASH_NS_BASE")
    if not flash <= pc < flash + env.board_addr("MVB_PART_APP_FLASH_SIZE"):
        die("^C: pc 0x%x outside the app's flash" % pc)
    time.sleep(0.5)
    if dev.text().count("debug: tick") > ticks + 1:
        die("^C: the app ran on after its stop reply")
    g.send(b"D")
    if g.reply() != b"OK":
        die("detach not answered OK")
    g.sock.close()
    if p.wait(timeout=30) != 0:
        die("mvbuild debug: exit %d after detach\n%s" % (p.returncode, open(err).read()))
    dev.finish(kill=True)
    print("debug.py: interrupt: ^C stopped the app at pc 0x%x in %.2f s" % (pc, took))


def refused(env, dev, why, *extra):
    p = subprocess.run(debug_cmd(env, dev, *extra), cwd=env.work, capture_output=True, text=True, timeout=60)
    if p.returncode != 3 or why not in p.stderr:
        die("mvbuild debug %s: exit %d, want 3 and %r\n%s%s" % (" ".join(extra), p.returncode, why, p.stdout,
                                                                 p.stderr))


def refusals(env, dev):
    if not os.path.exists(os.path.join(env.work, "auth-D.bin")):
        dev = session(env)
    refused(env, dev, "replayed or stale", "--auth-file", "auth-D.bin")
    refused(env, dev, "is not the debug key this device trusts", "--key", "dbg2.pem")
    dev.finish(kill=True)
    other = boot(env, "E")
    refused(env, other, "signed for another device", "--auth-file", "auth-D.bin")
    other.finish(kill=True)


def main():
    env, what, _, _ = ota.start("debug.py", __doc__, "MVB_DEBUG_UNUSED", "0")
    setup(env)
    dev = None
    if what in ("all", "session"):
        dev = session(env)
    if what in ("all", "interrupt"):
        interrupt(env)
    if what in ("all", "refusals"):
        if dev is None:
            dev = session(env)
        refusals(env, dev)
    elif dev is not None:
        dev.finish(kill=True)
    print("debug.py: %s passed" % what)


if __name__ == "__main__":
    main()
