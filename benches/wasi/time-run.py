#!/usr/bin/env python3
"""Times one WASI command line per engine: time to its first byte on stdout (the first result a
user sees) and to its exit (total), median of REPEAT runs, and checks that every engine printed
the same output as the first one (lines that report time or memory are left out of the check).

  time-run.py REPEAT NAME=COMMAND... (each COMMAND a shell command line)

Prints one Markdown table row per engine: name, first output (ms), total (ms), ratio of total to
the first engine's. Exits 1 if an engine failed or its output differs.
"""
import re
import statistics
import subprocess
import sys
import time

VOLATILE = re.compile(r"CPU: |Time spent|^End of script")


def run(command):
    start = time.monotonic()
    p = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = None
    chunks = []
    while True:
        b = p.stdout.read1(65536)
        if not b:
            break
        if first is None:
            first = time.monotonic() - start
        chunks.append(b)
    err = p.stderr.read()
    code = p.wait()
    total = time.monotonic() - start
    return code, first if first is not None else total, total, b"".join(chunks), err


def stable(out):
    return [l for l in out.decode(errors="replace").splitlines() if not VOLATILE.search(l)]


def main():
    repeat = int(sys.argv[1])
    engines = [a.split("=", 1) for a in sys.argv[2:]]
    reference = None
    base_total = None
    failed = False
    for name, command in engines:
        firsts, totals = [], []
        for _ in range(repeat):
            code, first, total, out, err = run(command)
            if code != 0:
                print(f"| {name} | failed | exit {code}: {err.decode(errors='replace')[-300:]!r} | |")
                failed = True
                break
            if reference is None:
                reference = stable(out)
            elif stable(out) != reference:
                print(f"| {name} | failed | output differs from the first engine's | |")
                failed = True
                break
            firsts.append(first)
            totals.append(total)
        else:
            f, t = statistics.median(firsts) * 1e3, statistics.median(totals) * 1e3
            base_total = base_total or t
            print(f"| {name} | {f:.0f} | {t:.0f} | {t / base_total:.2f} |", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
