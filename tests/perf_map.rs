//! `WASMO_PERFMAP=1` lists every function's code in `/tmp/perf-PID.map` for profilers: each
//! line's range is the code the engine runs for that function (checked against the code map
//! that backtraces use), named from the name section or by index, in optimised mode, in
//! lift-off mode (baseline code, then tier-up code) and for deserialised code. With
//! `WASMO_JITDUMP=1` the same functions, with their machine code, are in `/tmp/jit-PID.dump`.

use wasmo::api::{Config, Engine, Instance, Mode, Module, Store, Val};
use wasmo::artifact::{code_map, perf_map};

const WAT: &str = r#"(module
  (func $helper (param i32) (result i32)
    (local i32)
    (loop (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (br_if 0 (i32.lt_u (local.get 1) (i32.const 1000))))
    (local.get 1))
  (func (export "main") (result i32) (call $helper (i32.const 14))))"#;

/// (start, size, name) of every line of this process's map.
fn lines() -> Vec<(usize, usize, String)> {
    let text = std::fs::read_to_string(perf_map::path()).expect("the map file exists");
    text.lines()
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let mut hex = || usize::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let (start, size) = (hex(), hex());
            (start, size, parts.next().unwrap().to_string())
        })
        .collect()
}

/// (code address, size, name, code bytes) of every `JIT_CODE_LOAD` record of this process's
/// jitdump, after checking its header.
fn jitdump_records() -> Vec<(usize, usize, String, Vec<u8>)> {
    let bytes = std::fs::read(perf_map::jitdump_path()).expect("the jitdump file exists");
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    assert_eq!(u32_at(0), 0x4A69_5444, "magic");
    assert_eq!(
        (u32_at(4), u32_at(8), u32_at(12)),
        (1, 40, 62),
        "version, size, machine"
    );
    assert_eq!(u32_at(20), std::process::id());
    let mut records = Vec::new();
    let mut at = 40;
    while at < bytes.len() {
        let (id, total) = (u32_at(at), u32_at(at + 4) as usize);
        assert_eq!(id, 0, "only JIT_CODE_LOAD records");
        assert_eq!(u32_at(at + 16), std::process::id());
        let (vma, addr, size) = (u64_at(at + 24), u64_at(at + 32), u64_at(at + 40) as usize);
        assert_eq!(vma, addr);
        assert_eq!(
            u64_at(at + 48),
            records.len() as u64,
            "code_index counts loads"
        );
        let name_end = at + 56 + bytes[at + 56..].iter().position(|&b| b == 0).unwrap();
        let name = String::from_utf8(bytes[at + 56..name_end].to_vec()).unwrap();
        let code = bytes[name_end + 1..name_end + 1 + size].to_vec();
        assert_eq!(name_end + 1 + size - at, total, "{name}: record size");
        records.push((addr as usize, size, name, code));
        at += total;
    }
    records
}

fn run(module: &Module, engine: &Engine) {
    let store = Store::new(engine);
    let instance = Instance::new(&store, module, &[]).unwrap();
    let main = instance.get_func(&store, "main").unwrap();
    assert_eq!(main.call(&store, &[]).unwrap(), vec![Val::I32(1008)]);
}

#[test]
fn the_map_names_each_function_at_its_code() {
    // Read once, on the engine's first load of code: this binary's only test sets it first.
    std::env::set_var("WASMO_PERFMAP", "1");
    std::env::set_var("WASMO_JITDUMP", "1");
    let _ = std::fs::remove_file(perf_map::path());
    for mode in [Mode::Optimized, Mode::Liftoff] {
        let mut config = Config::builtin();
        config.mode = mode;
        config.cache_dir = None;
        let engine = Engine::new(config);
        let module = Module::from_text(&engine, WAT).unwrap();
        for _ in 0..50 {
            run(&module, &engine);
        }
        if mode == Mode::Liftoff {
            module.wait_for_tier_up();
        } else {
            let bytes = module.serialize().unwrap();
            let copy = Module::deserialize(&engine, &bytes).unwrap();
            run(&copy, &engine);
            std::mem::forget(copy); // keep its code registered for the checks below
        }
        std::mem::forget(module);
    }
    assert!(perf_map::enabled());
    let lines = lines();
    let map = code_map::read();
    let mut helpers = 0;
    for (start, size, name) in &lines {
        let (module, function) = name
            .strip_prefix("wasm[")
            .and_then(|n| n.split_once("]::"))
            .unwrap_or_else(|| panic!("a wasm name: {name}"));
        let index = match function {
            "$helper" => 0,
            "func[1]" => 1,
            other => panic!("unexpected function name {other} in {name}"),
        };
        helpers += usize::from(index == 0);
        assert!(*size > 0, "{name}");
        for pc in [*start, start + size - 1] {
            let frame = map
                .lookup(pc)
                .unwrap_or_else(|| panic!("{name} at {pc:#x}: not wasm code"));
            assert_eq!(frame.func_index, index, "{name} at {pc:#x}");
        }
        assert!(
            map.lookup(start + size)
                .is_none_or(|f| f.func_index != index || f.module_id.to_string() != module),
            "{name} ends at {:#x}",
            start + size
        );
    }
    // Optimised, deserialised, lift-off baseline and lift-off tier-up code of $helper.
    assert!(helpers >= 4, "{lines:?}");
    // The jitdump has the map's functions, in the same order, with the code that runs there
    // (all of it still loaded: the modules were leaked above).
    let records = jitdump_records();
    assert_eq!(records.len(), lines.len());
    for ((start, size, name), (addr, code_size, dump_name, code)) in lines.iter().zip(&records) {
        assert_eq!((start, size, name), (addr, code_size, dump_name));
        // SAFETY: the function's code is loaded and readable.
        let loaded = unsafe { std::slice::from_raw_parts(*start as *const u8, *size) };
        assert_eq!(&code[..], loaded, "{name}: code bytes");
    }
    let _ = std::fs::remove_file(perf_map::jitdump_path());
}
