#!/usr/bin/env python3
"""trial.py - trial boot and revert in place on a QEMU mps2-an505 device.

The device runs 'forever' 1.0.0 (the factory image of ota.py) and
`mvbuild serve --once --update-now` offers it a 1.1.0 as a delta whose
bundle carries a revert layer; 1.1.0 runs on trial.  What is checked:

  outcomes   a 1.1.0 that crashes at every start is rejected after as many
             crashes as the crash policy allows and reverted: 1.0.0 runs
             again, its app header and image byte-identical to before the
             update, serve exits 1 and says why, and the device refuses
             1.1.0 from then on; a 1.1.0 that calls mv_update_confirm()
             stays, serve exits 0 and the rollback floor is its counter;
             one that never confirms is reverted at its deadline; one that
             hangs is reverted by its watchdog
  powercut   the device cut at random instants while a rejected release
             is reverted (and while it crash-loops before that), and while
             a release confirms: every run ends on 1.0.0 byte-identical to
             before, or on 1.1.0 confirmed; never on a mix

usage: trial.py MVBUILD FWBUILD BOARDFILE WORKDIR [outcomes|powercut] [--cuts N] [--seed S]
--cuts (per sweep, two sweeps) defaults to $MVB_TRIAL_CUTS or 8
(scripts/test.sh --full: 60, 120 cuts in all).
"""
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ota import CODE, APP_NS, SLOW, Device, die, old_device_image, start  # noqa: E402

MANIFEST = "schema: 1\nname: forever\nversion: 1.0.0\nperipherals: []\n"


def setup(env):
    """Keys, the factory image of 1.0.0 and its bundle."""
    env.run("keygen", "-o", "k.pem")
    env.bundle("test_ota1", "factory.elf", "--factory", "--trust", "k.pub.pem", "--serial", "trial-1")
    env.bundle("test_ota1", "v1.mvb", "--sign", "k.pem")
    env.run("publish", "v1.mvb", "--repo", "repo", "--sign", "k.pem")


def release(env, tag, elf, extra):
    """A repository with 1.0.0 and a 1.1.0 built from elf with the manifest
    lines extra: publish makes the delta and its revert layer."""
    yaml = os.path.join(env.work, tag + ".yaml")
    with open(yaml, "w") as f:
        f.write(MANIFEST + extra)
    env.bundle(elf, tag + ".mvb", "--app", yaml, "--sign", "k.pem", "--version", "1.1.0", "--security-counter", "1")
    repo = "repo-" + tag
    env.run("publish", "v1.mvb", "--repo", repo, "--sign", "k.pem")
    env.run("publish", tag + ".mvb", "--repo", repo, "--sign", "k.pem")
    return repo


def app_state(env, path):
    """The app header (256 bytes) and the image it names, from a saved
    code memory."""
    img = open(path, "rb").read()
    h = env.board_addr("MVB_PART_APP_HEADER_BASE") - CODE
    hdr = img[h:h + 256]
    size = int.from_bytes(hdr[0x18:0x1c], "little")
    at = 0x200000 + (int.from_bytes(hdr[0x14:0x18], "little") - APP_NS)
    return hdr, img[at:at + size]


def serve_json(d):
    try:
        with open(d.serve_out) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def rejected(env, tag, repo, why, reason, before):
    """1.1.0 from repo installed, rejected for reason (its text why in
    serve's report) and reverted: serve exits 1, 1.0.0 runs again with
    the header and image it had before (before: a saved memory)."""
    d = Device(env, tag, repo, image="factory.elf", serve_timeout=120)
    ok = d.wait_console("; reverted to 1.0.0", 90)
    ok = ok and d.wait_console("app: running until stopped", 30)
    after = os.path.join(env.work, tag + "-after.bin")
    if ok:
        time.sleep(0.5)  # the REPORT reaches serve
        d.save(after)
    rc = d.finish(kill=True)
    t, rep = d.text(), d.report()
    if not ok or "installing 1.1.0 (delta" not in t or "on trial" not in t:
        die("%s: want 1.1.0 installed as a delta, on trial, then reverted\n%s%s" % (tag, t[-3000:], rep))
    if rc != 1 or "1.1.0 rejected on this device" not in rep or why not in rep or "reverted to 1.0.0" not in rep:
        die("%s: serve exit %s, want 1 and '1.1.0 rejected on this device: %s; reverted to 1.0.0'\n%s" %
            (tag, rc, why, rep))
    try:
        rej = json.loads(serve_json(d))["rejected"]
    except (ValueError, KeyError, TypeError):
        rej = None
    if not rej or rej.get("reason") != reason or rej.get("version") != "1.1.0" or rej.get("reverted_to") != "1.0.0":
        die("%s: serve's JSON does not say 1.1.0 was rejected (reason 0x%x) and 1.0.0 put back\n%s" %
            (tag, reason, serve_json(d)))
    if app_state(env, after) != app_state(env, before):
        die("%s: the app header or image after the revert differs from before the update" % tag)
    return after


