#!/usr/bin/env python3
"""Run the official WASI testsuite's prebuilt wasm32-wasip1 binaries on wasmo.

Usage:
    scripts/wasi-testsuite.py TESTSUITE_DIR [--wasmo PATH] [--mode liftoff|opt] [-v]
                              [--timeout SECONDS] [-j N] [-k SUBSTRING]... [--keep-tmp]

TESTSUITE_DIR is either one test directory holding *.wasm files (e.g.
tests/rust/testsuite/wasm32-wasip1) or any directory above such directories
(e.g. a checkout of https://github.com/WebAssembly/wasi-testsuite, branch
prod/testsuite-base); every wasm32-wasip1 test directory below it is run.
Directories of other WASI versions (wasm32-wasip3: components) are ignored,
with a note.

Semantics follow doc/specification.md and the reference runner
(test-runner/wasi_test_runner) of the testsuite:

* `*.cleanup` files in a test directory are removed before its tests run.
* FOO.json next to FOO.wasm is the test's spec, in the legacy form (args, env,
  root, exit_code, stdout, stderr) or the operation-based form (proposals,
  world, operations: run / read / write / wait). Without one: run, then expect
  exit code 0.
* `root` (relative to the test directory) is preopened as the guest's `/`
  (`--dir ROOT::/`). Each test gets a fresh copy of that directory in a temp
  dir, so tests that create or delete files can be run again and again.
* The guest environment is exactly `env` (wasmo passes no variables unless
  told), args follow `--`; the process runs with cwd = the test's directory.
* `read` compares the next len(payload) characters of the stream with the
  payload, like the reference runner (so output is matched as a prefix, and a
  legacy spec without "stdout" does not check stdout at all).
* Tests that need a proposal (http, sockets), another world than
  wasi:cli/command, or network operations (connect, send, recv, request, kill)
  are reported as SKIP and counted apart, never as passed.

Exit status: 0 if no test failed, 1 if one did, 2 on usage errors.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WASI_VERSION = "wasm32-wasip1"
CLI_WORLD = "wasi:cli/command"
LEGACY_KEYS = {"args", "root", "env", "exit_code", "stderr", "stdout"}
NEW_KEYS = {"operations", "proposals", "world", "servers", "debug"}
UNSUPPORTED_OPS = {"connect", "send", "recv", "request", "kill"}
KNOWN_OPS = {"run", "wait", "read", "write"} | UNSUPPORTED_OPS


class SpecError(Exception):
    pass


class Skip(Exception):
    pass


# ---------------------------------------------------------------- spec parsing

def load_spec(wasm: Path):
    """Returns (operations, skip_reason): operations a list of dicts with a
    "type", normalised to the operation-based form."""
    config_path = wasm.with_suffix(".json")
    if not config_path.exists():
        return [{"type": "run", "args": [], "env": {}, "root": None},
                {"type": "wait", "exit_code": 0}], None
    with open(config_path, encoding="utf-8") as f:
        cfg = json.load(f)
    if not isinstance(cfg, dict):
        raise SpecError(f"{config_path}: not a JSON object")
    keys = set(cfg)
    new_style = any(cfg.get(k) is not None for k in ("operations", "proposals", "servers"))
    if new_style:
        if keys & LEGACY_KEYS:
            raise SpecError(f"{config_path}: mixes legacy and operation-based keys")
        proposals = cfg.get("proposals") or []
        if proposals:
            return [], "needs proposal(s) " + ", ".join(map(str, proposals))
        if cfg.get("servers"):
            return [], "needs HTTP servers"
        world = cfg.get("world", CLI_WORLD)
        if world != CLI_WORLD:
            return [], f"world {world}"
        ops = []
        for op in cfg.get("operations") or []:
            ty = op.get("type") if isinstance(op, dict) else None
            if ty not in KNOWN_OPS:
                raise SpecError(f"{config_path}: unsupported operation type {ty!r}")
            if ty in UNSUPPORTED_OPS:
                return [], f"needs operation {ty!r} (network)"
            if ty == "run":
                ops.append({"type": "run", "args": op.get("args", []),
                            "env": op.get("env", {}), "root": op.get("root")})
            elif ty == "wait":
                ops.append({"type": "wait", "exit_code": op.get("exit_code", 0)})
            elif ty == "read":
                ops.append({"type": "read", "id": op.get("id", "stdout"),
                            "payload": op.get("payload", "")})
            elif ty == "write":
                ops.append({"type": "write", "id": op.get("id", "write"),
                            "payload": op.get("payload", "")})
        validate_ops(config_path, ops)
        return ops, None
    # Legacy form: run, [read stdout], [read stderr], wait.
    unknown = keys - LEGACY_KEYS - NEW_KEYS
    if unknown:
        print(f"warning: {config_path}: unknown field(s) {sorted(unknown)}", file=sys.stderr)
    ops = [{"type": "run", "args": cfg.get("args", []), "env": cfg.get("env", {}),
            "root": cfg.get("root")}]
    if cfg.get("stdout") is not None:
        ops.append({"type": "read", "id": "stdout", "payload": cfg["stdout"]})
    if cfg.get("stderr") is not None:
        ops.append({"type": "read", "id": "stderr", "payload": cfg["stderr"]})
    ops.append({"type": "wait", "exit_code": cfg.get("exit_code", 0)})
    return ops, None


def validate_ops(config_path, ops):
    running = False
    for op in ops:
        if op["type"] == "run":
            if running:
                raise SpecError(f"{config_path}: run while a process is running")
            running = True
        elif not running:
            raise SpecError(f"{config_path}: {op['type']} without a running process")
        elif op["type"] == "wait":
            running = False
        elif op["type"] in ("read", "write") and op["id"] not in (
                ("stdout", "stderr") if op["type"] == "read" else ("stdin",)):
            raise SpecError(f"{config_path}: {op['type']} of unknown stream {op['id']!r}")
    if running:
        raise SpecError(f"{config_path}: run without wait")


# ------------------------------------------------------------------- execution

def remove_cleanup_files(directory: Path):
    for f in directory.glob("**/*.cleanup"):
        if f.is_symlink():
            continue
        if f.is_file():
            f.unlink()
        elif f.is_dir():
            shutil.rmtree(f)


def rmtree_forcibly(path):
    def onerror(func, p, _exc):
        # A test may leave a read-only directory behind.
        try:
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            os.chmod(p, stat.S_IRWXU)
        except OSError:
            pass
        try:
            func(p)
        except OSError:
            pass
    shutil.rmtree(path, onerror=onerror)


def text(data: bytes) -> str:
    # The reference runner reads the pipes in text mode (universal newlines).
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def shorten(s: str, limit: int = 160) -> str:
    r = repr(s)
    return r if len(r) <= limit else r[:limit] + "...'"


class Result:
    def __init__(self, name):
        self.name = name
        self.status = "PASS"   # PASS, FAIL or SKIP
        self.reason = ""
        self.details = []      # -v output
        self.duration = 0.0


def run_test(wasm: Path, name: str, args) -> Result:
    res = Result(name)
    start = time.monotonic()
    try:
        ops, skip = load_spec(wasm)
    except (SpecError, ValueError, OSError) as e:
        res.status, res.reason = "FAIL", f"bad test spec: {e}"
        return res
    if skip:
        res.status, res.reason = "SKIP", skip
        return res

    test_dir = wasm.parent
    tmp = None
    try:
        i = 0
        while i < len(ops) and res.status == "PASS":
            run = ops[i]
            assert run["type"] == "run"
            j = i + 1
            while ops[j]["type"] != "wait":
                j += 1
            inner, wait = ops[i + 1:j], ops[j]
            i = j + 1

            argv = [args.wasmo, "run"]
            if args.mode:
                argv += ["--mode", args.mode]
            argv.append(str(wasm))
            if run["root"]:
                host_root = (test_dir / run["root"]).resolve()
                if not host_root.is_dir():
                    res.status, res.reason = "FAIL", f"root {host_root} is not a directory"
                    break
                if tmp is None:
                    tmp = Path(tempfile.mkdtemp(prefix=f"wasi-{wasm.stem}-"))
                    shutil.copytree(host_root, tmp / host_root.name, symlinks=True,
                                    ignore=shutil.ignore_patterns("*.cleanup"))
                argv += ["--dir", f"{tmp / host_root.name}::/"]
            for k, v in run["env"].items():
                argv += ["--env", f"{k}={v}"]
            argv += ["--"] + [str(a) for a in run["args"]]
            stdin = "".join(op["payload"] for op in inner if op["type"] == "write")
            res.details.append("$ " + " ".join(argv))

            env = {k: v for k, v in os.environ.items() if not k.startswith("WASMO_")}
            # No "wasmo: compiling ..." progress lines on the program's stderr (slow opt
            # compiles), which stderr expectations would trip over.
            env["WASMO_PROGRESS_AFTER_MS"] = str(10 ** 12)
            try:
                proc = subprocess.run(argv, input=stdin.encode(), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, cwd=test_dir, env=env,
                                      timeout=args.timeout, check=False)
            except subprocess.TimeoutExpired as e:
                res.status, res.reason = "FAIL", f"timeout after {args.timeout:g} s"
                res.details += [f"stdout: {shorten(text(e.stdout or b''), 2000)}",
                                f"stderr: {shorten(text(e.stderr or b''), 2000)}"]
                break
            except OSError as e:
                res.status, res.reason = "FAIL", f"cannot start {args.wasmo}: {e}"
                break
            streams = {"stdout": text(proc.stdout), "stderr": text(proc.stderr)}
            res.details += [f"exit code {proc.returncode}",
                            f"stdout: {shorten(streams['stdout'], 2000)}",
                            f"stderr: {shorten(streams['stderr'], 2000)}"]
            pos = {"stdout": 0, "stderr": 0}
            for op in inner:
                if op["type"] != "read":
                    continue
                sid, want = op["id"], op["payload"]
                got = streams[sid][pos[sid]:pos[sid] + len(want)]
                pos[sid] += len(want)
                if got != want:
                    res.status = "FAIL"
                    res.reason = (f"{sid} mismatch: expected {shorten(want)}, got "
                                  f"{shorten(streams[sid][pos[sid] - len(want):])}")
                    break
            if res.status == "PASS" and proc.returncode != wait["exit_code"]:
                res.status = "FAIL"
                got = proc.returncode
                if got < 0:
                    got = f"{got} (killed by signal {-got})"
                res.reason = f"exit code: expected {wait['exit_code']}, got {got}"
            if res.status == "FAIL":
                err = streams["stderr"].strip()
                if err:
                    res.reason += f"; stderr: {shorten(err, 400)}"
    finally:
        if tmp is not None:
            if args.keep_tmp:
                res.details.append(f"kept {tmp}")
            else:
                rmtree_forcibly(tmp)
        res.duration = time.monotonic() - start
    return res


# ----------------------------------------------------------------- discovery

def suite_version(directory: Path):
    manifest = directory / "manifest.json"
    if manifest.exists():
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
        return m.get("version", directory.name), m.get("name", str(directory))
    return (directory.name if directory.name.startswith("wasm32-") else WASI_VERSION), str(directory)


def find_suites(root: Path):
    """Directories holding *.wasm tests, with their WASI version and name."""
    dirs = []
    if any(root.glob("*.wasm")):
        dirs = [root]
    else:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not d.endswith(".dir"))
            if any(f.endswith(".wasm") for f in filenames):
                dirs.append(Path(dirpath))
    return [(d,) + suite_version(d) for d in sorted(dirs)]


def short_label(directory: Path) -> str:
    # tests/rust/testsuite/wasm32-wasip1 -> rust
    if directory.parent.name == "testsuite":
        return directory.parent.parent.name
    return directory.name


def main():
    default_wasmo = os.environ.get("WASMO") or str(
        Path(__file__).resolve().parent.parent / "target" / "release" / "wasmo")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See the header of this script for the exact semantics.")
    p.add_argument("testsuite_dir", metavar="TESTSUITE_DIR")
    p.add_argument("--wasmo", default=default_wasmo,
                   help=f"the wasmo binary (default: $WASMO or {default_wasmo})")
    p.add_argument("--mode", choices=["liftoff", "opt"],
                   help="wasmo's compilation mode (default: wasmo's default)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show the command line and output of every test")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per test (default 60)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="tests run in parallel (default 1)")
    p.add_argument("-k", "--filter", action="append", default=[], metavar="SUBSTRING",
                   help="only tests whose SUITE/NAME contains SUBSTRING (repeatable)")
    p.add_argument("--keep-tmp", action="store_true",
                   help="keep each test's copy of its root directory")
    args = p.parse_args()

    root = Path(args.testsuite_dir)
    if not root.is_dir():
        p.error(f"{root} is not a directory")
    if not (os.path.isfile(args.wasmo) and os.access(args.wasmo, os.X_OK)):
        found = shutil.which(args.wasmo)
        if not found:
            p.error(f"wasmo binary {args.wasmo} not found (use --wasmo)")
        args.wasmo = found
    args.wasmo = os.path.abspath(args.wasmo)

    tests = []
    for directory, version, suite_name in find_suites(root):
        if version != WASI_VERSION:
            n = len(list(directory.glob("*.wasm")))
            print(f"note: ignoring {directory} ({suite_name}, {version}: {n} tests)")
            continue
        remove_cleanup_files(directory)
        label = short_label(directory)
        for wasm in sorted(directory.glob("*.wasm")):
            name = f"{label}/{wasm.stem}"
            if args.filter and not any(s in name for s in args.filter):
                continue
            tests.append((wasm, name))
    if not tests:
        print(f"no {WASI_VERSION} tests found under {root}", file=sys.stderr)
        return 1

    print(f"wasmo: {args.wasmo}, mode: {args.mode or 'default'}, {len(tests)} tests")
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_test, wasm, name, args) for wasm, name in tests]
        for fut in futures:
            r = fut.result()
            results.append(r)
            line = f"{r.status} {r.name}"
            if r.reason:
                line += f": {r.reason}"
            if args.verbose:
                line += f" ({r.duration:.2f} s)"
            print(line, flush=True)
            if args.verbose:
                for d in r.details:
                    print("    " + d)

    passed = [r for r in results if r.status == "PASS"]
    failed = [r for r in results if r.status == "FAIL"]
    skipped = [r for r in results if r.status == "SKIP"]
    print()
    if failed:
        print("failed: " + " ".join(r.name for r in failed))
    if skipped:
        print("skipped: " + " ".join(f"{r.name} ({r.reason})" for r in skipped))
    print(f"passed {len(passed)} / total {len(results)} (skipped {len(skipped)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
