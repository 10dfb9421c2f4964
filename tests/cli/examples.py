#!/usr/bin/env python3
"""examples.py - runs the marked command examples of README.md and man/*
and compares the output they show with what the commands print.

An example is marked by a comment on the line before its block:

    man page:   .\\" example [status N...] [uses PATH...]      (then .nf ... .fi)
    README:     <!-- example [status N...] [uses PATH...] -->  (then a ``` fence)

Each example runs in a fresh directory holding the pool files named after
"uses" (made by examples.sh), with the installed mvbuild first on PATH.
Its lines starting with "$ " are commands (a trailing backslash continues
one), run in order with sh; "status" gives each command's exit status in
order (0 for the rest).  The lines after a command, up to the next one,
are its documented output; when there are any, stdout and stderr must
interleave to exactly those lines, compared with numbers, hex and spaces
normalised (sizes, hashes, key ids and times change with the firmware,
keys and clock); a line "..." stands for any number of lines.
"""
import argparse
import functools
import glob
import os
import re
import shutil
import subprocess
import sys

TIMEOUT = 180  # seconds per command: an app build with cmake, a QEMU boot


class Example:
    def __init__(self, path, line, status, uses):
        self.path, self.line, self.status, self.uses = path, line, status, uses
        self.commands = []  # [command, [documented output lines]]


def unroff(s):
    for a, b in (("\\-", "-"), ("\\fB", ""), ("\\fI", ""), ("\\fR", ""), ("\\fP", ""), ("\\&", ""),
                 ("\\(dq", '"'), ("\\(bu", "*"), ("\\(mu", "x"), ("\\(ha", "^"), ("\\ ", " ")):
        s = s.replace(a, b)
    return s.replace("\\e", "\\")


def parse_marker(words, where):
    status, uses, mode = [], [], None
    for w in words:
        if w in ("status", "uses"):
            mode = w
        elif mode == "status" and w.isdigit():
            status.append(int(w))
        elif mode == "uses":
            uses.append(w)
        else:
            raise ValueError(f"{where}: cannot read '{w}' in the example marker")
    return status, uses


