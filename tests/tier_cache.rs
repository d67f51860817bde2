//! Tier-up survives the process (issue 16): in lift-off mode with a code cache, the optimised
//! code the tier-up worker makes goes to the cache's tier-up record, and the next process that
//! creates the same module starts with those functions optimised, before any call. A damaged
//! record is a miss: the module starts on lazy baseline code as without a cache.
//!
//! The second process is this test binary again, running the ignored test `child` (see
//! `second_process`).

use std::path::{Path, PathBuf};
use wasmo::api::{Config, Engine, Mode, Module, Store, Val};

/// `hot` is called often enough to tier up; `cold` never runs.
const WAT: &str = r#"(module
  (func $hot (export "hot") (param i32) (result i32)
    (local $acc i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get 0) (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get $acc))
  (func $cold (export "cold") (result i32) (i32.const 7)))"#;

fn engine(dir: &Path) -> Engine {
    Engine::new(Config {
        mode: Mode::Liftoff,
        compile_threads: 1,
        cache_dir: Some(dir.to_path_buf()),
        ..Config::default()
    })
}

fn call_hot(engine: &Engine, module: &Module, n: i32) -> i32 {
    let store = Store::new(engine);
    let instance = wasmo::api::Instance::new(&store, module, &[]).unwrap();
    let hot = instance.get_func(&store, "hot").unwrap();
    match hot.call(&store, &[Val::I32(n)]).unwrap()[..] {
        [Val::I32(v)] => v,
        ref other => panic!("hot returned {other:?}"),
    }
}

fn expected(n: i32) -> i32 {
    (1..=n).fold(0i32, |acc, i| acc.wrapping_add(i.wrapping_mul(i)))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmo-tier-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tier_records(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tier"))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `hot` in a fresh engine until tier-up has optimised it; the record is then on disk.
fn tier_up_once(dir: &Path, wasm: &[u8]) {
    let engine = engine(dir);
    let module = Module::new(&engine, wasm).unwrap();
    assert_eq!(module.tier_counts().optimized, 0, "nothing recorded yet");
    for _ in 0..2000 {
        assert_eq!(call_hot(&engine, &module, 3), expected(3));
    }
    module.wait_for_tier_up();
    assert_eq!(module.func_tier(0), wasmo::api::FuncTier::Optimized);
    assert_eq!(tier_records(dir).len(), 1, "one tier-up record");
}

#[test]
fn the_next_engine_starts_with_the_optimised_code_and_a_damaged_record_is_a_miss() {
    let dir = temp_dir("engine");
    let wasm = wat::parse_str(WAT).unwrap();
    tier_up_once(&dir, &wasm);

    let engine = engine(&dir);
    let module = Module::new(&engine, &wasm).unwrap();
    // Before any instance or call: `hot` is optimised, `cold` has no code yet.
    assert_eq!(module.func_tier(0), wasmo::api::FuncTier::Optimized);
    assert_eq!(module.func_tier(1), wasmo::api::FuncTier::NotCompiled);
    assert_eq!(call_hot(&engine, &module, 1000), expected(1000));
    // This engine's tier-up adds to the record: `cold` made hot, the next engine has both.
    {
        let store = Store::new(&engine);
        let instance = wasmo::api::Instance::new(&store, &module, &[]).unwrap();
        let cold = instance.get_func(&store, "cold").unwrap();
        for _ in 0..2000 {
            assert!(matches!(cold.call(&store, &[]).unwrap()[..], [Val::I32(7)]));
        }
        module.wait_for_tier_up();
        let third = self::engine(&dir);
        let module = Module::new(&third, &wasm).unwrap();
        assert_eq!(module.tier_counts().optimized, 2);
        assert_eq!(call_hot(&third, &module, 5), expected(5));
    }

    // A flipped byte, a truncated record, and the record of another module under this key:
    // each a miss (nothing optimised at start), and the module still runs.
    let record = tier_records(&dir).pop().unwrap();
    let good = std::fs::read(&record).unwrap();
    let mut flipped = good.clone();
    flipped[good.len() * 2 / 3] ^= 0x40;
    let other_dir = temp_dir("other");
    let other = WAT.replace("(i32.const 7)", "(i32.const 8)");
    let other = wat::parse_str(&other).unwrap();
    tier_up_once(&other_dir, &other);
    let foreign = std::fs::read(tier_records(&other_dir).pop().unwrap()).unwrap();
    for bad in [flipped, good[..good.len() / 2].to_vec(), foreign] {
        std::fs::write(&record, &bad).unwrap();
        let engine = self::engine(&dir);
        let module = Module::new(&engine, &wasm).unwrap();
        assert_eq!(module.tier_counts().optimized, 0);
        assert_eq!(call_hot(&engine, &module, 10), expected(10));
    }
    // Nor is a record a serialised module.
    let e = Module::deserialize(&engine, &good).err().unwrap();
    assert!(e.to_string().contains("tier-up record"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&other_dir).unwrap();
}

#[test]
fn second_process() {
    let dir = temp_dir("process");
    let wasm = wat::parse_str(WAT).unwrap();
    tier_up_once(&dir, &wasm);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child", "--nocapture"])
        .env("WASMO_TIER_CACHE_TEST_DIR", &dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The second process of `second_process` (ignored when run alone: it needs the first's cache).
#[test]
#[ignore]
fn child() {
    let dir = PathBuf::from(std::env::var_os("WASMO_TIER_CACHE_TEST_DIR").unwrap());
    let wasm = wat::parse_str(WAT).unwrap();
    let engine = engine(&dir);
    let module = Module::new(&engine, &wasm).unwrap();
    assert_eq!(module.func_tier(0), wasmo::api::FuncTier::Optimized);
    assert_eq!(module.tier_counts().not_compiled, 1);
    assert_eq!(call_hot(&engine, &module, 1000), expected(1000));
}
