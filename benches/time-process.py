#!/usr/bin/env python3
"""Times whole processes: runs COMMAND (argv, no shell) REPEAT times one after another and prints
the median wall time from fork to exit as one line of driver fields for benches/run.sh:

  time-process.py REPEAT COMMAND...    ->    process=MS best=MS result=ok

A command that fails ends the script with its exit status and stderr.
"""
import statistics
import subprocess
import sys
import time


def main():
    repeat = int(sys.argv[1])
    command = sys.argv[2:]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - start) * 1e3)
        if done.returncode != 0:
            sys.stderr.write(done.stderr.decode(errors="replace"))
            sys.exit(done.returncode or 1)
    print(f"process={statistics.median(times):.2f} best={min(times):.2f} result=ok")


if __name__ == "__main__":
    main()
