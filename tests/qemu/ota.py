#!/usr/bin/env python3
"""ota.py - over-the-air updates on a QEMU mps2-an505 device, end to end.

The device boots the microvisor with the update client
(out/microvisor-ota.elf of a firmware build) and the test app 'forever'
1.0.0; `mvbuild serve` answers its link (UART4 on a loopback socket) from a
repository published here.  What is checked:

  roundtrip   1.0.0 -> 1.1.0 as a delta, the new release boots; a device
              three releases behind gets the full bundle; an up-to-date
              device installs nothing; an app that asks for the update
              itself (mv_update_check); a crash-looping release ends in
              safe mode, where the device asks for an update itself
  refusals    an index signed by another key, a lower security counter,
              a tampered chunk, a replayed older index, an index and a
              bundle for another board, another microvisor: each refused with
              its reason over the link, nothing written (the old app runs
              on)
  hostile     the other end misbehaving (tests' own link server): noise
              and bad frames (ignored), short, long or misplaced answers
              (the session fails, nothing written), silence in the middle
              of an install and a chunk table that changes when read again
              (0x4811; both finished later with an honest server)
  big         a full install of an app layer of more than 512 chunks
              (about 2 minutes; not in "all": scripts/test.sh --full runs
              it)
  powercut    the install cut at random instants (QEMU stopped, its code
              memory saved through the CPU's view, a new QEMU booted from
              that image), cuts during resumed installs too: every run ends
              with release 2 running, its bytes identical to an uncut
              install, and every boot in between asks for the update

usage: ota.py MVBUILD FWBUILD BOARDFILE WORKDIR [roundtrip|refusals|hostile|powercut|big]
              [--cuts N] [--seed S]
--cuts defaults to $MVB_OTA_CUTS or 12 (scripts/test.sh --full: 200).
"""
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import zlib
import json

QEMU = os.environ.get("QEMU", "qemu-system-arm")
CODE = 0x10000000
CODE_SIZE = 0x400000
APP_NS = 0x00200000
SLOW = int(os.environ.get("MVB_OTA_ICOUNT", "6"))  # -icount shift for the power-cut runs


RUNNING = []  # every QEMU and serve started, so that a failure leaves none behind


def _texts():
    """The microvisor's message and reason tables, read from the firmware's
    own headers (msg.h, reason.h): the console's tokens decoded here as
    mvbuild decode does, fast enough to poll."""
    inc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "firmware", "include", "mv")
    msg = open(os.path.join(inc, "msg.h")).read().replace("\\\n", " ")
    msgs = {}
    for m in re.finditer(r'M\((\d+),\s*"[^"]*",\s*((?:"[^"]*"\s*)+)\)', msg):
        msgs[int(m.group(1))] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    rsn = open(os.path.join(inc, "reason.h")).read()
    exits = {m.group(1): int(m.group(2)) for m in re.finditer(r"#define (MV_EXIT_\w+) (\d+)u", rsn)}
    reasons = {0: "no error"}
    for m in re.finditer(r'X\(\w+, MV_REASON\((\w+), (0x[0-9a-f]+|\d+)u\),\s*"([^"]*)"\)', rsn):
        reasons[exits[m.group(1)] << 8 | int(m.group(2), 0)] = m.group(3)
    return msgs, reasons


MSGS, REASONS = _texts()


def _token(m):
    if m.group(1) is not None:
        return REASONS.get(int(m.group(1), 16), m.group(0))
    text, vals = MSGS.get(int(m.group(2))), m.group(3).split("|")[1:]
    if text is None or text.count("%") != len(vals):
        return m.group(0)
    out, it = [], iter(vals)

    def conv(c):
        v = next(it)
        if c.group(1) in "rR":
            r = REASONS.get(int(v, 16)) if re.fullmatch(r"0x[0-9a-f]{8}", v) else None
            if c.group(1) == "R":
                return "%s (reason %s)" % (r, v) if r else "reason " + v
            return r or v
        return v
    return re.sub(r"%([uxvsrR])", conv, text)


def decoded(raw):
    """A console with its tokens replaced by their texts."""
    return re.sub(r"\{#([0-9a-f]{1,8})\}|\{@([1-9][0-9]{0,5})((?:\|[ -z~]*)*)\}", _token, raw)


def die(msg):
    print("FAIL: " + msg)
    for p in RUNNING:
        if p.poll() is None:
            p.kill()
    sys.exit(1)


