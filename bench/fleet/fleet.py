#!/usr/bin/env python3
# fleet.py - the fleet load test's driver (bench/fleet/run.sh prepares the
# releases and nginx, then runs this): N devices, each an 'mvbuild fetch'
# process every INTERVAL seconds (the device's own update client run on
# the host: index checks, state record, delta decoded over the installed
# release, signature), half of them with deltas (--base) and half without
# (--have: full bundles); meanwhile one publisher puts a release out every
# second.  Then every device fetches once more and its last download is
# checked with 'mvbuild verify'.  Prints the table of bench/README.md.
# Exit status: 0, or 1 when any fetch failed, any device saw an index go
# back, a latest release that is not its index's, or ended on a release
# other than the latest or the one before.
import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import time


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


class Device:
    def __init__(self, i, delta, a):
        self.i, self.delta = i, delta
        self.dir = os.path.join(a.work, "dev%04d" % i)
        os.makedirs(self.dir, exist_ok=True)
        self.state = os.path.join(self.dir, "state")
        self.runs = 1  # release index: 1.<k>.0, counter k
        self.url = a.url_delta if delta else a.url_full
        self.index_seen = 0
        self.last = None  # (file, kind, from release) of the last download
        self.bad = []


def rel_bundle(a, k):
    return os.path.join(a.releases, "r%d.mvb" % k)


async def run(cmd):
    p = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await p.communicate()
    return p.returncode, out, err


async def fetch(a, d, stats, phase):
    out = os.path.join(d.dir, "next.mvb")
    cmd = [a.mvbuild, "fetch", "--repo", d.url, "--app", "fixture", "--key", a.key, "--state", d.state,
           "-o", out, "--format", "json", "--timeout", "30"]
    if d.delta:
        cmd += ["--base", rel_bundle(a, d.runs)]
    else:
        cmd += ["--have", "1.%d.0" % d.runs]
    t0 = time.monotonic()
    rc, o, e = await run(cmd)
    dt = time.monotonic() - t0
    rec = {"phase": phase, "t": t0 - a.t0, "lat": dt, "rc": rc, "dev": d.i}
    try:
        j = json.loads(o) if o else {}
    except ValueError:
        j = {}
    if rc != 0:
        rec["why"] = (e.decode(errors="replace").strip().splitlines() or ["?"])[-1][:300]
        d.bad.append("fetch exit %d: %s" % (rc, rec["why"]))
        stats.append(rec)
        return
    rec["action"] = j.get("action")
    iv = j["index"]["version"]
    latest = j["latest"]["version"]
    # the index a device takes never goes back, and names as its latest the
    # release published with it (release k went out as index version k)
    if iv < d.index_seen:
        d.bad.append("index version %d after %d" % (iv, d.index_seen))
    if latest != "1.%d.0" % iv:
        d.bad.append("index version %d names latest %s" % (iv, latest))
    d.index_seen = iv
    if j["action"] == "fetched":
        x = j["download"]
        rec["kind"], rec["size"] = x["kind"], x["size"]
        k = int(latest.split(".")[1])
        keep = os.path.join(d.dir, "last.mvb")
        os.replace(out, keep)
        d.last = (keep, x["kind"], d.runs)
        d.runs = k  # installed: its images are release k's (fetch checked them)
    stats.append(rec)


async def device_loop(a, d, stats, stop):
    await asyncio.sleep(random.uniform(0, a.interval))
    while not stop.is_set():
        await fetch(a, d, stats, "load")
        try:
            await asyncio.wait_for(stop.wait(), random.uniform(0.5, 1.5) * a.interval)
        except asyncio.TimeoutError:
            pass


async def publisher(a, times, stop):
    t_next = time.monotonic()
    for k in range(2, a.releases_n + 1):
        delay = t_next - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t0 = time.monotonic()
        rc, o, e = await run([a.mvbuild, "publish", rel_bundle(a, k), "--repo", a.url_pub, "--sign", a.sign,
                              "--deltas", str(a.deltas), "--timeout", "60"])
        times.append(time.monotonic() - t0)
        if rc != 0:
            print("fleet: publish of release %d failed: %s" % (k, e.decode(errors="replace")), file=sys.stderr)
            stop.set()
            return False
        t_next += 1.0
    stop.set()
    return True


async def limited(sem, coro):
    async with sem:
        return await coro


def log_bytes(path, start):
    """Bytes nginx served to each group's GETs from offset start on."""
    got = {"d": 0, "f": 0, "di": 0, "fi": 0}  # objects, and ("i") index reads
    with open(path, "rb") as f:
        f.seek(start)
        for line in f:
            s = line.decode(errors="replace")
            try:
                req = s.split('"')[1].split()
                status, size = s.split('"')[2].split()[:2]
            except (IndexError, ValueError):
                continue
            if req[0] != "GET" or status not in ("200", "206"):
                continue
            for g, pre in (("d", "/fleet-d/"), ("f", "/fleet-f/")):
                if req[1].startswith(pre):
                    got[g + ("i" if req[1].endswith("/index") else "")] += int(size)
    return got


