//! On-stack replacement (`compile::osr`): a loop running in baseline code continues in optimised
//! code, with every local and stack value carried across, in lift-off mode through the runtime's
//! Rust API.
//!
//! Each loop runs until the host import `entered` says the module has taken an entry (or, as a
//! bound, 60 seconds have passed, after which the test fails instead of hanging). What the code
//! computes depends only on how many iterations it ran, which it returns, so each result is
//! checked exactly; the same module in optimised mode (where `entered` answers 1 at once, as
//! there is no baseline code) checks the formulas.
//!
//! Only the fast grade of baseline code checks for entries (functions of more than
//! `LOOP_BASELINE_MAX_BYTES`), so each function here starts with [`PAD`], a branch never taken
//! over 4.5 KB of code.

use std::time::{Duration, Instant};
use wasmo::artifact::Module;
use wasmo::engine::{Config, Engine, Mode};
use wasmo::module::types::{FuncType, ValType};
use wasmo::runtime::instance::instantiate;
use wasmo::runtime::store::{Extern, Store};
use wasmo::runtime::values::Val;

const WAT: &str = r#"(module
  (import "host" "entered" (func $entered (result i32)))
  (tag $e (param i32))
  (memory 1)
  ;; Values on the stack below the loop, loop parameters, locals of every number type and v128,
  ;; several results, and code after the loop using all of them.
  (func (export "work") (param $limit i32) (result i64 f64 i32 i32 f32)
    (local $i i32) (local $acc i64) (local $f f64) (local $v v128) (local $g f32)
    PAD
    (local.set $v (v128.const i32x4 1 2 3 4))
    (local.set $g (f32.const 1.5))
    (i64.const 7)
    (f64.const 0.5)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (local.set $i)
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
      (local.set $f (f64.add (local.get $f) (f64.const 0.25)))
      (local.set $v (i32x4.add (local.get $v) (v128.const i32x4 1 1 1 1)))
      (i32.store (i32.const 64) (local.get $i))
      (i32.add (local.get $i) (i32.const 1))
      (br_if $l (i32.or (i32.lt_u (local.get $i) (local.get $limit))
                        (i32.eqz (call $entered)))))
    (local.set $i)
    (f64.add (local.get $f))
    (local.set $f)
    (i64.add (local.get $acc))
    (i64.add (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v))))
    (local.get $f)
    (local.get $i)
    (i32.load (i32.const 64))
    (local.get $g))
  ;; Nested loops: the inner one is the hot one; the outer carries a sum on the stack.
  (func (export "nested") (result i32 i32)
    (local $i i32) (local $j i32) (local $rounds i32)
    PAD
    (i32.const 100)
    (block $out (param i32) (result i32)
      (loop $outer (param i32) (result i32)
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.const 1000))))
        (i32.add (local.get $j))
        (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
        (br_if $out (call $entered))
        (br $outer)))
    (local.get $rounds))
  (func $boom (i32.store (i32.const 0) (i32.div_u (i32.const 1) (i32.const 0))))
  (func (export "trap_after")
    PAD
    (loop $l (br_if $l (i32.eqz (call $entered))))
    (call $boom))
  (func $thrower (param i32)
    PAD
    (loop $l (br_if $l (i32.eqz (call $entered))))
    (throw $e (local.get 0)))
  (func (export "catch_after") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $thrower (local.get 0)))
      (i32.const -1)))
  (func $seven (param i32) (result i32) (i32.add (local.get 0) (i32.const 7)))
  (func (export "tail_after") (param i32) (result i32)
    PAD
    (loop $l (br_if $l (i32.eqz (call $entered))))
    (return_call $seven (local.get 0)))
  ;; A loop inside a handler never leaves baseline code (its frame's landing pads are its own).
  (func (export "in_handler") (param $n i32) (result i32) (local $i i32)
    PAD
    (block $h (result i32)
      (try_table (catch $e $h)
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
      (local.get $i))))"#;

/// Code that never runs and makes a function too large for the loop grade of baseline code.
fn pad() -> String {
    format!(
        "(if (i32.eqz (i32.const 1)) (then {}))",
        "(drop (i32.const 1))".repeat(1500)
    )
}

struct Fixture {
    module: Module,
    store: Store,
    exports: Vec<(String, Extern)>,
}

fn fixture(mode: Mode) -> Fixture {
    let engine = Engine::new(Config {
        mode,
        ..Config::default()
    });
    let text = WAT.replace("PAD", &pad());
    let module = Module::new(&engine, &wat::parse_str(text).unwrap()).unwrap();
    let store = Store::new(&engine);
    let watched = module.clone();
    let started = Instant::now();
    let entered = store
        .new_host_func(
            FuncType::new(vec![], vec![ValType::I32]),
            Box::new(move |_, _, results| {
                let yes = match watched.code().tier() {
                    Some(tier) => tier.osr_count() > 0,
                    None => true,
                };
                let give_up = started.elapsed() > Duration::from_secs(60);
                results[0] = Val::I32((yes || give_up) as i32);
                Ok(())
            }),
        )
        .unwrap();
    let i = instantiate(&store, &module, &[Extern::Func(entered)]).unwrap();
    let exports = store.instance_exports(i);
    Fixture {
        module,
        store,
        exports,
    }
}

impl Fixture {
    fn call(&self, name: &str, args: &[Val]) -> Result<Vec<Val>, wasmo::runtime::trap::Trap> {
        let f = match self.exports.iter().find(|(n, _)| n == name).unwrap().1 {
            Extern::Func(f) => f,
            _ => panic!("{name} is not a function"),
        };
        self.store.call(f, args)
    }

    fn osr_count(&self) -> u32 {
        self.module.code().tier().map_or(0, |t| t.osr_count())
    }
}

/// `work`'s results for a loop that ran `n` iterations.
fn work_results(n: u32) -> Vec<Val> {
    let n64 = u64::from(n);
    vec![
        Val::I64((n64 * (n64 - 1) / 2 + 7 + 4 + n64) as i64),
        Val::F64((0.5 + 0.25 * f64::from(n)).to_bits()),
        Val::I32(n as i32),
        Val::I32(n as i32 - 1),
        Val::F32(1.5f32.to_bits()),
    ]
}

fn iterations(results: &[Val]) -> u32 {
    match results[2] {
        Val::I32(n) => n as u32,
        _ => panic!("work returns its iteration count third: {results:?}"),
    }
}

#[test]
fn a_long_loop_continues_in_optimised_code_with_its_state() {
    let lift_off = fixture(Mode::Liftoff);
    let results = lift_off.call("work", &[Val::I32(1000)]).unwrap();
    assert!(lift_off.osr_count() > 0, "the loop entered optimised code");
    let n = iterations(&results);
    assert!(n > 1000);
    assert_eq!(results, work_results(n));
    // Optimised mode runs the limit exactly, by the same formulas.
    let optimised = fixture(Mode::Optimized);
    let results = optimised.call("work", &[Val::I32(5000)]).unwrap();
    assert_eq!(results, work_results(5001));
    assert_eq!(optimised.osr_count(), 0);
}

#[test]
fn nested_loops_carry_the_outer_stack_into_the_inner_entry() {
    let f = fixture(Mode::Liftoff);
    let results = f.call("nested", &[]).unwrap();
    assert!(f.osr_count() > 0);
    let (Val::I32(sum), Val::I32(rounds)) = (results[0], results[1]) else {
        panic!("{results:?}")
    };
    assert!(rounds > 0);
    assert_eq!(sum, 100 + 1000 * rounds);
}

#[test]
fn traps_after_the_entry_show_each_activation_once() {
    let f = fixture(Mode::Liftoff);
    let trap = f.call("trap_after", &[]).unwrap_err();
    assert!(f.osr_count() > 0);
    assert_eq!(trap.message, "integer divide by zero");
    let frames: Vec<u32> = trap.frames.iter().map(|fr| fr.func_index).collect();
    // $boom (function 3), then trap_after (4): the baseline frame under the entry is left out.
    assert_eq!(frames, vec![3, 4]);
    // The store stays usable.
    assert_eq!(
        f.call("tail_after", &[Val::I32(1)]).unwrap(),
        vec![Val::I32(8)]
    );
}

#[test]
fn exceptions_and_tail_calls_leave_an_entry_as_from_any_frame() {
    let f = fixture(Mode::Liftoff);
    assert_eq!(
        f.call("catch_after", &[Val::I32(42)]).unwrap(),
        vec![Val::I32(42)]
    );
    assert!(f.osr_count() > 0);
    let g = fixture(Mode::Liftoff);
    assert_eq!(
        g.call("tail_after", &[Val::I32(35)]).unwrap(),
        vec![Val::I32(42)]
    );
    assert!(g.osr_count() > 0);
}

#[test]
fn loops_inside_handlers_stay_in_baseline_code() {
    let f = fixture(Mode::Liftoff);
    assert_eq!(
        f.call("in_handler", &[Val::I32(20_000_000)]).unwrap(),
        vec![Val::I32(20_000_000)]
    );
    assert_eq!(f.osr_count(), 0);
}