class Env:
    def __init__(self, mvb, fw, board, work):
        self.mvb, self.fw, self.board, self.work = mvb, fw, board, work
        self.mv = os.path.join(fw, "out", "microvisor-ota.elf")
        self.api = os.path.join(fw, "out", "mv_api.yaml")
        self.ex = os.path.join(fw, "examples")

    def run(self, *args, ok=(0,)):
        p = subprocess.run([self.mvb] + list(args), cwd=self.work, capture_output=True, text=True)
        if p.returncode not in ok:
            die("mvbuild %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def board_addr(self, name):
        """A partition address from the firmware build's generated board header."""
        with open(os.path.join(self.fw, "gen", "mv_board.h")) as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[0] == "#define" and w[1] == name:
                    return int(w[2].rstrip("u"), 16)
        die("no %s in the board header" % name)

    def bundle(self, app, out, *extra):
        self.run("bundle", os.path.join(self.ex, app + ".elf"), "--board", self.board, "--microvisor", self.mv,
                 "--api", self.api, "-o", out, *extra)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Device:
    """One power-on of the device: QEMU from an ELF or a saved code image,
    its link served by `mvbuild serve --once` from repo."""

    def __init__(self, env, tag, repo, image=None, raw=None, update_now=True, slow=0, serve=True, serve_timeout=60):
        self.env, self.tag = env, tag
        w = env.work
        self.console = os.path.join(w, tag + ".console")
        self.mon = os.path.join(w, tag + ".mon")
        port = free_port()
        args = [QEMU, "-M", "mps2-an505", "-display", "none", "-no-reboot",
                "-semihosting-config", "enable=on,target=native",
                "-monitor", "unix:%s,server=on,wait=off" % self.mon,
                "-chardev", "file,id=con,path=%s,mux=on" % self.console,
                "-serial", "chardev:con", "-serial", "chardev:con", "-serial", "null", "-serial", "null",
                "-chardev", "socket,id=lk,host=127.0.0.1,port=%d,server=on,wait=on" % port, "-serial", "chardev:lk"]
        if slow:
            # guest time bound to real time, slowly enough that a cut can
            # land between any two flash writes of an install
            args += ["-icount", "shift=%d,align=on,sleep=on" % slow]
        if raw:
            args += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (raw, CODE)]
        else:
            args += ["-kernel", image]
        self.qemu = subprocess.Popen(args, cwd=w, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(w, tag + ".qemu.err"), "w"))
        RUNNING.append(self.qemu)
        deadline = time.time() + 10
        while not os.path.exists(self.mon):
            if time.time() > deadline or self.qemu.poll() is not None:
                die("%s: QEMU did not start" % tag)
            time.sleep(0.02)
        time.sleep(0.1)
        self.port = port
        self.serve_err = os.path.join(w, tag + ".serve.err")
        self.serve_out = os.path.join(w, tag + ".serve.json")
        self.serve = None
        if serve:
            self.start_serve(repo, update_now, timeout=serve_timeout)

    def start_serve(self, repo, update_now=True, once=True, timeout=60):
        env, w, tag = self.env, self.env.work, self.tag
        sargs = [env.mvb, "serve", "--repo", os.path.join(w, repo), "--device", "tcp:127.0.0.1:%d" % self.port,
                 "--timeout", str(timeout), "--format", "json"] + (["--once"] if once else [])
        if update_now:
            sargs.append("--update-now")
        self.serve = subprocess.Popen(sargs, stdout=open(self.serve_out, "w"), stderr=open(self.serve_err, "w"))
        RUNNING.append(self.serve)

    def text(self):
        try:
            with open(self.console, errors="replace") as f:
                return decoded(f.read())
        except FileNotFoundError:
            return ""

    def wait_console(self, needle, timeout=60):
        deadline = time.time() + timeout
        while needle not in self.text():
            if time.time() > deadline or self.qemu.poll() is not None:
                return False
            time.sleep(0.002)
        return True

    def hmp(self, *cmds):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.mon)
        buf = b""
        for cmd in cmds:
            while not buf.endswith(b"(qemu) "):
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            buf = b""
            s.sendall(cmd.encode() + b"\n")
        # the last command done: its prompt, or the end (quit)
        try:
            while not buf.endswith(b"(qemu) "):
                d = s.recv(4096)
                if not d:
                    break
                buf += d
        except OSError:
            pass
        s.close()

    def save(self, path, addr=CODE, size=CODE_SIZE):
        """Stops the CPU and saves memory through its view (the cut).  The
        code memory is saved through the alias each part's memory gate
        lets the CPU read: the secure half through the secure alias, the
        app's flash (non-secure blocks) through the non-secure one."""
        if (addr, size) != (CODE, CODE_SIZE):
            self.hmp("stop", 'memsave 0x%x 0x%x "%s"' % (addr, size, path), "quit")
            self.finish(kill=True)
            return
        # A CPU stopped in non-secure state may not read the secure alias
        # (the first word of the dump is then the app's, or the dump is
        # short): it runs a moment longer and is stopped again, which
        # is still a cut at a random instant.
        half = CODE_SIZE // 2
        for attempt in range(50):
            self.hmp("stop", 'memsave 0x%x 0x%x "%s.s"' % (CODE, half, path),
                     'memsave 0x%x 0x%x "%s.ns"' % (APP_NS, half, path))
            parts = []
            for part in (".s", ".ns"):
                try:
                    with open(path + part, "rb") as g:
                        parts.append(g.read())
                    os.remove(path + part)
                except FileNotFoundError:
                    parts.append(b"")
            reset = int.from_bytes(parts[0][4:8], "little")
            if len(parts[0]) == half and len(parts[1]) == half and reset & 1 and CODE <= reset < CODE + half:
                break
            self.hmp("cont")
            time.sleep(0.001)
        else:
            self.finish(kill=True)
            die("%s: no dump of the code memory through the CPU's view after 50 stops" % self.tag)
        self.hmp("quit")
        self.finish(kill=True)
        with open(path, "wb") as f:
            f.write(parts[0] + parts[1])

    def finish(self, kill=False):
        if kill:
            for p in (self.qemu, self.serve):
                if p is not None and p.poll() is None:
                    p.kill()
        if self.serve is not None:
            try:
                self.serve.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.serve.kill()
                self.serve.wait()
        if self.qemu.poll() is None:
            self.qemu.kill()
        self.qemu.wait()
        return self.serve.returncode if self.serve is not None else None

    def status(self):
        """mvbuild status over the link, once serve has let go of it."""
        if self.serve is not None:
            try:
                self.serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                die("%s: serve did not end" % self.tag)
        p = subprocess.run([self.env.mvb, "status", "--device", "tcp:127.0.0.1:%d" % self.port, "--format", "json",
                            "--timeout", "10"], capture_output=True, text=True)
        if p.returncode != 0:
            die("%s: mvbuild status: exit %d\n%s" % (self.tag, p.returncode, p.stderr))
        return json.loads(p.stdout)

    def report(self):
        with open(self.serve_err, errors="replace") as f:
            return f.read()


def setup(env):
    """Keys, the factory image (1.0.0 with the trust anchor) and a
    repository with 1.0.0 and 1.1.0 (a delta between them)."""
    env.run("keygen", "-o", "k.pem")
    env.run("keygen", "-o", "other.pem")
    env.bundle("test_ota1", "factory.elf", "--factory", "--trust", "k.pub.pem", "--serial", "ota-1")
    env.bundle("test_ota1", "v1.mvb", "--sign", "k.pem")
    env.bundle("test_ota2", "v2.mvb", "--sign", "k.pem", "--version", "1.1.0", "--security-counter", "1")
    env.run("publish", "v1.mvb", "--repo", "repo", "--sign", "k.pem")
    env.run("publish", "v2.mvb", "--repo", "repo", "--sign", "k.pem")


def expect_installed(dev, rc, how):
    if rc != 0 or "installed 1.1.0 as %s" % how not in dev.report():
        die("%s: serve exit %d, want 0 and 'installed 1.1.0 as %s'\n%s%s" % (dev.tag, rc, how, dev.report(),
                                                                              dev.text()[-2000:]))


