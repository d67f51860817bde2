//! Epoch interruption through the public API: another thread stops an infinite loop in both
//! modes and after tier-up, the store stays usable, and serialized code keeps its setting.

use std::time::Duration;
use wasmo::api::{
    Config, Engine, Extern, Func, FuncTier, FuncType, Instance, Mode, Module, Store, TrapCode, Val,
};

const WAT: &str = r#"(module
  (func $spin (export "spin") (loop (br 0)))
  (func $sum (export "sum") (param i32) (result i64) (local i64)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func $calls (export "calls") (loop (call $leaf) (br 0)))
  (func $leaf)
  ;; No loop at all: 2^60 calls at a depth of 60 (checked at each entry).
  (func $t (param i32)
    (if (local.get 0) (then
      (call $t (i32.sub (local.get 0) (i32.const 1)))
      (call $t (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "tree") (call $t (i32.const 60)))
  ;; A loop whose back-edge has no check of its own: the recursive call in it checks at its
  ;; entry (and must stay a call).
  (func $r (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 0))))
    (loop (drop (call $r (i32.const 0))) (br 0))
    (i32.const 1))
  (func (export "self_loop") (drop (call $r (i32.const 1)))))"#;

fn engine(mode: Mode, epoch: bool) -> Engine {
    let mut config = Config::builtin();
    config.mode = mode;
    config.epoch_interruption = epoch;
    Engine::new(config)
}

/// The test module instantiated in a new store of `engine`.
fn instantiate(engine: &Engine) -> (Module, Store, Instance) {
    let module = Module::from_text(engine, WAT).unwrap();
    let store = Store::new(engine);
    let instance = Instance::new(&store, &module, &[])
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    (module, store, instance)
}

/// Calls `name` while another thread advances the epoch after 50 ms: it must trap with
/// "interrupted".
fn interrupt(engine: &Engine, store: &Store, instance: &Instance, name: &str) {
    store.set_epoch_deadline(1);
    let ticker = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            engine.increment_epoch();
        })
    };
    let func = instance.get_func(store, name).unwrap();
    let trap = func.call(store, &[]).expect_err("an endless loop returned");
    ticker.join().unwrap();
    assert_eq!(
        trap.code,
        Some(TrapCode::Interrupted),
        "{name}: {}",
        trap.message
    );
    assert_eq!(trap.message, "interrupted");
}

#[test]
fn another_thread_interrupts_endless_loops_and_the_store_stays_usable() {
    for mode in [Mode::Optimized, Mode::Liftoff] {
        let engine = engine(mode, true);
        let (module, store, instance) = instantiate(&engine);
        // No deadline yet: code runs to completion.
        let sum = instance.get_func(&store, "sum").unwrap();
        assert_eq!(
            sum.call(&store, &[Val::I32(1000)]).unwrap(),
            vec![Val::I64(500500)]
        );
        interrupt(&engine, &store, &instance, "spin");
        interrupt(&engine, &store, &instance, "calls");
        interrupt(&engine, &store, &instance, "tree");
        interrupt(&engine, &store, &instance, "self_loop");
        // The deadline has passed: the next call traps at its entry, until a new deadline.
        let trap = sum.call(&store, &[Val::I32(10)]).unwrap_err();
        assert_eq!(trap.code, Some(TrapCode::Interrupted));
        store.set_epoch_deadline(1);
        assert_eq!(
            sum.call(&store, &[Val::I32(10)]).unwrap(),
            vec![Val::I64(55)]
        );
        if mode == Mode::Liftoff {
            // spin and calls are hot now: once optimised, their code checks the epoch too.
            module.wait_for_tier_up();
            assert_eq!(module.func_tier(0), FuncTier::Optimized);
            interrupt(&engine, &store, &instance, "spin");
            interrupt(&engine, &store, &instance, "calls");
            interrupt(&engine, &store, &instance, "tree");
            interrupt(&engine, &store, &instance, "self_loop");
        }
    }
}

#[test]
fn a_deadline_of_zero_ticks_interrupts_at_once() {
    let engine = engine(Mode::Optimized, true);
    let (_, store, instance) = instantiate(&engine);
    store.set_epoch_deadline(0);
    let trap = instance
        .get_func(&store, "sum")
        .unwrap()
        .call(&store, &[Val::I32(3)])
        .unwrap_err();
    assert_eq!(trap.code, Some(TrapCode::Interrupted));
}

