//! 64-bit memories and tables (memory64) at their edges, in every compile mode (optimised at
//! -O0 and -O2, lift-off baseline and tiered up) and through serialisation. The testsuite crate
//! has no table64 scripts (the official testsuite's `table_*64.wast` are run with
//! `WASMO_SPEC_DIR`, not in CI), so what they check is checked here too.

use wasmo::api::{Config, Engine, Instance, Mode, Module, Store, Val};

fn engines() -> Vec<(&'static str, Engine, bool)> {
    let opt = |level| Config {
        mode: Mode::Optimized,
        opt_level: level,
        compile_threads: 1,
        ..Config::default()
    };
    let liftoff = Config {
        mode: Mode::Liftoff,
        lazy: false,
        compile_threads: 1,
        ..Config::default()
    };
    vec![
        ("optimised -O0", Engine::new(opt(0)), false),
        ("optimised -O2", Engine::new(opt(2)), false),
        ("lift-off baseline", Engine::new(liftoff.clone()), false),
        ("lift-off tiered up", Engine::new(liftoff), true),
    ]
}

const MODULE: &str = r#"(module
  (type $ret (func (result i32)))
  (table $t i64 3 10 funcref)
  (table $small 2 funcref)
  (memory $m i64 1 3)
  (elem (table $t) (i64.const 1) func $seven $eight)
  (elem $passive func $eight $seven)
  (func $seven (result i32) i32.const 7)
  (func $eight (result i32) i32.const 8)
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $ret) (local.get 0)))
  (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "size") (result i64) (table.size $t))
  (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "set") (param i64) (table.set $t (local.get 0) (ref.func $seven)))
  (func (export "fill") (param i64 i64) (table.fill $t (local.get 0) (ref.func $eight) (local.get 1)))
  (func (export "copy_in") (param i64 i64 i64) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_mixed") (param i64 i32 i32) (table.copy $t $small (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i64 i32 i32) (table.init $t $passive (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load") (param i64) (result i32) (i32.load offset=1 (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "msize") (result i64) (memory.size))
  (func (export "mgrow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "mfill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "mcopy") (param i64 i64 i64) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (elem declare func $seven $eight))"#;

const TABLE_OOB: &str = "out of bounds table access";
const UNDEFINED: &str = "undefined element";
const MEMORY_OOB: &str = "out of bounds memory access";

/// (export, arguments, the result or the trap message it must give), in order: each step sees
/// what the steps before it did.
type Step = (&'static str, Vec<Val>, Result<Vec<Val>, &'static str>);

fn steps() -> Vec<Step> {
    let i = Val::I64;
    let w = Val::I32;
    vec![
        ("size", vec![], Ok(vec![i(3)])),
        ("call", vec![i(1)], Ok(vec![w(7)])),
        ("call", vec![i(2)], Ok(vec![w(8)])),
        ("call", vec![i(0)], Err("uninitialized element")),
        ("call", vec![i(3)], Err(UNDEFINED)),
        // An index past 2^32 is out of bounds, not wrapped to 1.
        ("call", vec![i(0x1_0000_0001)], Err(UNDEFINED)),
        ("call", vec![i(-1)], Err(UNDEFINED)),
        ("is_null", vec![i(0)], Ok(vec![w(1)])),
        ("is_null", vec![i(0x1_0000_0000)], Err(TABLE_OOB)),
        ("set", vec![i(0)], Ok(vec![])),
        ("call", vec![i(0)], Ok(vec![w(7)])),
        ("grow", vec![i(0x1_0000_0000)], Ok(vec![i(-1)])),
        ("grow", vec![i(8)], Ok(vec![i(-1)])),
        ("grow", vec![i(2)], Ok(vec![i(3)])),
        ("size", vec![], Ok(vec![i(5)])),
        ("fill", vec![i(3), i(2)], Ok(vec![])),
        ("call", vec![i(4)], Ok(vec![w(8)])),
        ("fill", vec![i(4), i(2)], Err(TABLE_OOB)),
        ("fill", vec![i(1), i(-1)], Err(TABLE_OOB)),
        ("copy_in", vec![i(3), i(1), i(2)], Ok(vec![])),
        ("call", vec![i(3)], Ok(vec![w(7)])),
        ("copy_in", vec![i(0), i(-2), i(2)], Err(TABLE_OOB)),
        ("copy_mixed", vec![i(0), w(0), w(3)], Err(TABLE_OOB)),
        ("copy_mixed", vec![i(0), w(0), w(2)], Ok(vec![])),
        ("is_null", vec![i(0)], Ok(vec![w(1)])),
        ("init", vec![i(3), w(0), w(2)], Ok(vec![])),
        ("call", vec![i(3)], Ok(vec![w(8)])),
        ("init", vec![i(-1), w(0), w(1)], Err(TABLE_OOB)),
        // Memory: an access ending exactly at the end is in bounds; one byte further is not;
        // an address whose sum with the offset passes 2^64 traps instead of wrapping.
        ("store", vec![i(65532), w(0x0102_0304)], Ok(vec![])),
        ("load", vec![i(65531)], Ok(vec![w(0x0102_0304)])),
        ("load", vec![i(65532)], Err(MEMORY_OOB)),
        ("load", vec![i(-1)], Err(MEMORY_OOB)),
        ("load", vec![i(0x1_0000_0000)], Err(MEMORY_OOB)),
        ("msize", vec![], Ok(vec![i(1)])),
        ("mgrow", vec![i(3)], Ok(vec![i(-1)])),
        ("mgrow", vec![i(2)], Ok(vec![i(1)])),
        ("load", vec![i(65532)], Ok(vec![w(0x01_02_03)])),
        ("mfill", vec![i(3 * 65536 - 4), w(0xab), i(4)], Ok(vec![])),
        (
            "mfill",
            vec![i(3 * 65536 - 4), w(0xab), i(5)],
            Err(MEMORY_OOB),
        ),
        ("mcopy", vec![i(0), i(3 * 65536 - 4), i(4)], Ok(vec![])),
        (
            "load",
            vec![i(3 * 65536 - 5)],
            Ok(vec![w(0xabab_abab_u32 as i32)]),
        ),
        ("mcopy", vec![i(0), i(-1), i(2)], Err(MEMORY_OOB)),
    ]
}

#[test]
fn sixty_four_bit_tables_and_memories_at_their_edges() {
    let bytes = wat::parse_str(MODULE).unwrap();
    for (name, engine, tier_up) in engines() {
        for serialised in [false, true] {
            let mut module = Module::new(&engine, &bytes).unwrap();
            if serialised {
                module = Module::deserialize(&engine, &module.serialize().unwrap()).unwrap();
            }
            let store = Store::new(&engine);
            let instance = Instance::new(&store, &module, &[]).unwrap();
            let how = format!("{name}{}", if serialised { ", serialised" } else { "" });
            for (k, (export, args, expected)) in steps().into_iter().enumerate() {
                let f = instance.get_func(&store, export).unwrap();
                if tier_up && k == 0 {
                    // Run everything once, then wait for the optimised code.
                    module.wait_for_tier_up();
                }
                let got = f.call(&store, &args).map_err(|t| t.message.clone());
                match (&got, &expected) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (Err(a), Err(b)) if a.contains(b) => {}
                    _ => panic!(
                        "{how}: step {k} {export}{args:?}: got {got:?}, expected {expected:?}"
                    ),
                }
            }
        }
        engine.stop_tier_up();
    }
}
