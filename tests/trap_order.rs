//! A load or store that may trap is a side effect: no optimisation may remove it, and no other
//! trap, store or call may move across it. Each module here runs in every mode Wasmo has
//! (optimised at every opt level, lift-off's baseline code, and lift-off after tier-up) and must
//! give exactly the spec's answer: the trap message, and the memory it leaves behind.
//! (Issue 14, findings 1 and 2.)

use wasmo::api::{Config, Engine, Instance, Mode, Module, Store, Val};

/// Every way of compiling a function: (name, engine, whether to wait for tier-up before calling).
fn engines() -> Vec<(String, Engine, bool)> {
    let mut v = Vec::new();
    for level in 0..=3 {
        let config = Config {
            mode: Mode::Optimized,
            opt_level: level,
            compile_threads: 1,
            ..Config::default()
        };
        v.push((format!("optimised -O{level}"), Engine::new(config), false));
    }
    let liftoff = |lazy| Config {
        mode: Mode::Liftoff,
        lazy,
        compile_threads: 1,
        ..Config::default()
    };
    v.push((
        "lift-off baseline".into(),
        Engine::new(liftoff(true)),
        false,
    ));
    v.push((
        "lift-off eager baseline".into(),
        Engine::new(liftoff(false)),
        false,
    ));
    v.push((
        "lift-off tiered up".into(),
        Engine::new(liftoff(false)),
        true,
    ));
    v
}

const OOB: &str = "out of bounds memory access";

/// Compiles `wat` on `engine` (waiting for tier-up if asked), instantiates it and calls its
/// `run` with 0: the store, the instance and what the call gave (its results or trap message).
fn run_module(engine: &Engine, tier_up: bool, what: &str, wat: &str) -> (Store, Instance, String) {
    let module = Module::from_text(engine, wat).unwrap_or_else(|e| panic!("{what}: {e}"));
    if tier_up {
        // Tier-up compiles functions once they are hot; an eager lift-off module's functions
        // all tier up in the background, and this waits for that.
        module.wait_for_tier_up();
    }
    let store = Store::new(engine);
    let instance = Instance::new(&store, &module, &[]).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let got = match run.call(&store, &[Val::I32(0)]) {
        Ok(results) => format!("returned {results:?}"),
        Err(t) => t.message,
    };
    (store, instance, got)
}