async def main_async(a):
    random.seed(a.seed)
    devs = [Device(i, i % 2 == 0, a) for i in range(a.devices)]
    stats, ptimes, stop = [], [], asyncio.Event()
    a.t0 = time.monotonic()
    log0 = os.path.getsize(a.log)
    tasks = [asyncio.create_task(device_loop(a, d, stats, stop)) for d in devs]
    pub_ok = await publisher(a, ptimes, stop)
    await asyncio.gather(*tasks)
    load_s = time.monotonic() - a.t0
    load_bytes = log_bytes(a.log, log0)
    # the sweep: one more fetch each, then the last download verified
    sem = asyncio.Semaphore(a.sweep)
    await asyncio.gather(*(limited(sem, fetch(a, d, stats, "sweep")) for d in devs))

    async def verify(d):
        if not d.last:
            d.bad.append("never downloaded a release")
            return
        f, kind, base = d.last
        cmd = [a.mvbuild, "verify", f, "--key", a.key, "--format", "json"]
        if kind == "delta":
            cmd += ["--base", rel_bundle(a, base)]
        rc, o, e = await run(cmd)
        if rc != 0:
            d.bad.append("last download does not verify: %s" % e.decode(errors="replace").strip()[-200:])
            return
        v = json.loads(o)["app"]["version"]
        if v not in ("1.%d.0" % a.releases_n, "1.%d.0" % (a.releases_n - 1)) or v != "1.%d.0" % d.runs:
            d.bad.append("ends on %s (runs 1.%d.0); latest is 1.%d.0" % (v, d.runs, a.releases_n))

    await asyncio.gather(*(limited(sem, verify(d)) for d in devs))
    return devs, stats, ptimes, load_s, load_bytes, pub_ok


def main():
    ap = argparse.ArgumentParser(description="fleet load test driver (see bench/fleet/run.sh)")
    ap.add_argument("--mvbuild", required=True)
    ap.add_argument("--url", required=True, help="nginx base URL, serving /fleet, /fleet-d and /fleet-f")
    ap.add_argument("--log", required=True, help="nginx access log")
    ap.add_argument("--releases", required=True, help="directory of r1.mvb .. rN.mvb")
    ap.add_argument("--releases-n", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--sign", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--deltas", type=int, default=8)
    ap.add_argument("--sweep", type=int, default=16, help="fetches at once in the final sweep")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    a.url_pub, a.url_delta, a.url_full = a.url + "/fleet", a.url + "/fleet-d", a.url + "/fleet-f"
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    devs, stats, ptimes, load_s, lb, pub_ok = asyncio.run(main_async(a))

    load = [r for r in stats if r["phase"] == "load"]
    ok = [r for r in load if r["rc"] == 0]
    lat = [r["lat"] * 1000 for r in ok]
    nd = sum(1 for d in devs if d.delta)
    nf = len(devs) - nd
    kinds = {}
    for r in ok:
        k = r.get("kind", "up to date")
        kinds[k] = kinds.get(k, 0) + 1
    failed = [r for r in stats if r["rc"] != 0]
    bad = [d for d in devs if d.bad]
    ends = {}
    for d in devs:
        ends[d.runs] = ends.get(d.runs, 0) + 1
    print("fleet: %d devices (%d with deltas, %d full bundles only), a release a second: %d releases in %.1f s, "
          "each device polls every %.0f s +-50%%, publish --deltas %d"
          % (len(devs), nd, nf, a.releases_n - 1, load_s, a.interval, a.deltas))
    print("| what | figure |")
    print("|---|---|")
    print("| fetches during the publishing | %d in %.1f s: %.1f per second (%s) |"
          % (len(load), load_s, len(load) / load_s,
             ", ".join("%s %d" % (k, v) for k, v in sorted(kinds.items()))))
    print("| fetch latency (whole 'mvbuild fetch' process: index, download, checks) | p50 %.0f ms, p99 %.0f ms, max %.0f ms |"
          % (pct(lat, 50), pct(lat, 99), max(lat) if lat else 0))
    print("| bundle bytes served per device in that time, with deltas | %s B |" % format(lb["d"] // max(nd, 1), ","))
    print("| bundle bytes served per device in that time, full bundles only | %s B |" % format(lb["f"] // max(nf, 1), ","))
    print("| index bytes served per device in that time (every poll reads the whole index) | %s B |"
          % format((lb["di"] + lb["fi"]) // max(len(devs), 1), ","))
    print("| publisher time per release (verify, deltas, upload, index) | median %.0f ms, p99 %.0f ms, max %.0f ms |"
          % (statistics.median(ptimes) * 1000 if ptimes else 0, pct(ptimes, 99) * 1000,
             max(ptimes) * 1000 if ptimes else 0))
    print("| fetches refused or failed (a torn or mixed index would be refused here) | %d |" % len(failed))
    print("| devices that saw an index go back or a latest release not its index's | %d |"
          % sum(1 for d in devs if any("index" in b for b in d.bad)))
    print("| devices at the end, after one more fetch each, last download verified | %s |"
          % ", ".join("%d on 1.%d.0" % (n, k) for k, n in sorted(ends.items(), reverse=True)))
    for d in bad[:10]:
        print("fleet: device %d: %s" % (d.i, "; ".join(d.bad[:3])), file=sys.stderr)
    if failed or bad or not pub_ok:
        print("fleet: FAILED: %d fetches failed, %d devices with findings" % (len(failed), len(bad)), file=sys.stderr)
        return 1
    print("fleet: ok: every fetch accepted, every device on the latest release or the one before, verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
