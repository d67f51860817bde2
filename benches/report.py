#!/usr/bin/env python3
"""Turns the results file benches/run.sh writes (build/bench/results.tsv) into markdown tables.

Each line of the file is tab-separated: SECTION ROW ENGINE STATUS FIELDS, where FIELDS is the
driver's "key=value ..." line (status ok) or "reason=..." (status failed); lines of section "meta"
carry ROW KEY VALUE instead. Every ratio is computed from numbers measured in the same run.
"""
import math
import sys
from collections import OrderedDict

KERNEL_ENGINES = ["native", "wasmo-default", "wasmo-opt", "wasmo-opt-epoch", "wasmo-liftoff", "wasmo-liftoff-cached", "wasmtime", "v8", "v8-liftoff", "v8-turbofan"]
LARGE_ENGINES = ["wasmo-default", "wasmo-opt-1t", "wasmo-opt-2t", "wasmo-liftoff", "wasmtime", "v8", "v8-liftoff", "v8-turbofan"]
NAMES = {
    "native": "native gcc -O2",
    "wasmo-default": "wasmo, default settings",
    "wasmo-opt": "wasmo opt",
    "wasmo-opt-epoch": "wasmo opt, epoch interruption",
    "wasmo-opt-1t": "wasmo opt, 1 thread",
    "wasmo-opt-2t": "wasmo opt, 2 threads",
    "wasmo-liftoff": "wasmo lift-off",
    "wasmo-liftoff-cached": "wasmo lift-off, 2nd process with the code cache",
    "wasmtime": "wasmtime",
    "v8": "V8",
    "v8-liftoff": "V8 --liftoff-only",
    "v8-turbofan": "V8 --no-liftoff",
}


KERNEL_KINDS = OrderedDict([
    ("fib", "recursion"),
    ("sieve", "integer, byte array of 4 MiB"),
    ("matmul", "f64 loops"),
    ("indirect", "call_indirect through a table"),
    ("nbody", "f64 with sqrt and division"),
    ("stream", "memory bandwidth over 384 MiB"),
    ("calls", "many small direct calls, not recursive"),
    ("hash", "i64 multiply and rotate"),
    ("blur", "8-bit image filter, scalar and simd128 builds"),
    ("tailcall", "a bytecode interpreter whose handlers dispatch by tail calls (return_call_indirect; not in the geometric mean)"),
    ("interp", "a switch-dispatched bytecode interpreter in one 5 KB function, so its first call starts in fast baseline code and needs on-stack replacement (not in the geometric mean)"),
])


def load(path):
    meta = {}
    runs = OrderedDict()  # (section, row) -> {engine: [(status, fields)]}
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4:
            continue
        section, row = parts[0], parts[1]
        if section == "meta":
            meta[(row, parts[2])] = parts[3]
            continue
        engine, status, text = parts[2], parts[3], parts[4] if len(parts) > 4 else ""
        if status == "ok":
            fields = dict(kv.split("=", 1) for kv in text.split() if "=" in kv)
        else:
            fields = {"reason": text[len("reason="):] if text.startswith("reason=") else text}
        runs.setdefault((section, row), {}).setdefault(engine, []).append((status, fields))
    return meta, runs


def best(entries, key="first"):
    """The best successful run of an engine (least `key`), or None with the failure reason."""
    if not entries:
        return None, "not run"
    ok = [f for s, f in entries if s == "ok"]
    if not ok and all(s == "skipped" for s, _ in entries):
        return None, "not run"
    if ok:
        return min(ok, key=lambda f: num(f.get(key)) if num(f.get(key)) is not None else math.inf), None
    return None, entries[0][1].get("reason", "failed")


def num(v):
    try:
        x = float(v)
        return x if math.isfinite(x) else None
    except (TypeError, ValueError):
        return None


def ms(v):
    x = num(v)
    if x is None:
        return "-" if v in (None, "-") else str(v)
    if x < 1:
        return f"{x:.3f}"
    if x < 10:
        return f"{x:.2f}"
    if x < 100:
        return f"{x:.1f}"
    return f"{x:.0f}"


def ratio(a, b):
    a, b = num(a), num(b)
    return a / b if a is not None and b not in (None, 0) else None


def fr(x):
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 0.1 else f"{x:.2f}"


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def table(header, rows, align):
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


