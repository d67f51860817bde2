//! Lift-off mode through the runtime's Rust API: lazy first-call compilation, the hotness
//! counters, background tier-up, and instances and threads sharing a tiering module.

use wasmo::artifact::Module;
use wasmo::engine::{Config, Engine, Mode};
use wasmo::runtime::instance::instantiate;
use wasmo::runtime::store::{Extern, Store};
use wasmo::runtime::values::Val;
use wasmo::tier::{FuncTier, TierCounts};

const WAT: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (export "sum") (param i32) (result i64) (local i64)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func $never (export "never") (result i32) (i32.const 7))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.div_u (i32.const 1) (local.get 0)))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))
  (func $runaway (export "runaway") (call $runaway)))"#;

fn engine(lazy: bool) -> Engine {
    Engine::new(Config {
        mode: Mode::Liftoff,
        lazy,
        compile_threads: 2,
        ..Config::default()
    })
}

fn func(store: &Store, module: &Module, name: &str) -> u32 {
    let i = instantiate(store, module, &[]).unwrap();
    match store
        .instance_exports(i)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap()
        .1
    {
        Extern::Func(f) => f,
        _ => panic!("{name} is not a function"),
    }
}

fn counts(module: &Module) -> TierCounts {
    module.code().tier_counts(module.info().bodies.len())
}

fn tier_of(module: &Module, defined: u32) -> FuncTier {
    module.code().tier().unwrap().tier_of(defined)
}

fn wait(module: &Module) {
    module.code().wait_for_tier_up(module.engine().tier_queue());
}

#[test]
fn functions_compile_on_first_call_then_tier_up() {
    let engine = engine(true);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    assert_eq!(
        counts(&module),
        TierCounts {
            not_compiled: 5,
            baseline: 0,
            optimized: 0
        }
    );
    let store = Store::new(&engine);
    let fib = func(&store, &module, "fib");
    // Instantiation compiles nothing.
    assert_eq!(counts(&module).not_compiled, 5);
    assert_eq!(
        store.call(fib, &[Val::I32(20)]).unwrap(),
        vec![Val::I32(6765)]
    );
    assert_ne!(tier_of(&module, 0), FuncTier::NotCompiled);
    assert_eq!(tier_of(&module, 2), FuncTier::NotCompiled);
    wait(&module);
    assert_eq!(tier_of(&module, 0), FuncTier::Optimized);
    assert_eq!(
        counts(&module),
        TierCounts {
            not_compiled: 4,
            baseline: 0,
            optimized: 1
        }
    );
    // The same instance now runs the optimised code; a new instance starts there too.
    assert_eq!(
        store.call(fib, &[Val::I32(25)]).unwrap(),
        vec![Val::I32(75025)]
    );
    let fib2 = func(&store, &module, "fib");
    assert_eq!(
        store.call(fib2, &[Val::I32(10)]).unwrap(),
        vec![Val::I32(55)]
    );
    // A function compiled after a wait tiers up at the next wait.
    let sum = func(&store, &module, "sum");
    assert_eq!(
        store.call(sum, &[Val::I32(100_000)]).unwrap(),
        vec![Val::I64(5_000_050_000)]
    );
    wait(&module);
    assert_eq!(tier_of(&module, 1), FuncTier::Optimized);
    assert_eq!(counts(&module).not_compiled, 3);
    engine.stop_tier_up();
}

