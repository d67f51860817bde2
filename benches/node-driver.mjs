// Benchmark driver for V8 (node), mirroring benches/driver.c field for field:
//
//   node [V8 FLAGS] benches/node-driver.mjs FILE.wasm EXPORT REPEAT [ARG...]
//
// Times compiling FILE.wasm (new WebAssembly.Module), instantiating it (new WebAssembly.Instance,
// every import satisfied by a stub made from its import type: functions return zeros of their
// result types and count their calls; memories, tables and globals are created from their types),
// the first call of EXPORT(ARGs) on its own, and the best of REPEAT further calls, each of which
// must return what the first did. V8 compiles lazily by default, so `first` (from the start of
// compiling to the first result) is the figure to compare for start-up, not `compile`. EXPORT "-"
// calls nothing (compile and instantiate only).
//
// Prints: compile=MS instantiate=MS call1=MS first=MS run=MS result=R stub_calls=N
// The JS API does not tell import or export types, so this script reads them from the binary's
// type, import, function and export sections.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const VALTYPES = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

// Reads what the stubs and the call need from a module binary: function types, imports with
// their types, and the type of every exported function.
function reflect(bytes) {
  let pos = 8;
  const u8 = () => bytes[pos++];
  const leb = () => {
    let result = 0, shift = 0, b;
    do {
      b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const name = () => {
    const n = leb();
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const valtype = () => {
    const b = u8();
    if (!(b in VALTYPES)) throw new Error(`unsupported value type 0x${b.toString(16)}`);
    return VALTYPES[b];
  };
  const limits = () => {
    const flags = u8();
    const min = leb();
    const max = flags & 1 ? leb() : undefined;
    return { min, max, shared: (flags & 2) !== 0 };
  };
  const types = [], imports = [], funcTypes = [], exports = new Map();
  while (pos < bytes.length) {
    const id = u8(), size = leb(), end = pos + size;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        if (u8() !== 0x60) throw new Error("unsupported type section entry (not a plain function type)");
        const params = [], results = [];
        for (let k = leb(); k > 0; k--) params.push(valtype());
        for (let k = leb(); k > 0; k--) results.push(valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const imp = { module: name(), name: name(), kind: u8() };
        if (imp.kind === 0) {
          imp.type = types[leb()];
          funcTypes.push(imp.type);
        } else if (imp.kind === 1) {
          imp.element = valtype();
          imp.limits = limits();
        } else if (imp.kind === 2) {
          imp.limits = limits();
        } else if (imp.kind === 3) {
          imp.value = valtype();
          imp.mutable = u8() === 1;
        } else {
          throw new Error(`unsupported import kind ${imp.kind} (${imp.module}.${imp.name})`);
        }
        imports.push(imp);
      }
    } else if (id === 3) {
      for (let n = leb(); n > 0; n--) funcTypes.push(types[leb()]);
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const exportName = name(), kind = u8(), index = leb();
        if (kind === 0) exports.set(exportName, funcTypes[index]);
      }
    }
    pos = end;
  }
  return { imports, exports };
}

const zeroOf = (t) => (t === "i64" ? 0n : t === "funcref" || t === "externref" ? null : 0);

let stubCalls = 0;
function makeImports(imports) {
  const object = {};
  for (const imp of imports) {
    let value;
    if (imp.kind === 0) {
      const results = imp.type.results;
      const zeros = results.map(zeroOf);
      value = results.length === 0 ? () => { stubCalls++; }
        : results.length === 1 ? () => { stubCalls++; return zeros[0]; }
        : () => { stubCalls++; return zeros.slice(); };
    } else if (imp.kind === 1) {
      const element = imp.element === "funcref" ? "anyfunc" : imp.element;
      value = new WebAssembly.Table({ element, initial: imp.limits.min, maximum: imp.limits.max });
    } else if (imp.kind === 2) {
      value = new WebAssembly.Memory({ initial: imp.limits.min, maximum: imp.limits.max, shared: imp.limits.shared });
    } else {
      value = new WebAssembly.Global({ value: imp.value === "funcref" ? "anyfunc" : imp.value, mutable: imp.mutable }, zeroOf(imp.value));
    }
    (object[imp.module] ??= {})[imp.name] = value;
  }
  return object;
}

function parseArg(type, text) {
  if (text === undefined) return zeroOf(type);
  if (type === "i64") return BigInt(text);
  if (type === "i32") return Number(BigInt.asIntN(32, BigInt(text)));
  if (type === "f32" || type === "f64") return Number(text);
  return null;
}

// Like the C driver's %d / %lld / %.17g.
function formatValue(v) {
  if (typeof v === "bigint") return v.toString();
  if (v === null || v === undefined) return "null";
  if (typeof v !== "number") return "ref";
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(17)));
}
function formatResults(r, count) {
  if (count === 0) return "none";
  return count === 1 ? formatValue(r) : Array.from(r, formatValue).join(",");
}

function main() {
  const [path, exportName, repeatText, ...argTexts] = process.argv.slice(2);
  if (repeatText === undefined) {
    console.error("usage: node [V8 FLAGS] node-driver.mjs FILE.wasm EXPORT REPEAT [ARG...]");
    process.exit(2);
  }
  const repeat = Number(repeatText);
  const bytes = readFileSync(path);
  const { imports, exports } = reflect(bytes);
  const noCall = exportName === "-";
  const type = noCall ? { params: [], results: [] } : exports.get(exportName);
  if (!type) throw new Error(`no function export \`${exportName}\``);
  const args = type.params.map((t, i) => parseArg(t, argTexts[i]));

  const t0 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const t1 = performance.now();
  const importObject = makeImports(imports);
  const instance = new WebAssembly.Instance(module, importObject);
  const t2 = performance.now();
  const ms = (x) => x.toFixed(3);
  if (noCall) {
    console.log(`compile=${ms(t1 - t0)} instantiate=${ms(t2 - t1)} call1=0 first=${ms(t2 - t0)} run=- result=none stub_calls=${stubCalls}`);
    return;
  }
  const func = instance.exports[exportName];

  const t3 = performance.now();
  const firstValue = func(...args);
  const t4 = performance.now();
  const first = formatResults(firstValue, type.results.length);

  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const s = performance.now();
    const value = func(...args);
    const e = performance.now();
    const result = formatResults(value, type.results.length);
    if (result !== first) throw new Error(`call ${r + 2} returned ${result}, the first call ${first}`);
    best = Math.min(best, e - s);
  }
  console.log(
    `compile=${ms(t1 - t0)} instantiate=${ms(t2 - t1)} call1=${ms(t4 - t3)} first=${ms(t4 - t0)} ` +
      `run=${repeat > 0 ? ms(best) : "-"} result=${first} stub_calls=${stubCalls}`,
  );
}

try {
  main();
} catch (e) {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
}