def roundtrip(env):
    # 1.0.0 -> 1.1.0: the delta, verified, installed in place, booted;
    # then 'mvbuild status' over the same link says so
    d = Device(env, "delta", "repo", image="factory.elf")
    ok = d.wait_console("app: release 2 running", 60)
    st = d.status() if ok else None
    rc = d.finish(kill=True)
    if not ok:
        die("delta: release 2 never ran\n" + d.text()[-3000:] + d.report())
    if "mv: update: installing 1.1.0 (delta" not in d.text():
        die("delta: no delta install on the console\n" + d.text()[-2000:])
    print("ok: delta round trip (1.0.0 -> 1.1.0, the new release boots)")
    if st["state"] != "running" or st["app"]["version"] != "1.1.0" or st["app"]["security_counter"] != 1 or \
            st["update"]["counter_floor"] != 1 or st["update"]["index_version"] < 1 or st["crashes"]["starts"] != 2 \
            or st["serial"] != "ota-1" or st["abi"] != "1.4" or st["link_stats"]["frames_in"] < 10:
        die("delta: mvbuild status does not show the update: %s" % json.dumps(st))
    print("ok: mvbuild status after the update: 1.1.0 running, counter floor 1, second start")

    # three releases behind: 1.2.0 and 1.3.0 published with deltas from
    # the last release only, so a 1.0.0 device gets the full bundle
    env.bundle("test_ota1", "v3.mvb", "--sign", "k.pem", "--version", "1.2.0", "--security-counter", "2")
    env.bundle("test_ota2", "v4.mvb", "--sign", "k.pem", "--version", "1.3.0", "--security-counter", "3")
    shutil.copytree(os.path.join(env.work, "repo"), os.path.join(env.work, "repo4"))
    env.run("publish", "v3.mvb", "--repo", "repo4", "--sign", "k.pem", "--deltas", "1")
    env.run("publish", "v4.mvb", "--repo", "repo4", "--sign", "k.pem", "--deltas", "1")
    d = Device(env, "full", "repo4", image="factory.elf")
    ok = d.wait_console("app: release 2 running", 60)
    rc = d.finish(kill=ok)
    if not ok or "mv: update: installing 1.3.0 (full" not in d.text():
        die("full: want a full install of 1.3.0\n" + d.text()[-3000:] + d.report())
    print("ok: a device three releases behind gets the full bundle (1.0.0 -> 1.3.0)")

    # up to date: a device already running the latest release
    env.bundle("test_ota2", "factory2.elf", "--factory", "--trust", "k.pub.pem", "--version", "1.1.0",
               "--security-counter", "1")
    d = Device(env, "uptodate", "repo", image="factory2.elf")
    rc = d.finish()
    if rc != 0 or "up to date" not in d.report() or "installing" in d.text():
        die("uptodate: serve exit %d\n%s%s" % (rc, d.report(), d.text()[-2000:]))
    print("ok: an up-to-date device installs nothing")

    # an app that asks for the update itself (mv_update_check): nobody
    # sends UPDATE_NOW
    env.bundle("test_ota4", "factory4.elf", "--factory", "--trust", "k.pub.pem")
    env.bundle("test_ota4", "self1.mvb", "--sign", "k.pem")
    env.run("publish", "self1.mvb", "--repo", "repo-self", "--sign", "k.pem")
    env.run("publish", "v2.mvb", "--repo", "repo-self", "--sign", "k.pem")
    d = Device(env, "self", "repo-self", image="factory4.elf", update_now=False)
    ok = d.wait_console("app: release 2 running", 60)
    rc = d.finish(kill=ok)
    t = d.text()
    if not ok or "mv: update session asked for: app stopped" not in t or "mv: update: installing 1.1.0 (delta" not in t \
            or "UPDATE_NOW" in d.report():
        die("self: want the app's own request and a delta install\n" + t[-3000:] + d.report())
    print("ok: an app that asks for the update itself (mv_update_check) gets it")

    # an app whose name fills its 31 bytes: the READ names are relative to
    # the app's directory, so they fit whatever the app is called
    long = "forever-with-a-much-longer-name"
    with open(os.path.join(env.work, "long.yaml"), "w") as f:
        f.write("schema: 1\nname: %s\nversion: 1.0.0\nperipherals: []\nconfirm: at-install\n" % long)
    env.bundle("test_ota1", "factory-long.elf", "--app", "long.yaml", "--factory", "--trust", "k.pub.pem")
    env.bundle("test_ota1", "long1.mvb", "--app", "long.yaml", "--sign", "k.pem")
    env.bundle("test_ota2", "long2.mvb", "--app", "long.yaml", "--sign", "k.pem", "--version", "1.1.0",
               "--security-counter", "1")
    env.run("publish", "long1.mvb", "--repo", "repo-long", "--sign", "k.pem")
    env.run("publish", "long2.mvb", "--repo", "repo-long", "--sign", "k.pem")
    d = Device(env, "long", "repo-long", image="factory-long.elf")
    ok = d.wait_console("app: release 2 running", 60)
    rc = d.finish(kill=ok)
    t = d.text()
    if not ok or "mv: app '%s' 1.1.0 verified" % long not in t or "installing 1.1.0 (delta" not in t:
        die("long: want the delta installed for a 31-byte app name\n" + t[-3000:] + d.report())
    print("ok: an app with a 31-byte name updates (1.0.0 -> 1.1.0, delta)")

    # an update the app may put off (update-defer in its manifest): told
    # through mv_info, it runs on until its deadline (release 1 ignores
    # it) ...
    with open(os.path.join(env.work, "defer.yaml"), "w") as f:
        f.write("schema: 1\nname: forever\nversion: 1.0.0\nperipherals: []\nconfirm: at-install\nupdate-defer: 3s\n")
    env.bundle("test_ota1", "factory-defer.elf", "--app", "defer.yaml", "--factory", "--trust", "k.pub.pem")
    env.bundle("test_ota1", "defer1.mvb", "--app", "defer.yaml", "--sign", "k.pem")
    env.run("publish", "defer1.mvb", "--repo", "repo-defer", "--sign", "k.pem")
    env.run("publish", "v2.mvb", "--repo", "repo-defer", "--sign", "k.pem")
    d = Device(env, "defer", "repo-defer", image="factory-defer.elf")
    ok = d.wait_console("app: release 2 running", 60)
    rc = d.finish(kill=ok)
    t = d.text()
    told, stopped = t.find("mv: update ready: the app may put it off for 3000 ms"), t.find("mv: update session asked")
    if not ok or told < 0 or stopped < told or t[told:stopped].count("app: tick") < 2 or \
            "installing 1.1.0 (delta" not in t:
        die("defer: want the app told, running on for its 3 s, then stopped and updated\n" + t[-3000:] + d.report())
    print("ok: an app with update-defer runs on until its deadline, then is stopped and updated")
    # ... or finishes its work and asks for it at once (release 5, 20 s
    # allowed, gone in well under that)
    with open(os.path.join(env.work, "defer20.yaml"), "w") as f:
        f.write("schema: 1\nname: forever\nversion: 1.0.0\nperipherals: []\nconfirm: at-install\nupdate-defer: 20s\n")
    env.bundle("test_ota5", "factory-defer5.elf", "--app", "defer20.yaml", "--factory", "--trust", "k.pub.pem")
    env.bundle("test_ota5", "defer5.mvb", "--app", "defer20.yaml", "--sign", "k.pem")
    env.run("publish", "defer5.mvb", "--repo", "repo-defer5", "--sign", "k.pem")
    env.run("publish", "v2.mvb", "--repo", "repo-defer5", "--sign", "k.pem")
    d = Device(env, "defer5", "repo-defer5", image="factory-defer5.elf")
    t0 = time.time()
    ok = d.wait_console("app: release 2 running", 60)
    took = time.time() - t0
    rc = d.finish(kill=ok)
    t = d.text()
    if not ok or "app: update due in ms: " not in t or "app: work saved, updating now" not in t or \
            "installing 1.1.0 (delta" not in t or took > 18:
        die("defer5: want the app to see the deadline and ask at once (%.1f s)\n" % took + t[-3000:] + d.report())
    print("ok: an app told of an update finishes its work and asks for it at once (%.1f s of 20 allowed)" % took)

    # a device whose app header is lost (erased): it follows the app its
    # provisioning record names, asks for it in safe mode, and installs
    # the full bundle (no delta: it has no installed version)
    d = Device(env, "nohdr-prep", "repo", image="factory.elf", update_now=False)
    if not d.wait_console("app: running until stopped", 20):
        die("nohdr: 1.0.0 never ran\n" + d.text()[-2000:])
    img = os.path.join(env.work, "nohdr.bin")
    d.save(img)
    hdr = env.board_addr("MVB_PART_APP_HEADER_BASE") - CODE
    with open(img, "r+b") as f:
        f.seek(hdr)
        f.write(b"\xff" * 256)
    d = Device(env, "nohdr", "repo", raw=img, update_now=False)
    ok = d.wait_console("app: release 2 running", 60)
    rc = d.finish(kill=ok)
    t = d.text()
    if not ok or "mv: update: installing 1.1.0 (full" not in t or "mv: safe mode: " not in t:
        die("nohdr: want safe mode, then a full install of 1.1.0\n" + t[-3000:] + d.report())
    print("ok: a device that lost its app header follows its provisioned app and installs it in full")

    # a release that crashes at every start, asked with 'mvbuild status'
    # (QEMU started by it, nobody serving updates): safe mode, the crashes
    env.bundle("test_ota3", "factory3.elf", "--factory", "--trust", "k.pub.pem", "--version", "1.0.1")
    p = subprocess.run([env.mvb, "status", "--qemu", os.path.join(env.work, "factory3.elf"), "--format", "json",
                        "--timeout", "20"], capture_output=True, text=True)
    st = json.loads(p.stdout) if p.returncode == 0 else {}
    if p.returncode != 0 or st["state"] != "safe mode" or st["reason"] != 0x4501 or \
            st["crashes"]["in_a_row"] != 3 or st["crashes"]["last_reason"] != 0x4518 or \
            st["app"]["version"] != "1.0.1":
        die("status: want safe mode after 3 crashes\n%s%s" % (p.stdout, p.stderr))
    print("ok: mvbuild status of a crash-looping device: safe mode (0x4501), 3 crashes in a row, last 0x4518")
    # and its log over the link: every line, numbered without a gap
    p = subprocess.run([env.mvb, "logs", "--qemu", os.path.join(env.work, "factory3.elf"), "--format", "json",
                        "--timeout", "4"], capture_output=True, text=True)
    lg = json.loads(p.stdout) if p.returncode == 0 else {}
    seqs = [x["seq"] for x in lg.get("lines", [])]
    texts = "\n".join(x["text"] for x in lg.get("lines", []))
    if p.returncode != 0 or lg["lost"] != 0 or seqs != list(range(seqs[0], seqs[0] + len(seqs))) or \
            "app: release 3 crashes" not in texts or "mv: safe mode: app crashed too often in a row" not in texts:
        die("logs: want every line of the crash loop, numbered without a gap\n%s%s" % (p.stdout, p.stderr))
    print("ok: mvbuild logs of the crash loop: %d lines, numbered without a gap, none lost" % len(seqs))

    # a release that crashes at every start: the device ends in safe mode
    # and, with nobody asking, keeps asking for an update itself
    env.bundle("test_ota3", "factory3.elf", "--factory", "--trust", "k.pub.pem", "--version", "1.0.1")
    d = Device(env, "safemode", "repo", image="factory3.elf", update_now=False)
    ok = d.wait_console("app: release 2 running", 90)
    rc = d.finish(kill=ok)
    t = d.text()
    if not ok or "mv: safe mode: app crashed too often in a row (reason 0x00004501)" not in t \
            or "mv: update: installing 1.1.0 (full" not in t:
        die("safemode: want safe mode, then a full install of 1.1.0\n" + t[-3000:] + d.report())
    print("ok: a crash-looping release: safe mode, the device asks for an update itself and installs the fix")