def outcomes(env):
    before = old_device_image(env, "before")
    hdr0, img0 = app_state(env, before)
    print("ok: 1.0.0 before the update: header and %d image bytes saved" % len(img0))

    # crashes at every start: rejected after the crash policy's limit
    repo = release(env, "crash", "test_ota3", "")
    after = rejected(env, "crash", repo, "crashed too often", 0x4501, before)
    print("ok: a 1.1.0 that crashes at start is rejected and reverted; 1.0.0 runs, header and image identical")
    # ... and never offered back: the device refuses it
    d = Device(env, "crash-again", repo, raw=after)
    try:
        d.serve.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    rc = d.finish(kill=True)
    if rc != 1 or "reason 0x4821" not in d.report():
        die("crash-again: serve exit %s, want 1 and reason 0x4821 (rejected here before)\n%s%s" %
            (rc, d.report(), d.text()[-2000:]))
    print("ok: the device refuses the release it rejected (0x4821)")

    # confirms: stays, the floor is raised to its counter
    repo = release(env, "ok", "test_ota6", "confirm: explicit within 10s\n")
    d = Device(env, "ok", repo, image="factory.elf", serve_timeout=120)
    try:
        d.serve.wait(timeout=90)
    except subprocess.TimeoutExpired:
        pass
    ok = d.wait_console("app: tick 1", 10)
    st = d.status() if ok else {}
    rc = d.finish(kill=True)
    t, rep = d.text(), d.report()
    if rc != 0 or "1.1.0 confirmed" not in rep or "mv: update: 1.1.0 confirmed" not in t or \
            "app: mv_update_confirm: 0" not in t or "app: trial due after confirming: 0" not in t or \
            "app: mv_update_check on trial: 6" not in t:  # -MV_EBUSY: no session on trial
        die("ok: serve exit %s, want 0 and 1.1.0 confirmed\n%s%s" % (rc, t[-3000:], rep))
    if st.get("update", {}).get("counter_floor") != 1 or st.get("app", {}).get("version") != "1.1.0" or \
            st.get("state") != "running":
        die("ok: want 1.1.0 running and the floor at its counter 1: %s" % st)
    print("ok: a 1.1.0 that confirms stays; serve exits 0; the rollback floor is its counter (1)")

    # never confirms: reverted at its deadline
    repo = release(env, "silent", "test_ota2", "confirm: explicit within 2s\n")
    rejected(env, "silent", repo, "did not confirm", 0x4503, before)
    print("ok: a 1.1.0 that never confirms is reverted at its deadline")

    # hangs: reverted by its watchdog
    repo = release(env, "hang", "test_ota7", "watchdog: 500ms\n")
    rejected(env, "hang", repo, "watchdog", 0x4519, before)
    print("ok: a 1.1.0 that hangs is reverted by its watchdog")


def boot_until(d, goals, timeout):
    """The first of goals the console shows, or None."""
    deadline = time.time() + timeout
    while time.time() < deadline and d.qemu.poll() is None:
        t = d.text()
        for g in goals:
            if g in t:
                return g
        time.sleep(0.01)
    return None