/// (what, module text, the trap `run` must give, bytes 0..4 of memory afterwards if it has one)
/// Every module exports `run` (param i32) called with 0 (for most, an address one page past the
/// end of a one-page memory is formed from it).
const CASES: &[(&str, &str, &str, Option<[u8; 4]>)] = &[
    (
        "a load whose value br discards",
        r#"(module (memory 0)
             (func (export "run") (param i32) (block (br 0 (i32.load (local.get 0))))))"#,
        OOB,
        None,
    ),
    (
        "a load whose value br_table discards",
        r#"(module (memory 0)
             (func (export "run") (param i32)
               (block (block (br_table 0 1 (i32.load (local.get 0)) (local.get 0))))))"#,
        OOB,
        None,
    ),
    (
        "a load whose value return discards",
        r#"(module (memory 0)
             (func (export "run") (param i32) (return (i64.load (local.get 0)))))"#,
        OOB,
        None,
    ),
    (
        "a load whose value return discards below the results",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i32)
               (f64.load (local.get 0)) (return (i32.const 7))))"#,
        OOB,
        None,
    ),
    (
        "a load whose value is dropped",
        r#"(module (memory 0)
             (func (export "run") (param i32) (drop (i32.load8_u (local.get 0)))))"#,
        OOB,
        None,
    ),
    (
        "a load stored into a local never read",
        r#"(module (memory 0)
             (func (export "run") (param i32) (local i32)
               (local.set 1 (i32.load16_s (local.get 0)))))"#,
        OOB,
        None,
    ),
    (
        "a load followed by unreachable",
        r#"(module (memory 0)
             (func (export "run") (param i32) (drop (i64.load32_u (local.get 0))) unreachable))"#,
        OOB,
        None,
    ),
    (
        "a v128 load whose value is dropped",
        r#"(module (memory 0)
             (func (export "run") (param i32) (drop (v128.load (local.get 0)))))"#,
        OOB,
        None,
    ),
    (
        "a store after an unused out-of-bounds load is not performed",
        r#"(module (memory (export "memory") 1)
             (func (export "run") (param i32)
               (drop (i32.load (i32.add (local.get 0) (i32.const 65536))))
               (i32.store (local.get 0) (i32.const 0x01020304))))"#,
        OOB,
        Some([0, 0, 0, 0]),
    ),
    (
        "a store before an out-of-bounds load is performed, the one after it is not",
        r#"(module (memory (export "memory") 1)
             (func (export "run") (param i32)
               (i32.store8 (local.get 0) (i32.const 9))
               (drop (i32.load (i32.add (local.get 0) (i32.const 65536))))
               (i32.store8 offset=1 (local.get 0) (i32.const 9))))"#,
        OOB,
        Some([9, 0, 0, 0]),
    ),
    (
        "a store after an out-of-bounds store is not performed",
        r#"(module (memory (export "memory") 1)
             (func (export "run") (param i32)
               (i32.store (i32.add (local.get 0) (i32.const 65536)) (i32.const 1))
               (i32.store (local.get 0) (i32.const 5))))"#,
        OOB,
        Some([0, 0, 0, 0]),
    ),
    (
        "a store overwritten later is still a trap when out of bounds",
        r#"(module (memory (export "memory") 1)
             (func (export "run") (param i32)
               (i32.store (i32.const 65536) (i32.const 1))
               (i32.store (local.get 0) (i32.const 5))
               (i32.store (i32.const 65536) (i32.const 2))))"#,
        OOB,
        Some([0, 0, 0, 0]),
    ),
    (
        "a division by zero of a loaded value traps on the load first",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i32)
               (i32.div_u (i32.load (local.get 0)) (i32.const 0))))"#,
        OOB,
        None,
    ),
    (
        "a signed remainder by zero of a loaded value traps on the load first",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i64)
               (i64.rem_s (i64.load (local.get 0)) (i64.const 0))))"#,
        OOB,
        None,
    ),
    (
        "a division by a loaded zero traps on the load first",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i32)
               (i32.div_s (i32.const 0) (i32.load (local.get 0)))))"#,
        OOB,
        None,
    ),
    (
        "a float-to-int conversion of a loaded value traps on the load first",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i32)
               (drop (f32.load (local.get 0)))
               (i32.trunc_f32_s (f32.const nan))))"#,
        OOB,
        None,
    ),
    (
        "an integer overflow after an out-of-bounds load",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i32)
               (i32.add (i32.load (local.get 0))
                 (i32.div_s (i32.const 0x80000000) (i32.const -1)))))"#,
        OOB,
        None,
    ),
    (
        "an indirect call to a null entry after an out-of-bounds load",
        r#"(module (memory 0) (table 1 funcref)
             (func (export "run") (param i32)
               (drop (i32.load (local.get 0)))
               (call_indirect (i32.const 0))))"#,
        OOB,
        None,
    ),
    (
        "a division by zero before a load traps on the division",
        r#"(module (memory 0)
             (func (export "run") (param i32) (result i32)
               (drop (i32.div_u (i32.const 1) (local.get 0)))
               (i32.load (local.get 0))))"#,
        "integer divide by zero",
        None,
    ),
    (
        "a load in a loop whose value is unused",
        r#"(module (memory (export "memory") 1) (global $n (mut i32) (i32.const 65536))
             (func (export "run") (param i32) (local i32 i32)
               (local.set 2 (global.get $n))
               (loop
                 (drop (i32.load (local.get 1)))
                 (i32.store (local.get 0) (local.get 1))
                 (local.set 1 (i32.add (local.get 1) (i32.const 4096)))
                 (br_if 0 (i32.le_u (local.get 1) (local.get 2))))))"#,
        OOB,
        Some([0, 0xf0, 0, 0]),
    ),
    (
        "an in-bounds loop whose division traps in its fourth iteration",
        r#"(module (memory (export "memory") 1)
             (global $n (mut i32) (i32.const 16)) (global $k (mut i32) (i32.const 3))
             (func (export "run") (param i32) (local i32 i32 i32)
               (local.set 2 (global.get $n))
               (local.set 3 (global.get $k))
               (loop
                 (i32.store8 (local.get 1) (i32.add (local.get 1) (i32.const 0xf0)))
                 (drop (i32.div_u (i32.const 1) (i32.sub (local.get 3) (local.get 1))))
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br_if 0 (i32.lt_u (local.get 1) (local.get 2))))))"#,
        "integer divide by zero",
        Some([0xf0, 0xf1, 0xf2, 0xf3]),
    ),
    (
        // Optimised code versions the whole nest (the inner count, 14 - i, is negative only
        // where the guard skips the inner loop); its check fails, so the volatile copy runs.
        "a triangular nest whose stores leave the memory at i = 8",
        r#"(module (memory (export "memory") 1)
             (func (export "run") (param i32) (local i32 i32)
               (loop $outer
                 (local.set 2 (i32.add (local.get 1) (i32.const 1)))
                 (if (i32.le_u (local.get 1) (i32.const 14))
                   (then
                     (loop $inner
                       (i32.store8
                         (i32.add (local.get 2) (i32.mul (local.get 1) (i32.const 8192)))
                         (i32.add (local.get 2) (i32.const 0xf0)))
                       (local.set 2 (i32.add (local.get 2) (i32.const 1)))
                       (br_if $inner (i32.ne (local.get 2) (i32.const 16))))))
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br_if $outer (i32.ne (local.get 1) (i32.const 16))))))"#,
        OOB,
        Some([0, 0xf1, 0xf2, 0xf3]),
    ),
    (
        // A 64-bit memory: the plain copy also drops the explicit bounds checks.
        "an in-bounds loop over a 64-bit memory whose division traps in its fourth iteration",
        r#"(module (memory (export "memory") i64 1)
             (global $n (mut i64) (i64.const 16)) (global $k (mut i64) (i64.const 3))
             (func (export "run") (param i32) (local i64 i64 i64)
               (local.set 2 (global.get $n))
               (local.set 3 (global.get $k))
               (loop
                 (i64.store8 (local.get 1) (i64.add (local.get 1) (i64.const 0xf0)))
                 (drop (i64.div_u (i64.const 1) (i64.sub (local.get 3) (local.get 1))))
                 (local.set 1 (i64.add (local.get 1) (i64.const 1)))
                 (br_if 0 (i64.lt_u (local.get 1) (local.get 2))))))"#,
        "integer divide by zero",
        Some([0xf0, 0xf1, 0xf2, 0xf3]),
    ),
    (
        "a triangular nest whose stores leave a 64-bit memory at i = 8",
        r#"(module (memory (export "memory") i64 1)
             (func (export "run") (param i32) (local i32 i32)
               (loop $outer
                 (local.set 2 (i32.add (local.get 1) (i32.const 1)))
                 (if (i32.le_u (local.get 1) (i32.const 14))
                   (then
                     (loop $inner
                       (i64.store8
                         (i64.extend_i32_u
                           (i32.add (local.get 2) (i32.mul (local.get 1) (i32.const 8192))))
                         (i64.extend_i32_u (i32.add (local.get 2) (i32.const 0xf0))))
                       (local.set 2 (i32.add (local.get 2) (i32.const 1)))
                       (br_if $inner (i32.ne (local.get 2) (i32.const 16))))))
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br_if $outer (i32.ne (local.get 1) (i32.const 16))))))"#,
        OOB,
        Some([0, 0xf1, 0xf2, 0xf3]),
    ),
];