#[test]
fn baseline_code_counts_entries_and_loop_iterations() {
    let engine = engine(true);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let store = Store::new(&engine);
    let sum = func(&store, &module, "sum");
    // The first call runs the baseline code it has just compiled, start to end.
    store.call(sum, &[Val::I32(5000)]).unwrap();
    let tier = module.code().tier().unwrap();
    let count = tier.counters[1].load(std::sync::atomic::Ordering::Relaxed);
    assert!(count > 5000, "entry + loop headers counted: {count}");
    assert_eq!(
        tier.counters[2].load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    engine.stop_tier_up();
}

#[test]
fn traps_and_stack_exhaustion_in_every_tier() {
    let engine = engine(true);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let store = Store::new(&engine);
    let deep = func(&store, &module, "deep");
    let runaway = func(&store, &module, "runaway");
    for round in 0..2 {
        let trap = store.call(deep, &[Val::I32(3)]).unwrap_err();
        assert_eq!(trap.message, "integer divide by zero", "round {round}");
        // The innermost frame first: deep(0), then the three calls that led there.
        let funcs: Vec<u32> = trap.frames.iter().map(|f| f.func_index).collect();
        assert_eq!(funcs, [3, 3, 3, 3], "round {round}");
        let trap = store.call(runaway, &[]).unwrap_err();
        assert_eq!(trap.message, "call stack exhausted", "round {round}");
        wait(&module);
    }
    assert_eq!(tier_of(&module, 3), FuncTier::Optimized);
    assert_eq!(tier_of(&module, 4), FuncTier::Optimized);
    engine.stop_tier_up();
}

#[test]
fn eager_baseline_compiles_everything_up_front() {
    let engine = engine(false);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    assert_eq!(counts(&module).not_compiled, 0);
    let store = Store::new(&engine);
    let never = func(&store, &module, "never");
    assert_eq!(store.call(never, &[]).unwrap(), vec![Val::I32(7)]);
    wait(&module);
    assert_eq!(
        counts(&module),
        TierCounts {
            not_compiled: 0,
            baseline: 0,
            optimized: 5
        }
    );
    engine.stop_tier_up();
}

#[test]
fn threads_share_a_module_while_it_tiers_up() {
    let engine = engine(true);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let module = module.clone();
            let engine = engine.clone();
            s.spawn(move || {
                for round in 0..20 {
                    let store = Store::new(&engine);
                    let fib = func(&store, &module, "fib");
                    let n = 10 + (t + round) % 8;
                    let expected = [55, 89, 144, 233, 377, 610, 987, 1597][(n - 10) as usize];
                    assert_eq!(
                        store.call(fib, &[Val::I32(n)]).unwrap(),
                        vec![Val::I32(expected)]
                    );
                }
            });
        }
    });
    wait(&module);
    assert_eq!(tier_of(&module, 0), FuncTier::Optimized);
    engine.stop_tier_up();
}

#[test]
fn a_first_call_also_compiles_the_callees_it_is_about_to_run() {
    let engine = engine(true);
    let wat = r#"(module
      (func $a (export "a") (result i32) (i32.add (call $b) (call $c)))
      (func $b (result i32) (call $d))
      (func $c (result i32) (i32.const 2))
      (func $d (result i32) (i32.const 1))
      (func $e (export "e") (result i32) (i32.const 5)))"#;
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let store = Store::new(&engine);
    let a = func(&store, &module, "a");
    assert_eq!(store.call(a, &[]).unwrap(), vec![Val::I32(3)]);
    // One compilation covered a, its callees b and c, and b's callee d; e stays uncompiled.
    assert_eq!(counts(&module).not_compiled, 1);
    assert_eq!(tier_of(&module, 4), FuncTier::NotCompiled);
    engine.stop_tier_up();
}

#[test]
fn host_calls_a_function_whose_signature_no_export_has() {
    // `$hidden`'s signature belongs to no export, so lift-off mode has no trampoline for it
    // until the host first calls it (through the reference `get` returns).
    let wat = r#"(module
      (func $hidden (param i64 f64) (result f64)
        (f64.add (f64.convert_i64_s (local.get 0)) (local.get 1)))
      (elem declare func $hidden)
      (func (export "get") (result funcref) (ref.func $hidden)))"#;
    for lazy in [true, false] {
        let engine = engine(lazy);
        let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
        let store = Store::new(&engine);
        let get = func(&store, &module, "get");
        let Val::FuncRef(r) = store.call(get, &[]).unwrap()[0] else {
            panic!("not a funcref")
        };
        let hidden = store.func_from_ref(r).unwrap();
        for _ in 0..2 {
            let out = store.call(hidden, &[Val::I64(40), Val::F64(2.5f64.to_bits())]);
            assert_eq!(out.unwrap(), vec![Val::F64(42.5f64.to_bits())]);
        }
    }
}