def sweep(env, what, cuts, rng, before):
    """Cuts while 1.1.0 (what: 'crash' or 'ok') runs on trial and is
    reverted or confirmed, at random instants, again in resumed runs;
    then the device runs to its end state."""
    repo = "repo-" + what
    start = "mv: update: installed 1.1.0"
    end = "; reverted to 1.0.0" if what == "crash" else "mv: update: 1.1.0 confirmed"
    # the uncut run, slowed: how long from the install's end to the outcome
    d = Device(env, what + "-ref", repo, image="factory.elf", slow=SLOW, serve_timeout=300)
    if not d.wait_console(start, 120):
        d.finish(kill=True)
        die("%s-ref: no install\n%s" % (what, d.text()[-2000:]))
    t0 = time.time()
    if not d.wait_console(end, 120):
        d.finish(kill=True)
        die("%s-ref: no outcome\n%s" % (what, d.text()[-2000:]))
    span = time.time() - t0
    d.finish(kill=True)
    counts = {"reverted": 0, "confirmed": 0, "resumed": 0, "cuts": 0}
    for i in range(cuts):
        d = Device(env, "%s%d-0" % (what, i), repo, image="factory.elf", slow=SLOW, serve_timeout=300)
        if not d.wait_console(start, 120):
            d.finish(kill=True)
            die("%s%d: no install\n%s" % (what, i, d.text()[-2000:]))
        boots = 0
        while True:
            time.sleep(rng.uniform(0, span * 1.1))
            snap = os.path.join(env.work, "%s%d-%d.bin" % (what, i, boots))
            d.save(snap)
            counts["cuts"] += 1
            boots += 1
            d = Device(env, "%s%d-%d" % (what, i, boots), repo, raw=snap, update_now=False, slow=SLOW,
                       serve_timeout=300)
            # after a cut: the trial runs again, a revert resumes, or the
            # outcome had come (never a device running neither release)
            if boots < 3 and rng.random() < 0.5:
                continue  # cut this power-on too, as early as the first
            break
        goal = "app: running until stopped" if what == "crash" else "app: tick 1"
        ok = boot_until(d, [goal], 90)
        path = os.path.join(env.work, "%s%d-end.bin" % (what, i))
        if ok:
            time.sleep(0.3)
            d.save(path)
        else:
            d.finish(kill=True)
        t = d.text()
        if not ok:
            die("%s%d: the device did not end on %s\n%s" % (what, i, goal, t[-3000:]))
        if "mv: update: 1.1.0 rejected" in t:
            counts["resumed"] += 1
        hdr, img = app_state(env, path)
        if what == "crash":
            if (hdr, img) != app_state(env, before):
                die("%s%d: after the revert the app differs from before the update" % (what, i))
            counts["reverted"] += 1
        else:
            if int.from_bytes(hdr[0x08:0x0c], "little") != 0x01010000:
                die("%s%d: want 1.1.0 in the app header" % (what, i))
            # it ran confirmed, or on trial again and confirmed now
            if "1.1.0 on trial" in t and "mv: update: 1.1.0 confirmed" not in t:
                die("%s%d: 1.1.0 on trial again but never confirmed\n%s" % (what, i, t[-2000:]))
            counts["confirmed"] += 1
        for f in os.listdir(env.work):
            if f.startswith("%s%d-" % (what, i)) and f.endswith(".bin"):
                os.remove(os.path.join(env.work, f))
    return counts, span


def powercut(env, cuts, seed):
    rng = random.Random(seed)
    before = old_device_image(env, "before")
    release(env, "crash", "test_ota3", "")
    release(env, "ok", "test_ota6", "confirm: explicit within 10s\n")
    c, span = sweep(env, "crash", cuts, rng, before)
    print("ok: %d cuts while a rejected 1.1.0 crash-looped and was reverted (%.1f s slowed): %d runs ended on "
          "1.0.0 byte-identical to before (%d resumed a revert)" % (c["cuts"], span, c["reverted"], c["resumed"]))
    c, span = sweep(env, "ok", cuts, rng, before)
    print("ok: %d cuts while 1.1.0 ran on trial and confirmed (%.1f s slowed): %d runs ended on 1.1.0 confirmed" %
          (c["cuts"], span, c["confirmed"]))


def main():
    env, what, cuts, seed = start("trial.py", __doc__, "MVB_TRIAL_CUTS", "8")
    setup(env)
    if what in ("all", "outcomes"):
        outcomes(env)
    if what in ("all", "powercut"):
        powercut(env, cuts, seed)
    print("trial.py: %s passed" % what)


if __name__ == "__main__":
    main()