#[test]
fn trapping_accesses_are_kept_and_ordered_in_every_mode() {
    let mut failures = Vec::new();
    for (mode, engine, tier_up) in engines() {
        for (what, wat, trap, memory) in CASES {
            let (store, instance, got) = run_module(&engine, tier_up, what, wat);
            if got != *trap {
                failures.push(format!(
                    "{mode}: {what}: expected trap \"{trap}\", got {got}"
                ));
            }
            if let Some(expected) = memory {
                let mut bytes = [0u8; 4];
                let mem = instance.get_memory(&store, "memory").expect("exported");
                mem.read(&store, 0, &mut bytes).unwrap();
                if bytes != *expected {
                    failures.push(format!(
                        "{mode}: {what}: memory afterwards {bytes:?}, expected {expected:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// (what, module text, the trap `run` must give, the exported global `g` afterwards). Linear
/// memory and the runtime's structures carry different alias tags, so loads of the latter may
/// move across linear-memory stores; a store to a global must still never move across an
/// access that may trap, and a 64-bit memory's length must still be read again after it grows.
const GLOBAL_CASES: &[(&str, &str, &str, i64)] = &[
    (
        "a global set before each load of a loop that ends in a trap",
        r#"(module (memory 1) (global $g (export "g") (mut i64) (i64.const -1))
             (func (export "run") (param i32) (local i32)
               (loop
                 (global.set $g (i64.extend_i32_u (local.get 1)))
                 (drop (i32.load (i32.mul (local.get 1) (i32.const 4096))))
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br 0))))"#,
        OOB,
        16,
    ),
    (
        "a global set before each store of a 64-bit memory's loop that ends in a trap",
        r#"(module (memory i64 1) (global $g (export "g") (mut i64) (i64.const -1))
             (func (export "run") (param i32) (local i64)
               (loop
                 (global.set $g (local.get 1))
                 (i64.store (i64.mul (local.get 1) (i64.const 4096)) (local.get 1))
                 (local.set 1 (i64.add (local.get 1) (i64.const 1)))
                 (br 0))))"#,
        OOB,
        16,
    ),
    (
        "a 64-bit memory grown inside the loop that stores to each new page",
        r#"(module (memory i64 1) (global $g (export "g") (mut i64) (i64.const 0))
             (func (export "run") (param i32) (local i64)
               (loop
                 (i64.store (i64.mul (local.get 1) (i64.const 65536)) (local.get 1))
                 (global.set $g (i64.add (global.get $g) (i64.const 1)))
                 (local.set 1 (i64.add (local.get 1) (i64.const 1)))
                 (drop (memory.grow (i64.const 1)))
                 (br_if 0 (i64.lt_u (local.get 1) (i64.const 8))))
               ;; nine pages now: the length read before the loop (one page) must not be the one checked
               (i64.store (i64.const 0x8fff8) (i64.const 1))
               (global.set $g (i64.add (global.get $g) (i64.const 100)))
               (i64.store (i64.const 0x8fff9) (i64.const 1))))"#,
        OOB,
        108,
    ),
];

#[test]
fn runtime_state_around_trapping_accesses_is_exact_in_every_mode() {
    let mut failures = Vec::new();
    for (mode, engine, tier_up) in engines() {
        for (what, wat, trap, expected) in GLOBAL_CASES {
            let (store, instance, got) = run_module(&engine, tier_up, what, wat);
            if got != *trap {
                failures.push(format!(
                    "{mode}: {what}: expected trap \"{trap}\", got {got}"
                ));
            }
            let g = instance
                .get_global(&store, "g")
                .expect("exported")
                .get(&store);
            if !matches!(g, Val::I64(v) if v == *expected) {
                failures.push(format!(
                    "{mode}: {what}: global afterwards {g:?}, expected {expected}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