def refused(env, tag, repo, reason, image="factory.elf", raw=None, runs="1.0.0"):
    d = Device(env, tag, repo, image=image, raw=raw)
    try:
        d.serve.wait(timeout=90)
    except subprocess.TimeoutExpired:
        pass
    # the old app starts again after the session (give it a moment)
    deadline = time.time() + 15
    while d.text().count("mv: app 'forever' %s verified" % runs) < 2 and time.time() < deadline:
        time.sleep(0.05)
    rc = d.finish(kill=True)
    text = d.text()
    if rc != 1 or ("reason 0x%x" % reason) not in d.report():
        die("%s: serve exit %d, want 1 and reason 0x%x\n%s%s" % (tag, rc, reason, d.report(), text[-2000:]))
    # nothing written: the old app started again after the session
    if text.count("mv: app 'forever' %s verified" % runs) < 2 or "mv: update: writing" in text:
        die("%s: the old app did not run on\n%s" % (tag, text[-2000:]))
    print("ok: %s refused (reason 0x%x), the old app runs on" % (tag, reason))


def old_device_image(env, tag):
    """The device's code memory once the factory image's 1.0.0 runs (the
    serve answers but sends no UPDATE_NOW): the file it was saved to."""
    d = Device(env, tag, "repo", image="factory.elf", update_now=False)
    if not d.wait_console("app: running until stopped", 20):
        d.finish(kill=True)
        die("%s: 1.0.0 never ran\n" % tag + d.text()[-2000:])
    path = os.path.join(env.work, tag + ".bin")
    d.save(path)
    return path