/// Function entries check through the stack limit, which the engine poisons when it reaches a
/// deadline: a host function that advances the epoch from wasm's own thread stops the next
/// call, one that moves the deadline on lifts the poison, and the stack's real end still traps
/// as exhaustion.
#[test]
fn entries_see_the_deadline_reached_and_moved_from_host_functions() {
    const HOSTS: &str = r#"(module
      (import "host" "tick" (func $tick))
      (import "host" "extend" (func $extend))
      (func $leaf (result i32) (i32.const 42))
      (func (export "tick_then_call") (result i32) (call $tick) (call $leaf))
      (func (export "tick_extend_then_call") (result i32) (call $tick) (call $extend) (call $leaf))
      (func $deep (export "deep") (param i32) (result i32)
        (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))"#;
    for mode in [Mode::Optimized, Mode::Liftoff] {
        let engine = engine(mode, true);
        let module = Module::from_text(&engine, HOSTS).unwrap();
        let store = Store::new(&engine);
        let none = FuncType::new(vec![], vec![]);
        let ticker = engine.clone();
        let tick = Func::new(&store, none.clone(), move |_, _, _| {
            ticker.increment_epoch();
            Ok(())
        })
        .unwrap();
        let extend = Func::new(&store, none, |store, _, _| {
            store.set_epoch_deadline(1000);
            Ok(())
        })
        .unwrap();
        let instance =
            Instance::new(&store, &module, &[Extern::Func(tick), Extern::Func(extend)]).unwrap();
        let call = |name: &str| instance.get_func(&store, name).unwrap().call(&store, &[]);

        store.set_epoch_deadline(1);
        let trap = call("tick_then_call").unwrap_err();
        assert_eq!(
            trap.code,
            Some(TrapCode::Interrupted),
            "{mode:?}: {}",
            trap.message
        );
        store.set_epoch_deadline(1);
        assert_eq!(
            call("tick_extend_then_call").unwrap(),
            vec![Val::I32(42)],
            "{mode:?}"
        );

        let deep = instance.get_func(&store, "deep").unwrap();
        let trap = deep.call(&store, &[Val::I32(0)]).unwrap_err();
        assert_eq!(
            trap.code,
            Some(TrapCode::StackOverflow),
            "{mode:?}: {}",
            trap.message
        );
        assert_eq!(
            call("tick_extend_then_call").unwrap(),
            vec![Val::I32(42)],
            "{mode:?}"
        );
    }
}

/// A deadline is a store's own: reaching one store's leaves another store of the engine
/// running, and dropped stores are forgotten by the engine (increments after the drop).
#[test]
fn deadlines_are_per_store() {
    let engine = engine(Mode::Optimized, true);
    let (_, early, early_instance) = instantiate(&engine);
    let (_, late, late_instance) = instantiate(&engine);
    for _ in 0..8 {
        drop(instantiate(&engine));
    }
    early.set_epoch_deadline(1);
    late.set_epoch_deadline(3);
    engine.increment_epoch();
    let sum = |store: &Store, instance: &Instance| {
        instance
            .get_func(store, "sum")
            .unwrap()
            .call(store, &[Val::I32(4)])
    };
    assert_eq!(
        sum(&early, &early_instance).unwrap_err().code,
        Some(TrapCode::Interrupted)
    );
    assert_eq!(sum(&late, &late_instance).unwrap(), vec![Val::I64(10)]);
    engine.increment_epoch();
    assert_eq!(sum(&late, &late_instance).unwrap(), vec![Val::I64(10)]);
    engine.increment_epoch();
    assert_eq!(
        sum(&late, &late_instance).unwrap_err().code,
        Some(TrapCode::Interrupted)
    );
}

#[test]
fn without_epoch_interruption_deadlines_change_nothing() {
    let engine = engine(Mode::Optimized, false);
    let (_, store, instance) = instantiate(&engine);
    store.set_epoch_deadline(0);
    engine.increment_epoch();
    let sum = instance.get_func(&store, "sum").unwrap();
    assert_eq!(
        sum.call(&store, &[Val::I32(100)]).unwrap(),
        vec![Val::I64(5050)]
    );
}

#[test]
fn serialized_code_loads_only_with_the_same_setting() {
    let with = engine(Mode::Optimized, true);
    let without = engine(Mode::Optimized, false);
    let bytes = Module::from_text(&with, WAT).unwrap().serialize().unwrap();
    let e = Module::deserialize(&without, &bytes)
        .err()
        .expect("refused");
    assert!(
        e.to_string()
            .contains("compiled with epoch interruption, which this engine has off"),
        "{e}"
    );
    let back = Module::deserialize(&with, &bytes).unwrap();
    let store = Store::new(&with);
    let instance = Instance::new(&store, &back, &[])
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    interrupt(&with, &store, &instance, "spin");
    let bytes = Module::from_text(&without, WAT)
        .unwrap()
        .serialize()
        .unwrap();
    let e = Module::deserialize(&with, &bytes).err().expect("refused");
    assert!(
        e.to_string()
            .contains("compiled without epoch interruption"),
        "{e}"
    );
}

#[test]
fn the_cli_timeout_interrupts_an_endless_loop_in_both_modes() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let wat = dir.join("interrupt-spin.wat");
    std::fs::write(&wat, r#"(module (func (export "main") (loop (br 0))))"#).unwrap();
    for mode in ["liftoff", "opt"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wasmo"))
            .args(["run", "--mode", mode, "--timeout", "200ms"])
            .arg(&wat)
            .env_remove("WASMO_MODE")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{mode}: {stderr}");
        assert!(
            stderr.contains("wasmo: trap in `main`: interrupted"),
            "{mode}: {stderr}"
        );
    }
}
