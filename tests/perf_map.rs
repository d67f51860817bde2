//! `WASMO_PERFMAP=1` lists every function's code in `/tmp/perf-PID.map` for profilers: each
//! line's range is the code the engine runs for that function (checked against the code map
//! that backtraces use), named from the name section or by index, in optimised mode, in
//! lift-off mode (baseline code, then tier-up code) and for deserialised code.

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
}