def refusals(env):
    # an index (and bundles) signed by a key the device does not trust
    env.bundle("test_ota2", "o2.mvb", "--sign", "other.pem", "--version", "1.1.0", "--security-counter", "1")
    env.run("publish", "o2.mvb", "--repo", "repo-other", "--sign", "other.pem")
    refused(env, "other-key", "repo-other", 0x4805)
    # a lower security counter than the device's (the factory image at 5)
    env.bundle("test_ota1", "factory5.elf", "--factory", "--trust", "k.pub.pem", "--security-counter", "5")
    refused(env, "counter", "repo", 0x4807, image="factory5.elf")
    # a tampered chunk: one payload byte of the delta bundle flipped (the
    # object keeps its name; its signed chunk hash no longer matches)
    shutil.copytree(os.path.join(env.work, "repo"), os.path.join(env.work, "repo-tamper"))
    objs = os.path.join(env.work, "repo-tamper", "mps2-an505", "forever", "objects")
    small = min((os.path.join(objs, f) for f in os.listdir(objs)), key=os.path.getsize)
    data = bytearray(open(small, "rb").read())
    le = lambda o: int.from_bytes(data[o:o + 4], "little")
    nl = int.from_bytes(data[0x18:0x1a], "little")
    app = next(256 + 96 * i for i in range(nl) if data[256 + 96 * i] == 2)  # the app layer's entry
    data[le(0x28) + le(app + 0x10) + le(app + 0x0c) // 2] ^= 0x40  # a byte in the middle of its stream
    open(small, "wb").write(data)
    refused(env, "tampered-chunk", "repo-tamper", 0x4811)
    # an index and a bundle for another board (the names are checked before
    # the signatures, which the edits break too)
    for tag, path, off, code in (("other-board-index", "stable/index", 0x28, 0x4804),
                                 ("other-board-bundle", None, 64, 0x480c)):
        repo = "repo-" + tag
        shutil.copytree(os.path.join(env.work, "repo"), os.path.join(env.work, repo))
        base = os.path.join(env.work, repo, "mps2-an505", "forever")
        if path:
            f = os.path.join(base, path)
        else:
            objs = os.path.join(base, "objects")
            f = min((os.path.join(objs, x) for x in os.listdir(objs)), key=os.path.getsize)
        data = bytearray(open(f, "rb").read())
        data[off:off + 32] = b"stm32u585".ljust(32, b"\0")
        open(f, "wb").write(data)
        refused(env, tag, repo, code)
    # a bundle whose microvisor is not this one (made with the image
    # without the update client): the microvisor does not update itself
    env.run("bundle", os.path.join(env.ex, "test_ota2.elf"), "--board", env.board, "--microvisor",
            os.path.join(env.fw, "out", "microvisor.elf"), "--api", env.api, "--sign", "k.pem", "--version", "1.1.0",
            "--security-counter", "1", "-o", "mv2.mvb")
    env.run("publish", "v1.mvb", "--repo", "repo-mv", "--sign", "k.pem", "--deltas", "0")
    env.run("publish", "mv2.mvb", "--repo", "repo-mv", "--sign", "k.pem", "--deltas", "0")
    refused(env, "other-microvisor", "repo-mv", 0x480d)
    # a replayed older index: a device that installed 1.1.0 from index
    # version 2 (its record keeps that) is served a repository whose index
    # is version 1, validly signed
    env.run("publish", "v1.mvb", "--repo", "repo-old", "--sign", "k.pem")
    d = Device(env, "replay-install", "repo", image="factory.elf")
    if not d.wait_console("app: release 2 running", 60):
        d.finish(kill=True)
        die("replay: the install before the replay failed\n" + d.text()[-2000:])
    time.sleep(0.3)
    d.save(os.path.join(env.work, "after-install.bin"))
    refused(env, "replayed-index", "repo-old", 0x4806, raw=os.path.join(env.work, "after-install.bin"), runs="1.1.0")
    # the old release put back with a probe under a device that installed
    # 1.1.0 (its rollback floor 1; the header and app of 1.0.0, counter 0):
    # the boot refuses it (0x4206), safe mode asks for an update and gets
    # 1.1.0 again; the old app never runs
    old = old_device_image(env, "rollback-old")
    img = bytearray(open(os.path.join(env.work, "after-install.bin"), "rb").read())
    prev = open(old, "rb").read()
    hdr = env.board_addr("MVB_PART_APP_HEADER_BASE") - CODE
    img[hdr:hdr + 256] = prev[hdr:hdr + 256]
    img[CODE_SIZE // 2:] = prev[CODE_SIZE // 2:]  # app flash: the non-secure half of the dump
    rolled = os.path.join(env.work, "rolled-back.bin")
    open(rolled, "wb").write(img)
    d = Device(env, "rollback", "repo", raw=rolled, update_now=False)
    ok = d.wait_console("app: release 2 running", 60)
    rc = d.finish(kill=ok)
    t = d.text()
    if not ok or "(reason 0x00004206); asking for an update" not in t or "installing 1.1.0" not in t or \
            "mv: app 'forever' 1.0.0 verified" in t or "app: running until stopped" in t:
        die("rollback: want 1.0.0 refused at boot, then 1.1.0 installed\n" + t[-3000:] + d.report())
    print("ok: an older release put back under the device is refused at boot (0x4206) and 1.1.0 installed again")


class Hostile:
    """The other end of the link, misbehaving: mvbuild-link(5) frames
    (COBS, CRC-32) over QEMU's socket, READs answered from the repository
    directory with a fault of the given kind, UPDATE_NOW sent after the
    first HELLO.  Kinds: garbage (noise and bad frames between honest
    answers), truncated (fewer bytes than asked), extra (more), offset
    (the wrong offset), silent (no answer at all once `after` says so),
    rehash (once the device writes, a byte of an app-layer chunk hash past
    the first window changed in every READ of it: the signed table read
    again, not what was verified)."""

    def __init__(self, dev, repo, kind, after=None):
        self.dev, self.kind, self.after = dev, kind, after
        self.root = os.path.join(dev.env.work, repo)
        self.sock = socket.create_connection(("127.0.0.1", dev.port), timeout=10)
        self.sock.settimeout(0.2)
        self.buf = b""
        self.seq = 100
        self.reports = []
        self.reasons = []
        self.tampered = 0
        self.reads = 0
        self.asked = False
        self.appdir = ""
        self.status = []
        self.rng = random.Random(7)

    @staticmethod
    def cobs(data):
        out, block = bytearray([0]), bytearray()
        for b in data:
            if b == 0:
                out += bytes([len(block) + 1]) + block
                block = bytearray()
                continue
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
        out += bytes([len(block) + 1]) + block + b"\0"
        return bytes(out)

    @staticmethod
    def uncobs(data):
        out, i = bytearray(), 0
        while i < len(data):
            code = data[i]
            i += 1
            if code == 0 or i + code - 1 > len(data):
                return None
            out += data[i:i + code - 1]
            i += code - 1
            if code != 255 and i < len(data):
                out.append(0)
        return bytes(out)

    def send(self, stream, typ, flags, seq, payload, bad_crc=False):
        head = bytes([1, stream, typ, flags]) + seq.to_bytes(2, "little") + len(payload).to_bytes(2, "little")
        crc = zlib.crc32(head + payload) ^ (1 if bad_crc else 0)
        self.sock.sendall(self.cobs(head + payload + crc.to_bytes(4, "little")))

    def frames(self):
        try:
            d = self.sock.recv(4096)
        except socket.timeout:
            return []
        if not d:
            raise EOFError
        self.buf += d
        out = []
        while b"\0" in self.buf:
            raw, self.buf = self.buf.split(b"\0", 1)
            f = self.uncobs(raw) if raw else None
            if f and len(f) >= 12 and zlib.crc32(f[:-4]) == int.from_bytes(f[-4:], "little"):
                out.append(f[:-4])
        return out

    def answer_read(self, h, p):
        off = int.from_bytes(p[0:4], "little")
        n = int.from_bytes(p[4:6], "little")
        name = p[8:8 + int.from_bytes(p[6:8], "little")].decode()
        self.reads += 1
        # the name is read in the directory of the app the HELLO named
        data = open(os.path.join(self.root, self.appdir, name), "rb").read()
        if self.kind == "silent" and self.after(name, off, data):
            return
        if self.kind == "rehash" and name.endswith(".mvb") and "mv: update: writing" in self.dev.text():
            le = lambda o: int.from_bytes(data[o:o + 4], "little")
            app = next(256 + 96 * i for i in range(le(0x18) & 0xffff) if data[256 + 96 * i] == 2)
            lo = le(0x1c) + 32 * (le(app + 0x14) + 16)  # the second window's first hash
            hi = le(0x1c) + 32 * (le(app + 0x14) + le(app + 0x18))
            at = max(off, lo)
            if at < min(off + n, hi):
                data = bytearray(data)
                data[at] ^= 0x01
                self.tampered += 1
        chunk = data[off:off + n]
        doff = off
        if self.kind == "truncated" and len(chunk) > 1:
            chunk = chunk[:len(chunk) // 2]
        elif self.kind == "extra":
            chunk = data[off:off + n + 8]
        elif self.kind == "offset":
            doff = off + 1
        if self.kind == "garbage":
            self.sock.sendall(bytes(self.rng.randrange(1, 256) for _ in range(40)) + b"\0")
            self.send(h[1], h[2], 1, int.from_bytes(h[4:6], "little"), b"\x99" * 12, bad_crc=True)
        self.send(h[1], h[2], 1, int.from_bytes(h[4:6], "little"),
                  doff.to_bytes(4, "little") + len(data).to_bytes(4, "little") + chunk)

    def run(self, until, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline and not until(self):
            try:
                fs = self.frames()
            except EOFError:
                break
            for f in fs:
                stream, typ, flags = f[1], f[2], f[3]
                payload = f[8:]
                if flags & 1:
                    if stream == 3:  # a response to STATUS: the record, or an error code
                        self.status.append(int.from_bytes(payload[0:4], "little") if flags & 2 else len(payload))
                    continue  # a response (to UPDATE_NOW)
                if stream == 0 and typ == 1:  # HELLO: board and app name the directory
                    self.appdir = "/".join(payload[o:o + 32].split(b"\0")[0].decode() for o in (0x40, 0x60))
                if stream == 0 and typ == 1 and not self.asked:
                    self.asked = True
                    self.send(0, 2, 0, self.seq, b"")
                elif stream == 1 and typ == 1:  # READ
                    self.answer_read(f, payload)
                elif stream == 1 and typ == 2:  # REPORT
                    self.reports.append(int.from_bytes(payload[0:4], "little"))
                    self.reasons.append(int.from_bytes(payload[4:8], "little"))
                    self.send(1, 2, 1, int.from_bytes(f[4:6], "little"), b"")
                elif stream == 0 and typ == 3:  # PING
                    self.send(0, 3, 1, int.from_bytes(f[4:6], "little"), b"")
        return until(self)

    def close(self):
        self.sock.close()


def honest_resume(d, tag):
    """After a hostile server broke off an install that had begun writing:
    an honest one (mvbuild serve, which may come in the middle of a
    session) lets the device resume it and boot release 2."""
    d.start_serve("repo-full", update_now=False, once=False)
    ok = d.wait_console("app: release 2 running", 60)
    d.finish(kill=ok)
    if not ok or "mv: update: resuming the install of 1.1.0" not in d.text():
        die("%s: want the install resumed with an honest server\n" % tag + d.text()[-2000:] + d.report())


def hostile(env):
    # STATUS asked twice without pause: the record, then error 6 (too soon:
    # a peer asking without pause must not hold the device)
    d = Device(env, "status-flood", "repo", image="factory.elf", serve=False)
    hs = Hostile(d, "repo", "honest")
    hs.run(lambda h: h.asked, 20)
    for seq in (500, 501):
        hs.send(3, 1, 0, seq, b"")
    ok = hs.run(lambda h: len(h.status) >= 2, 10)
    hs.close()
    d.finish(kill=True)
    if not ok or hs.status[:2] != [208, 6]:
        die("status-flood: want the record, then error 6 (got %s)" % hs.status)
    print("ok: STATUS twice without pause: the record, then error 6 (asked again too soon)")

    # noise and frames with bad CRCs between the honest answers: the
    # install goes through
    d = Device(env, "garbage", "repo", image="factory.elf", serve=False)
    hs = Hostile(d, "repo", "garbage")
    ok = hs.run(lambda h: 0 in h.reports) and d.wait_console("app: release 2 running", 20)
    hs.close()
    d.finish(kill=True)
    if not ok:
        die("garbage: want the install through the noise (reports %s)\n%s" % (hs.reports, d.text()[-2000:]))
    print("ok: noise and bad frames on the link: ignored, the install goes through")
    # answers that are not what was asked: the session ends (outcome 3),
    # nothing written, the old app runs on
    for kind in ("truncated", "extra", "offset"):
        d = Device(env, kind, "repo", image="factory.elf", serve=False)
        hs = Hostile(d, "repo", kind)
        ok = hs.run(lambda h: len(h.reports) > 0)
        if ok:
            d.wait_console("mv: app 'forever' 1.0.0 verified: 33832 bytes at 0x00200000, abi 1.0\nmv: app granted"
                           " peripherals: irqs:\nmv: entering app at 0x002002d9 (start 2)", 10)
        hs.close()
        d.finish(kill=True)
        t = d.text()
        if not ok or hs.reports[0] != 3 or "mv: update: writing" in t or "(start 2)" not in t:
            die("%s: want outcome 3, nothing written, the old app again (reports %s)\n%s" % (kind, hs.reports,
                                                                                           t[-2000:]))
        print("ok: %s answers: the session fails (outcome 3), nothing written, the old app runs on" % kind)
    # silence once the install has begun writing: the device keeps the
    # install it began, asks again, and finishes it with an honest server
    # (a full bundle, so that chunks are still read after the first write)
    env.run("publish", "v1.mvb", "--repo", "repo-full", "--sign", "k.pem", "--deltas", "0")
    env.run("publish", "v2.mvb", "--repo", "repo-full", "--sign", "k.pem", "--deltas", "0")
    d = Device(env, "silent", "repo-full", image="factory.elf", serve=False)

    def ninth_chunk(name, off, data):  # a READ of the app layer's ninth chunk or later (8 KiB in)
        if not name.endswith(".mvb"):
            return False
        le = lambda o: int.from_bytes(data[o:o + 4], "little")
        app = next(256 + 96 * i for i in range(le(0x18) & 0xffff) if data[256 + 96 * i] == 2)
        return le(0x28) + le(app + 0x10) + 8 * le(0x24) <= off < le(0x28) + le(0x2c)  # not the signatures
    hs = Hostile(d, "repo-full", "silent", after=ninth_chunk)
    hs.run(lambda h: "mv: update: failed" in h.dev.text(), timeout=60)
    hs.close()
    if "mv: update: writing" not in d.text() or "mv: update: failed" not in d.text():
        d.finish(kill=True)
        die("silent: want a failed session after writing began\n" + d.text()[-2000:])
    honest_resume(d, "silent")
    print("ok: silence in the middle of an install: the session fails, the device asks again and finishes it "
          "with an honest server")
    # the signed chunk table, read again during the install (a window of
    # 16 hashes at a time, checked against the group digests kept from the
    # verified read), differs: refused (0x4811) in the middle of the
    # install, which an honest server then finishes
    d = Device(env, "rehash", "repo-full", image="factory.elf", serve=False)
    hs = Hostile(d, "repo-full", "rehash")
    hs.run(lambda h: len(h.reports) > 0, timeout=60)
    hs.close()
    if hs.tampered == 0 or hs.reasons[:1] != [0x4811] or "mv: update: writing" not in d.text():
        d.finish(kill=True)
        die("rehash: want the install refused with 0x4811 after writing began (tampered %d, reports %s, reasons %s)\n"
            % (hs.tampered, hs.reports, [hex(r) for r in hs.reasons]) + d.text()[-2000:])
    honest_resume(d, "rehash")
    print("ok: the chunk table read again differs from the verified one: refused (0x4811) mid-install, "
          "finished with an honest server")


BIG_APP_C = r"""
/* big.c - an app of a 600 KiB random table (ota.py writes it), so that
 * its full bundle has more chunks than the device's 16 groups of 32. */
#include <stdint.h>
extern uint32_t __stack_top;
extern int mv_log(const char *, uint32_t);
extern const unsigned char blob[], blob_end[];
void reset_handler(void);
void default_handler(void);
void default_handler(void)
{
	for (;;)
		;
}
__attribute__((section(".vectors"), used)) const uint32_t vectors[16 + 92] = {
	[0] = (uint32_t)&__stack_top,
	[1] = (uint32_t)reset_handler,
	[2 ... 6] = (uint32_t)default_handler,
	[11] = (uint32_t)default_handler,
	[14 ... 15] = (uint32_t)default_handler,
	[16 ... 16 + 92 - 1] = (uint32_t)default_handler,
};
void reset_handler(void)
{
	uint32_t sum = 0;
	for (const unsigned char *p = blob; p < blob_end; p += 4096)
		sum += *p;
	mv_log(sum ? "big running\n" : "big running!\n", sum ? 12 : 13);
	for (;;)
		;
}
"""


def big(env):
    """A full install of an app layer of more than 512 chunks (600 KiB of
    random bytes deflate cannot shrink): the chunk-hash groups grow with
    the layer (before 9c00162 such a bundle was refused with 0x4812)."""
    w, fix = env.work, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "elf")
    api = open(env.api).read()
    log = int(re.search(r"name: mv_log, slot: \d+, address: (0x[0-9a-f]+)", api).group(1), 16)
    open(os.path.join(w, "big.c"), "w").write(BIG_APP_C)
    for i in (1, 2):
        rnd = random.Random(i)
        open(os.path.join(w, "blob%d.bin" % i), "wb").write(rnd.randbytes(600 * 1024))
        open(os.path.join(w, "blob%d.s" % i), "w").write(
            '.section .rodata.blob,"a"\n.global blob\nblob:\n.incbin "blob%d.bin"\n.global blob_end\nblob_end:\n' % i)
        p = subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16",
                            "-O1", "-ffreestanding", "-nostdlib", "-Wl,--no-warn-rwx-segments", "-T",
                            os.path.join(fix, "app.ld"),
                            "-Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000",
                            "-Wl,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000",
                            "-Wl,--defsym=STACK_SIZE=0x1000,--defsym=mv_log=0x%x" % (log | 1),
                            "big.c", "blob%d.s" % i, "-lgcc", "-o", "big%d.elf" % i],
                           cwd=w, capture_output=True, text=True)
        if p.returncode != 0:
            die("big: cannot build the app\n" + p.stderr)
        args = ["--app", os.path.join(fix, "app.yaml"), "--board", env.board, "--microvisor", env.mv, "--api", env.api,
                "--version", "1.%d.0" % i, "--security-counter", str(i)]
        env.run("bundle", "big%d.elf" % i, "--sign", "k.pem", "-o", "big%d.mvb" % i, *args)
        env.run("publish", "big%d.mvb" % i, "--repo", "repo-big", "--sign", "k.pem", "--deltas", "0")
        if i == 1:
            env.run("bundle", "big1.elf", "--factory", "--trust", "k.pub.pem", "-o", "factory-big.elf", *args)
    layers = json.loads(env.run("inspect", "big2.mvb", "--format", "json").stdout)["layers"]
    chunks = [l["chunks"] for l in layers if l["role"] == "app"][0]
    if chunks <= 512:
        die("big: the app layer has %d chunks, want more than 512" % chunks)
    d = Device(env, "big", "repo-big", image="factory-big.elf", serve_timeout=600)
    t0 = time.time()
    ok = d.wait_console("mv: app 'fixture' 1.2.0 verified", 600) and d.wait_console("app: big running", 30)
    print("big: %.0f s from the start to 1.2.0 running" % (time.time() - t0))
    rc = d.finish(kill=ok)
    if not ok or rc != 0 or "mv: update: installing 1.2.0 (full" not in d.text():
        die("big: want the full bundle of %d chunks installed and 1.2.0 booted\n" % chunks + d.text()[-2000:] +
            d.report())
    print("ok: a full install of %d chunks (600 KiB of random bytes): 1.2.0 verified at boot and running" % chunks)


def cut_after_record(env):
    """The narrowest cut of an install, made on purpose: after the update
    record says INSTALLING but before the old header is erased (the image
    built by hand: the device's memory after 1.0.0 booted, plus that
    record).  The resumed install must erase the header before writing
    the new one: the flash model programs as NOR flash does (old bits AND
    new), so writing over the old header fails as it would on hardware."""
    img = bytearray(open(old_device_image(env, "rec-old"), "rb").read())
    v2 = open(os.path.join(env.work, "v2.mvb"), "rb").read()
    rec = bytearray(128)
    le = lambda o, v, n=4: rec.__setitem__(slice(o, o + n), v.to_bytes(n, "little"))
    le(0x00, 0x5255564D)             # "MVUR"
    le(0x04, 1, 2)                   # format
    le(0x06, 128, 2)                 # size
    le(0x08, 1)                      # seq
    le(0x0c, 1)                      # INSTALLING
    le(0x18, 1 << 24 | 1 << 16)      # to 1.1.0
    le(0x1c, 1)                      # its counter
    le(0x20, len(v2))                # the full bundle of 1.1.0, by its name
    rec[0x28:0x48] = hashlib.sha256(v2).digest()
    rec[0x48:0x48 + len(b"forever")] = b"forever"
    le(0x7c, zlib.crc32(bytes(rec[:0x7c])))
    state = env.board_addr("MVB_PART_MV_STATE_BASE") - CODE
    page = env.board_addr("MVB_PART_APP_FLASH_ERASE_SIZE")
    img[state + page:state + page + 128] = rec  # copy A
    cut = os.path.join(env.work, "rec-cut.bin")
    open(cut, "wb").write(img)
    d = Device(env, "rec-cut", "repo", raw=cut, update_now=False)
    ok = d.wait_console("app: release 2 running", 60)
    d.finish(kill=ok)
    t = d.text()
    if not ok or "mv: update: resuming the install of 1.1.0" not in t or "app: running until stopped" in t:
        die("cut-after-record: want the install resumed and 1.1.0 booted, the old app never again\n" + t[-2000:] +
            d.report())
    print("ok: a cut after the record, before the old header's erase: the resumed install erases it, 1.1.0 runs")


def powercut(env, cuts, seed):
    rng = random.Random(seed)
    # the uncut install: its app bytes, and how long the install takes
    d = Device(env, "ref", "repo", image="factory.elf", slow=SLOW)
    if not d.wait_console("mv: update: installing", 60):
        die("ref: no install\n" + d.text())
    t0 = time.time()
    if not d.wait_console("mv: update: writing", 60):
        die("ref: no write\n" + d.text() + d.report())
    t1 = time.time()
    if not d.wait_console("app: release 2 running", 60):
        die("ref: release 2 never ran\n" + d.text() + d.report())
    window, wwindow = time.time() - t0, time.time() - t1
    ref = os.path.join(env.work, "ref-app.bin")
    d.save(ref, APP_NS, 0x10000)
    print("ok: reference install (%.0f ms from 'installing' to release 2 running, %.0f ms of it writing)" %
          (window * 1000, wwindow * 1000))

    resumed = resumes = untouched = late = 0
    for i in range(cuts):
        image, raw, boots = "factory.elf", None, 0
        while True:
            boots += 1
            if boots > 8:
                die("cut %d: not installed after 8 power-ons" % i)
            tag = "cut%d-%d" % (i, boots)
            d = Device(env, tag, "repo", image=image, raw=raw, slow=SLOW)
            if raw is not None:
                # after a cut: an install that had begun resumes at once;
                # one that had written nothing left the old app, which
                # runs until UPDATE_NOW (never a device without either)
                deadline = time.time() + 30
                while True:
                    t = d.text()
                    if "mv: update: resuming the install" in t:
                        resumed_boot = True
                        break
                    if "mv: app 'forever' 1.0.0 verified" in t:
                        resumed_boot = False
                        break
                    if "mv: app 'forever' 1.1.0 verified" in t:
                        resumed_boot = None  # the install had ended before the cut
                        break
                    if time.time() > deadline or d.qemu.poll() is not None:
                        d.finish(kill=True)
                        die("%s: neither resumed nor ran the old app\n%s" % (tag, t[-2000:]))
                    time.sleep(0.01)
                if resumed_boot:
                    resumes += 1
                elif resumed_boot is None:
                    late += 1
                else:
                    untouched += 1
            # cut: in the first power-on always, in later ones half the time
            if boots == 1 or (boots < 4 and raw is not None and resumed_boot is not None and rng.random() < 0.5):
                # three cuts in four while flash is being written, the
                # rest anywhere from the start of the install
                marker, span = ("mv: update: writing", wwindow) if rng.random() < 0.75 else \
                    ("mv: update: installing", window)
                if raw is not None:  # a resumed install writes from the start
                    marker, span = "mv: update: installing", wwindow
                if not d.wait_console(marker, 60):
                    d.finish(kill=True)
                    die("%s: no install began\n%s" % (tag, d.text()[-2000:]))
                time.sleep(rng.uniform(0, span * 1.1))
                snap = os.path.join(env.work, "cut%d-%d.bin" % (i, boots))
                d.save(snap)
                if "app: release 2 running" in d.text():
                    late += 1
                    break  # the cut came after the install: done
                image, raw = None, snap
                if boots > 1:
                    resumed += 1
                continue
            ok = d.wait_console("app: release 2 running", 60)
            out = os.path.join(env.work, "cut%d-app.bin" % i)
            if not ok:
                d.finish(kill=True)
                die("%s: release 2 never ran\n%s%s" % (tag, d.text()[-3000:], d.report()))
            d.save(out, APP_NS, 0x10000)
            if open(out, "rb").read() != open(ref, "rb").read():
                die("%s: the installed app differs from the uncut install" % tag)
            break
        for f in os.listdir(env.work):
            if f.startswith("cut%d-" % i) and f.endswith(".bin"):
                os.remove(os.path.join(env.work, f))
    print("ok: %d power cuts during installs and %d more during resumed ones: %d boots resumed an install, %d found "
          "nothing written yet (the old app ran), %d cuts came after the end; every device ended on release 2, its "
          "bytes identical to the uncut install" % (cuts, resumed, resumes, untouched, late))


def start(name, doc, cuts_var, cuts_default):
    """The command line of ota.py and trial.py: MVBUILD FWBUILD BOARDFILE
    WORKDIR [PART] [--cuts N] [--seed S]; the work directory made empty.
    Returns the Env, the part, the cuts and the seed."""
    a = sys.argv[1:]
    if len(a) < 4:
        print(doc)
        sys.exit(2)
    mvb, fw, board, work = (os.path.abspath(x) for x in a[:4])
    what, cuts, seed = "all", int(os.environ.get(cuts_var, cuts_default)), None
    rest = a[4:]
    while rest:
        if rest[0] == "--cuts":
            cuts, rest = int(rest[1]), rest[2:]
        elif rest[0] == "--seed":
            seed, rest = int(rest[1]), rest[2:]
        else:
            what, rest = rest[0], rest[1:]
    if seed is None:
        seed = int(time.time())
    print("%s: seed %d" % (name, seed))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return Env(mvb, fw, board, work), what, cuts, seed


def main():
    env, what, cuts, seed = start("ota.py", __doc__, "MVB_OTA_CUTS", "12")
    setup(env)
    if what in ("all", "roundtrip"):
        roundtrip(env)
    if what in ("all", "refusals"):
        refusals(env)
    if what in ("all", "hostile"):
        hostile(env)
    if what == "big":
        big(env)
    if what in ("all", "powercut"):
        cut_after_record(env)
        powercut(env, cuts, seed)
    print("ota.py: %s passed" % what)


if __name__ == "__main__":
    main()