def block_lines(path):
    """(example, [(line number, text)]) for each marked block of a file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    man = not path.endswith(".md")
    out = []
    for i, l in enumerate(lines):
        m = re.match(r'^\.\\" example\b(.*)$', l) if man else re.match(r"^<!-- example\b(.*?)-->\s*$", l)
        if not m:
            continue
        where = f"{path}:{i + 1}"
        status, uses = parse_marker(m.group(1).split(), where)
        ex = Example(path, i + 1, status, uses)
        opener = ".nf" if man else "```"
        if i + 1 >= len(lines) or not lines[i + 1].startswith(opener):
            raise ValueError(f"{where}: the example marker is not followed by a {opener} block")
        body, j = [], i + 2
        while j < len(lines) and not (lines[j].startswith(".fi") if man else lines[j].startswith("```")):
            t = lines[j]
            if man:
                if re.match(r"^\.(RS|RE|br|sp|PP)\b", t):
                    j += 1
                    continue
                if t.startswith("."):
                    raise ValueError(f"{path}:{j + 1}: request '{t}' inside an example block")
                t = unroff(t)
            body.append((j + 1, t))
            j += 1
        if j == len(lines):
            raise ValueError(f"{where}: the example block does not end")
        out.append((ex, body))
    return out


def parse(path):
    examples = []
    for ex, body in block_lines(path):
        k = 0
        while k < len(body):
            n, t = body[k]
            if t.startswith("$ "):
                cmd = t[2:]
                while cmd.endswith("\\") and k + 1 < len(body):
                    k += 1
                    cmd = cmd[:-1] + " " + body[k][1].strip()
                ex.commands.append([cmd, []])
            elif ex.commands:
                ex.commands[-1][1].append(t)
            elif t.strip():
                raise ValueError(f"{path}:{n}: output before the first command of the example")
            k += 1
        if not ex.commands:
            raise ValueError(f"{path}:{ex.line}: an example without a command")
        if len(ex.status) > len(ex.commands):
            raise ValueError(f"{path}:{ex.line}: {len(ex.status)} statuses for {len(ex.commands)} commands")
        for c in ex.commands:
            while c[1] and not c[1][-1].strip():
                c[1].pop()
        examples.append(ex)
    return examples


def norm(s):
    # a rate's unit follows the machine's speed (kB/s on a slow or
    # sanitized build, MB/s otherwise): any rate is one token
    s = re.sub(r"[0-9.]+ ?[kMG]?B/s", "RATE", s)
    s = re.sub(r"0x[0-9a-fA-F]+", "0xH", s)
    s = re.sub(r"\b[0-9a-f]{8,}\b", "H", s)
    s = re.sub(r"[0-9]+", "N", s)
    return re.sub(r"\s+", " ", s).strip()


def interleaves(doc, a, b):
    """Whether doc is a merge of a and b (each in order); "..." takes any lines."""
    sys.setrecursionlimit(10000)

    @functools.lru_cache(maxsize=None)
    def f(i, x, y):
        if i == len(doc):
            return x == len(a) and y == len(b)
        d = doc[i]
        if d == "...":
            return f(i + 1, x, y) or (x < len(a) and f(i, x + 1, y)) or (y < len(b) and f(i, x, y + 1))
        return (x < len(a) and a[x] == d and f(i + 1, x + 1, y)) or (y < len(b) and b[y] == d and f(i + 1, x, y + 1))

    return f(0, 0, 0)


def copy_uses(pool, dest, uses):
    for u in uses:
        src = os.path.join(pool, u)
        if not os.path.lexists(src):
            raise FileNotFoundError(f"'{u}' is not in the example pool")
        to = os.path.join(dest, u)
        os.makedirs(os.path.dirname(to), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, to, symlinks=True)
        else:
            shutil.copy2(src, to)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--pool", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.src, "man", "*.[15]"))) + [os.path.join(args.src, "README.md")]
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH" and not k.startswith("MVBUILD_")}
    env.update(PATH=args.bin + os.pathsep + env.get("PATH", ""), LC_ALL="C", TZ="UTC")
    fails = ran = commands = compared = 0
    for path in files:
        rel = os.path.relpath(path, args.src)
        try:
            examples = parse(path)
        except ValueError as e:
            print(f"FAIL: {e}")
            fails += 1
            continue
        for ex in examples:
            ran += 1
            where = f"{rel}:{ex.line}"
            d = os.path.join(args.work, re.sub(r"[^A-Za-z0-9.]", "_", rel) + f"-{ex.line}")
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            try:
                copy_uses(args.pool, d, ex.uses)
            except FileNotFoundError as e:
                print(f"FAIL: {where}: {e}")
                fails += 1
                continue
            env["HOME"] = d
            for k, (cmd, doc) in enumerate(ex.commands):
                commands += 1
                want = ex.status[k] if k < len(ex.status) else 0
                try:
                    r = subprocess.run(["sh", "-c", cmd], cwd=d, env=env, stdin=subprocess.DEVNULL,
                                       capture_output=True, timeout=TIMEOUT)
                    got, so, se = r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
                except subprocess.TimeoutExpired as e:
                    got = "timeout"
                    so = (e.stdout or b"").decode(errors="replace")
                    se = (e.stderr or b"").decode(errors="replace")
                problem = None
                if got != want:
                    problem = f"exit status {got}, the example says {want}"
                elif doc:
                    compared += 1
                    a = [norm(x) for x in so.splitlines()]
                    b = [norm(x) for x in se.splitlines()]
                    if not interleaves(tuple(norm(x) if x.strip() != "..." else "..." for x in doc), tuple(a), tuple(b)):
                        problem = "the output is not what the example shows"
                if problem:
                    fails += 1
                    print(f"FAIL: {where}: $ {cmd}\n  {problem}")
                    if doc:
                        print("  documented:\n" + "".join(f"    | {x}\n" for x in doc), end="")
                    print("  stdout:\n" + "".join(f"    | {x}\n" for x in so.splitlines()[:60]), end="")
                    print("  stderr:\n" + "".join(f"    | {x}\n" for x in se.splitlines()[:60]), end="")
                    break  # the rest of the example builds on this command
    print(f"examples: {ran} examples, {commands} commands, {compared} outputs compared, {fails} failed")
    if ran == 0:
        print("examples: no marked example found")
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