class Report:
    def __init__(self, meta, runs):
        self.meta, self.runs = meta, runs
        self.failures, self.notes = [], []

    def get(self, section, row, engine, key="first"):
        """The engine's fields for a row; None if it failed (the reason goes to the failure
        list); {} if it did not run (ENGINES left it out), which shows as "-"."""
        fields, why = best(self.runs.get((section, row), {}).get(engine, []), key)
        if why == "not run":
            return {}
        if fields is None:
            msg = f"{NAMES.get(engine, engine)} on {row}: {why}"
            if msg not in self.failures:
                self.failures.append(msg)
        return fields

    def cell(self, fields, key):
        return "failed" if fields is None else ms(fields.get(key))

    def kernels(self):
        rows = [r for (r, k) in self.meta if k == "kernel"]
        if not rows:
            return
        repeat = self.meta.get(("-", "repeat"), "?")
        # Native results are recorded under the kernel(arg) label, shared by its builds.
        native_row = {r: r.split(" ")[0] for r in rows}
        data = {}
        for r in rows:
            for e in KERNEL_ENGINES:
                data[r, e] = self.get("kernels", native_row[r] if e == "native" else r, e, "run")
        plain = [r for r in rows if " " not in r]

        print(f"### Kernels: run time, ms (best of {repeat} calls after the first)\n")
        ratio_cols = [
            ("wasmo / native", "wasmo-opt", "native"),
            ("wasmo / wasmtime", "wasmo-opt", "wasmtime"),
            ("wasmo / V8", "wasmo-opt", "v8"),
            ("wasmo / V8 --no-liftoff", "wasmo-opt", "v8-turbofan"),
            ("lift-off after tier-up / opt", "wasmo-liftoff", "wasmo-opt"),
            ("epoch interruption on / off", "wasmo-opt-epoch", "wasmo-opt"),
            ("default settings / wasmtime", "wasmo-default", "wasmtime"),
        ]
        header = ["kernel"] + [NAMES[e] + (" (after tier-up)" if e == "wasmo-liftoff" else "") for e in KERNEL_ENGINES]
        header += [c[0] for c in ratio_cols]
        out = []
        for r in rows:
            runs = {e: (data[r, e] or {}).get("run") for e in KERNEL_ENGINES}
            line = [r] + [self.cell(data[r, e], "run") for e in KERNEL_ENGINES]
            line += [fr(ratio(runs[a], runs[b])) for _, a, b in ratio_cols]
            out.append(line)
        # Geometric means over the plain kernels (not the SIMD pair): engine columns hold each
        # engine's mean ratio to native, ratio columns the mean of that ratio.
        gm = ["**geometric mean**" + (f" ({len(plain)} kernels)" if plain else "")]
        for e in KERNEL_ENGINES:
            xs = [ratio((data[r, e] or {}).get("run"), (data[r, "native"] or {}).get("run")) for r in plain]
            g = geomean(xs)
            n_ok = len([x for x in xs if x is not None])
            gm.append("-" if g is None else f"{g:.2f}x native" + ("" if n_ok == len(plain) else f" ({n_ok} of {len(plain)})"))
        for _, a, b in ratio_cols:
            xs = [ratio((data[r, a] or {}).get("run"), (data[r, b] or {}).get("run")) for r in plain]
            g = geomean(xs)
            n_ok = len([x for x in xs if x is not None])
            gm.append(fr(g) + ("" if g is None or n_ok == len(plain) else f" ({n_ok} of {len(plain)})"))
        out.append(gm)
        print(table(header, out, ["---"] + ["--:"] * (len(header) - 1)))
        print()
        names = OrderedDict((r.split("(")[0], None) for r in rows)
        print("Kernels: " + "; ".join(f"{k}: {KERNEL_KINDS.get(k, '?')}" for k in names) + ".")
        print()
        print("Ratios below 1: wasmo (optimised mode) faster. The geometric mean row gives each engine's "
              "mean ratio to native in the engine columns and the mean of each ratio column; it covers "
              "the plain kernels, not the SIMD pair, the wasm64 builds or the tail-call kernel.")
        print()

        print("### Kernels: start-up, ms: time to first result (compile)\n")
        print("Time from the start of compiling to the first result of run(), which includes the first "
              "call itself; in brackets the compile call alone (wasm_module_new / new WebAssembly.Module). "
              "V8 and wasmo lift-off compile lazily, so their compile figure is mostly decoding and "
              "validation.\n")
        start_engines = KERNEL_ENGINES[1:]
        first = lambda r, e: (data[r, e] or {}).get("first")
        run = lambda r, e: (data[r, e] or {}).get("run")
        start_ratios = [
            ("default settings / wasmtime", lambda r: ratio(first(r, "wasmo-default"), first(r, "wasmtime"))),
            ("lift-off / wasmtime", lambda r: ratio(first(r, "wasmo-liftoff"), first(r, "wasmtime"))),
            ("lift-off / V8", lambda r: ratio(first(r, "wasmo-liftoff"), first(r, "v8"))),
            ("lift-off first result / opt run time", lambda r: ratio(first(r, "wasmo-liftoff"), run(r, "wasmo-opt"))),
            ("2nd process with the code cache / opt first result", lambda r: ratio(first(r, "wasmo-liftoff-cached"), first(r, "wasmo-opt"))),
        ]
        header = ["kernel"] + [NAMES[e] for e in start_engines] + ["wasmo lift-off tier-up wait"]
        header += [c[0] for c in start_ratios]
        out, tiers = [], []
        for r in rows:
            line = [r]
            for e in start_engines:
                f = data[r, e]
                line.append("failed" if f is None else "-" if not f else f"{ms(f.get('first'))} ({ms(f.get('compile'))})")
            lf = data[r, "wasmo-liftoff"]
            line.append(ms(lf.get("tierup")) if lf and "tierup" in lf else "-")
            line += [fr(f(r)) for _, f in start_ratios]
            out.append(line)
            if lf and "tiers" in lf:
                tiers.append(f"{r} {lf['tiers']}")
        gm = ["**geometric mean**" + (f" ({len(plain)} kernels)" if plain else "")] + [""] * (len(start_engines) + 1)
        for _, f in start_ratios:
            xs = [f(r) for r in plain]
            g = geomean(xs)
            n_ok = len([x for x in xs if x is not None])
            gm.append(fr(g) + ("" if g is None or n_ok == len(plain) else f" ({n_ok} of {len(plain)})"))
        out.append(gm)
        print(table(header, out, ["---"] + ["--:"] * (len(header) - 1)))
        print()
        print("\"lift-off first result / opt run time\" is the baseline tier's quality on a first call (the "
              "time includes compiling it); \"2nd process with the code cache\" is lift-off run again with the "
              "cache the first run's tier-up filled (benches/warm-cache.sh); other ratios below 1: wasmo faster.")
        print()
        if tiers:
            self.notes.append("wasmo lift-off, functions not compiled/baseline/optimised after the timed calls: " + "; ".join(tiers) + ".")

        wide = [r.split(" ")[0] for r in rows if r.endswith(" wasm64")]
        if wide:
            print("### Kernels: wasm64 over wasm32, ms (the same source built by clang for a 64-bit memory)\n")
            engines = KERNEL_ENGINES[1:]
            header = ["kernel"] + [f"{NAMES[e]} wasm32 / wasm64" for e in engines] + [f"{NAMES[e]} wasm64 / wasm32" for e in engines]
            out, ratios = [], {e: [] for e in engines}
            for label in wide:
                line, rs = [label], []
                for e in engines:
                    n, w = data.get((label, e)), data.get((label + " wasm64", e))
                    line.append(f"{self.cell(n, 'run')} / {self.cell(w, 'run')}")
                    x = ratio((w or {}).get("run"), (n or {}).get("run"))
                    ratios[e].append(x)
                    rs.append(fr(x))
                out.append(line + rs)
            gm = ["**geometric mean**"] + [""] * len(engines)
            for e in engines:
                g = geomean(ratios[e])
                n_ok = len([x for x in ratios[e] if x is not None])
                gm.append(fr(g) + ("" if g is None or n_ok == len(wide) else f" ({n_ok} of {len(wide)})"))
            out.append(gm)
            print(table(header, out, ["---"] + ["--:"] * (len(header) - 1)))
            print()
            print("Ratios above 1: the wasm64 build is slower. Wasmo checks each access to a 64-bit memory "
                  "explicitly (32-bit memories use guard pages); an engine whose cells say skipped did not run "
                  "the wasm64 build (see the notes).")
            print()

        simd = [r.split(" ")[0] for r in rows if r.endswith(" simd128")]
        if simd:
            print("### Kernels: SIMD, ms (the same source built without and with -msimd128)\n")
            out = []
            for label in simd:
                for e in KERNEL_ENGINES[1:]:
                    s, v = data.get((label + " scalar", e)), data.get((label + " simd128", e))
                    sr, vr = (s or {}).get("run"), (v or {}).get("run")
                    out.append([label, NAMES[e], self.cell(s, "run"), self.cell(v, "run"), fr(ratio(sr, vr))])
                out.append([label, NAMES["native"] + " (one build)", self.cell(data.get((label + " scalar", "native")), "run"), "", ""])
                wo = lambda b, peer: fr(ratio((data.get((f"{label} {b}", "wasmo-opt")) or {}).get("run"), (data.get((f"{label} {b}", peer)) or {}).get("run")))
                self.notes.append(f"{label}: wasmo / wasmtime run time {wo('simd128', 'wasmtime')} on the simd128 build, "
                                  f"{wo('scalar', 'wasmtime')} on the scalar build; wasmo / V8 {wo('simd128', 'v8')} and {wo('scalar', 'v8')}.")
            for r in rows:
                if (r, "simd_ops") in self.meta:
                    self.notes.append(f"{r}: {self.meta[r, 'simd_ops']} SIMD instructions in the code section.")
            print(table(["kernel", "engine", "scalar", "simd128", "speed-up (scalar / simd128)"], out,
                        ["---", "---", "--:", "--:", "--:"]))
            print()

    def large(self):
        rows = [r for (s, r) in self.runs if s == "large"]
        if not rows:
            return
        print("### Large modules from npm: compile and time to first result, ms\n")
        print("compile: wasm_module_new / new WebAssembly.Module alone; MB/s: module size over that time "
              "(for the lazily compiling V8 and wasmo lift-off, decoding and validation only). first result: "
              "from the start of compiling to the first result of the export (compile, instantiate with "
              "stub imports, call), the start-up a user sees. wasmo with default settings, wasmo opt and wasmtime: one run each; the "
              "others: best of up to 3 runs.\n")
        out, data = [], {}
        for r in rows:
            size = num(self.meta.get((r, "bytes")))
            mod = (self.meta.get((r, "module")) or "").split()
            export = f"{mod[2]}({', '.join(mod[3:])})" if len(mod) >= 3 and mod[2] != "-" else "no call"
            label = f"{r} ({size / 1e6:.1f} MB, {export})" if size else r
            for e in LARGE_ENGINES:
                f = data[r, e] = self.get("large", r, e)
                mbs = ratio(size / 1e6 if size else None, num((f or {}).get("compile")) / 1e3 if f and num(f.get("compile")) else None)
                out.append([label, NAMES[e], self.cell(f, "compile"), "failed" if f is None else ms(mbs),
                            self.cell(f, "instantiate"), self.cell(f, "first"), "failed" if f is None else f.get("result", "-")])
                if e == "wasmo-liftoff" and f and "tiers" in f:
                    self.notes.append(f"wasmo lift-off on {r}: functions not compiled/baseline/optimised after the first call: {f['tiers']}.")
                if f and num(f.get("stub_calls")):
                    self.notes.append(f"{NAMES[e]} on {r}: the export called {f['stub_calls']} import stub(s).")
                label = ""
        print(table(["module", "engine", "compile", "compile MB/s", "instantiate", "first result", "result"], out,
                    ["---", "---", "--:", "--:", "--:", "--:", "--:"]))
        print()

        skipped = OrderedDict()
        for (sec, r), engines in self.runs.items():
            for e, entries in engines.items():
                for st, f in entries:
                    if sec == "large" and st == "skipped":
                        skipped.setdefault((e, f.get("reason", "")), []).append(r)
        for (e, why), mods in skipped.items():
            self.notes.append(f"{NAMES[e]} not run on {', '.join(mods)} (cells \"-\"): {why}; FORCE_ALL=1 runs it anyway.")

        print("### Large modules: ratios\n")
        cols = [
            ("wasmo default settings / wasmtime first result", lambda r: ratio(g(r, "wasmo-default", "first"), g(r, "wasmtime", "first"))),
            ("wasmo opt 2-thread compile speed-up", lambda r: ratio(g(r, "wasmo-opt-1t", "compile"), g(r, "wasmo-opt-2t", "compile"))),
            ("wasmo opt (2 threads) / wasmtime compile time", lambda r: ratio(g(r, "wasmo-opt-2t", "compile"), g(r, "wasmtime", "compile"))),
            ("wasmo lift-off / V8 first result", lambda r: ratio(g(r, "wasmo-liftoff", "first"), g(r, "v8", "first"))),
            ("wasmo lift-off / V8 --no-liftoff first result", lambda r: ratio(g(r, "wasmo-liftoff", "first"), g(r, "v8-turbofan", "first"))),
            ("wasmo lift-off / wasmtime first result", lambda r: ratio(g(r, "wasmo-liftoff", "first"), g(r, "wasmtime", "first"))),
            ("wasmo opt (2 threads) / V8 first result", lambda r: ratio(g(r, "wasmo-opt-2t", "first"), g(r, "v8", "first"))),
        ]

        def g(r, e, k):
            return (data[r, e] or {}).get(k)

        out = []
        for r in rows:
            out.append([r] + [fr(fn(r)) for _, fn in cols])
        out.append([f"**geometric mean** ({len(rows)} modules)"] + [fr(geomean([fn(r) for r in rows])) for _, fn in cols])
        print(table(["module"] + [c for c, _ in cols], out, ["---"] + ["--:"] * len(cols)))
        print()
        print("Speed-up above 1: two threads compile faster than one. Other ratios below 1: wasmo faster.")
        print()

    def exceptions(self):
        rows = [r for (r, k) in self.meta if k == "exception"]
        if not rows:
            return
        engines = ["wasmo-opt", "wasmo-liftoff", "wasmtime", "v8"]
        spec = {r: self.meta[(r, "exception")].split() for r in rows}  # label module arg form
        print("### Exception handling: run time, ms\n")
        print("Best of REPEAT calls after the first (lift-off: after tier-up). Each fib row is fib(35) with "
              "no handler, a try_table around each recursive call, and the same with the legacy try; throw "
              "throws and catches once per iteration, one call deep (two on odd iterations). \"-\": the "
              "engine has no form of those instructions.\n")
        run = {(r, e): self.get("exceptions", r, e, "run") for r in rows for e in engines}
        out = [[r, spec[r][3]] + [self.cell(run[r, e], "run") if run[r, e] != {} else "-" for e in engines] for r in rows]
        print(table(["module", "handlers"] + [NAMES[e] for e in engines], out, ["---", "---"] + ["--:"] * len(engines)))
        print()

        def value(module, e):
            r = next((r for r in rows if spec[r][1] == module), None)
            return (run.get((r, e)) or {}).get("run") if r else None

        out = []
        for module, what in (("fib_try", "fib with try_table / without"), ("fib_legacy", "fib with legacy try / without")):
            out.append([what] + [fr(ratio(value(module, e), value("fib", e))) for e in engines])
        for module in ("throw", "throw_legacy"):
            r = next((r for r in rows if spec[r][1] == module), None)
            if r is None:
                continue
            n = num(spec[r][2])
            per = [num(value(module, e)) for e in engines]
            out.append([f"{module}: one round trip, \u00b5s"] + [f"{x * 1000 / n:.2f}" if x is not None and n else "-" for x in per])
        print(table(["measure"] + [NAMES[e] for e in engines], out, ["---"] + ["--:"] * len(engines)))
        print()
        lines = []
        for module, peer in (("throw", "wasmtime"), ("throw_legacy", "v8")):
            x = ratio(value(module, "wasmo-opt"), value(module, peer))
            if x is not None:
                lines.append(f"{module}: wasmo opt / {NAMES[peer]} {fr(x)}")
        if lines:
            print("Throw round trip, " + "; ".join(lines) + " (below 1: wasmo faster).")
            print()

    def deserialize(self):
        rows = [r for (s, r) in self.runs if s == "deserialize"]
        if not rows:
            return
        print("### Serialised modules: loading, ms\n")
        print("Each module compiled (wasmo: optimised), serialised (wasm_module_serialize), then loaded back: "
              "from the bytes (wasm_module_deserialize) and from a file (wasmo_module_deserialize_file, "
              "wasmtime_module_deserialize_file), best of REPEAT each.\n")
        out, ratios = [], []
        for r in rows:
            f = {e: self.get("deserialize", r, e, key="deserialize") for e in ("wasmo-opt", "wasmtime")}
            for e in ("wasmo-opt", "wasmtime"):
                out.append([r, NAMES[e], self.cell(f[e], "deserialize"), self.cell(f[e], "deserialize_file"),
                            "failed" if f[e] is None else
                            (f"{num(f[e]['artifact_bytes']) / 1e6:.2f} MB" if num(f[e].get("artifact_bytes")) else "-")])
            g = lambda e, k: (f[e] or {}).get(k)
            ratios.append([r, fr(ratio(g("wasmo-opt", "deserialize"), g("wasmtime", "deserialize"))),
                           fr(ratio(g("wasmo-opt", "deserialize_file"), g("wasmtime", "deserialize_file")))])
        print(table(["module", "engine", "from bytes", "from a file", "artifact"], out, ["---", "---", "--:", "--:", "--:"]))
        print()
        print(table(["module", "wasmo / wasmtime from bytes", "wasmo / wasmtime from a file"], ratios, ["---", "--:", "--:"]))
        print()

    def process(self):
        f = {e: self.get("process", "start", e, key="process") for e in ("wasmo-default", "wasmtime", "v8")}
        if all(v == {} for v in f.values()):
            return
        print("### Process start, ms\n")
        print("A whole process that loads the library, makes an engine and a store and exits (the driver's "
              "--engine-only): median and best of PROCESS_REPEAT runs. Every program using the library pays this "
              "before its first module; it is not in the start-up figures above, which start at compiling. "
              "V8's row is node's own start (`node -e 0`), for scale.\n")
        out = []
        for e in ("wasmo-default", "wasmtime", "v8"):
            if f[e] != {}:
                out.append([NAMES[e], self.cell(f[e], "process"), self.cell(f[e], "best")])
        print(table(["engine", "median", "best"], out, ["---", "--:", "--:"]))
        r = ratio((f["wasmo-default"] or {}).get("process"), (f["wasmtime"] or {}).get("process"))
        print()
        print(f"wasmo / wasmtime: {fr(r)}")
        print()

    def footer(self):
        m = lambda k: self.meta.get(("-", k), "?")
        notes = list(self.notes)
        if m("liftoff_built") == "no" and any(s == "kernels" and "wasmo-liftoff" in e for (s, _), e in self.runs.items()):
            notes.insert(0, "This libwasmo.so has no lift-off mode yet (no wasmo_module_wait_tier_up): WASMO_MODE=liftoff "
                            "ran the optimised mode, so the lift-off columns measure optimised mode again.")
        if m("env_settings") == "no" and any(s == "large" for s, _ in self.runs):
            notes.insert(0, "This libwasmo.so does not read WASMO_MODE/WASMO_THREADS from the environment yet: "
                            "every wasmo run used its default mode and thread count.")
        if m("engines") not in ("", "?"):
            notes.insert(0, f"ENGINES={m('engines')} limited this run; the other engines' cells show \"-\".")
        if notes:
            print("Notes:\n")
            for n in notes:
                print(f"- {n}")
            print()
        wasmo_env = m("wasmo_env")
        wasmo_env = f"; environment {wasmo_env}" if wasmo_env not in ("", "?") else ""
        print(f"Engines: wasmo {m('wasmo_rev')} (opt: LLVM 16 O2, ahead of time; lift-off: baseline tier compiled "
              f"lazily, optimised in the background{wasmo_env}), wasmtime {m('wasmtime_version')} (Cranelift; libwasmtime.so "
              f"from the PyPI wheel), node {m('node_version')} (V8 {m('v8_version')}; default: lazy Liftoff with "
              f"dynamic tier-up to TurboFan), native gcc {m('gcc_version')} -O2, kernels built by clang "
              f"{m('clang_version')} --target=wasm32 -O2. Host: {m('cores')} cores, {m('cpu')} (LLVM CPU {m('llvm_cpu')}).")
        if self.failures:
            print()
            print('FAILED runs (their cells show "failed"):')
            print()
            for f in self.failures:
                print(f"- {f}")


def main():
    meta, runs = load(sys.argv[1])
    report = Report(meta, runs)
    report.kernels()
    report.exceptions()
    report.large()
    report.deserialize()
    report.process()
    report.footer()


if __name__ == "__main__":
    main()
