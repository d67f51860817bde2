//! Lift-off (the default mode) keeps two threads per engine, which a child made by `fork()` does
//! not have: the child starts its own when it needs them (lazy compilation, tier-up) and never
//! waits for its parent's at exit (`tier::Thread`). Its own test binary, so that no other test
//! runs threads when it forks.

use wasmo::api::{Config, Engine, FuncTier, Mode, Module, Store, Val};

const WAT: &str = r#"(module
  (func $hot (export "hot") (param i32) (result i32)
    (local $acc i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set $acc (i32.add (local.get $acc) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get $acc))
  (func $cold (export "cold") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#;

fn call(engine: &Engine, module: &Module, name: &str, n: i32) -> i32 {
    let store = Store::new(engine);
    let instance = wasmo::api::Instance::new(&store, module, &[]).unwrap();
    let f = instance.get_func(&store, name).unwrap();
    match f.call(&store, &[Val::I32(n)]).unwrap()[..] {
        [Val::I32(v)] => v,
        ref other => panic!("{name} returned {other:?}"),
    }
}

#[test]
fn a_forked_child_compiles_tiers_up_and_exits_on_its_own_threads() {
    let engine = Engine::new(Config {
        mode: Mode::Liftoff,
        ..Config::default()
    });
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    // The parent's lazy compiler and tier-up worker are running.
    assert_eq!(call(&engine, &module, "hot", 10), 55);
    assert_eq!(module.func_tier(1), FuncTier::NotCompiled);
    // SAFETY: this test binary runs this one test; the child only uses Wasmo and exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: plain calls in the child; the alarm turns a hang into a failure.
        unsafe { libc::alarm(60) };
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // A function the parent never compiled: the child's own lazy compiler.
            assert_eq!(call(&engine, &module, "cold", 5), 15);
            for _ in 0..1500 {
                assert_eq!(call(&engine, &module, "hot", 3), 6);
            }
            // The child's own tier-up worker.
            module.wait_for_tier_up();
            assert_eq!(module.func_tier(0), FuncTier::Optimized);
            assert_eq!(call(&engine, &module, "hot", 100), 5050);
        }))
        .is_ok();
        // `exit` (not `_exit`): its handlers stop the workers, which must not wait for the
        // parent's threads.
        unsafe { libc::exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child made above.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed: status {status:#x}"
    );
    // The parent's engine is untouched.
    assert_eq!(call(&engine, &module, "cold", 2), 6);
}
