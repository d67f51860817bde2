//! WASI calls from hand-written modules: bounds checks, import checking, `proc_exit`, and a
//! call made before the memory is bound. (tests/wasi.rs runs real C programs.)

use super::*;
use crate::api::{Engine, Instance, Val};

/// Instantiates `wat` with WASI (and nothing else) and binds its memory.
fn instance(wat: &str, config: &WasiConfig) -> (Store, Instance) {
    let engine = Engine::default();
    let module = Module::from_text(&engine, wat).unwrap();
    let store = Store::new(&engine);
    let ctx = WasiCtx::new(config).unwrap();
    let imports: Vec<Extern> = ctx
        .imports(&store, &module)
        .unwrap()
        .into_iter()
        .map(|e| e.expect("only WASI imports"))
        .collect();
    let instance = Instance::new(&store, &module, &imports)
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    ctx.initialize(&store, &instance).unwrap();
    (store, instance)
}

fn call(store: &Store, instance: &Instance, name: &str, args: &[Val]) -> Vec<Val> {
    instance
        .get_func(store, name)
        .unwrap()
        .call(store, args)
        .unwrap()
}

const IO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "write") (param $iovs i32) (param $n i32) (param $out i32) (result i32)
    (call $fd_write (i32.const 1) (local.get $iovs) (local.get $n) (local.get $out)))
  (func (export "sizes") (param i32 i32) (result i32) (call $sizes (local.get 0) (local.get 1)))
  (func (export "random") (param i32 i32) (result i32) (call $random (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "exit") (param i32) (call $exit (local.get 0)) (unreachable)))"#;

#[test]
fn pointers_out_of_bounds_are_efault_and_nothing_is_written() {
    let (store, i) = instance(IO, &WasiConfig::default());
    let efault = vec![Val::I32(Errno::FAULT.0 as i32)];
    // The iovec array itself past the end, and one reaching past the end.
    assert_eq!(
        call(
            &store,
            &i,
            "write",
            &[Val::I32(65536 - 4), Val::I32(1), Val::I32(0)]
        ),
        efault
    );
    assert_eq!(
        call(
            &store,
            &i,
            "write",
            &[Val::I32(-8), Val::I32(1), Val::I32(0)]
        ),
        efault
    );
    // An iovec whose buffer wraps around the address space.
    let mem = i.get_memory(&store, "memory").unwrap();
    mem.write(&store, 0, &[0xf0, 0xff, 0xff, 0xff, 0x20, 0, 0, 0])
        .unwrap();
    assert_eq!(
        call(
            &store,
            &i,
            "write",
            &[Val::I32(0), Val::I32(1), Val::I32(16)]
        ),
        efault
    );
    // A count so large the array's size overflows.
    assert_eq!(
        call(
            &store,
            &i,
            "write",
            &[Val::I32(0), Val::I32(-1), Val::I32(16)]
        ),
        efault
    );
    // Results that do not fit.
    assert_eq!(
        call(&store, &i, "sizes", &[Val::I32(65534), Val::I32(0)]),
        efault
    );
    assert_eq!(
        call(&store, &i, "random", &[Val::I32(65000), Val::I32(1000)]),
        efault
    );
    // random_get in bounds fills the buffer (32 zero bytes stay zero with chance 2^-256).
    assert_eq!(
        call(&store, &i, "random", &[Val::I32(100), Val::I32(32)]),
        vec![Val::I32(0)]
    );
    let mut b = [0u8; 32];
    mem.read(&store, 100, &mut b).unwrap();
    assert_ne!(b, [0; 32]);
    // The store is still usable.
    assert_eq!(
        call(&store, &i, "load", &[Val::I32(0)]),
        vec![Val::I32(-16)]
    );
}

#[test]
fn proc_exit_is_a_trap_that_carries_the_status() {
    let (store, i) = instance(IO, &WasiConfig::default());
    let trap = i
        .get_func(&store, "exit")
        .unwrap()
        .call(&store, &[Val::I32(3)])
        .unwrap_err();
    assert_eq!(exit_code(&trap), Some(3));
    assert_eq!(trap.message, "the WASI program exited with status 3");
    // An ordinary trap has none.
    let trap = i
        .get_func(&store, "load")
        .unwrap()
        .call(&store, &[Val::I32(-1)])
        .unwrap_err();
    assert_eq!(exit_code(&trap), None);
}

#[test]
fn imports_are_checked_by_name_and_type_and_others_left_to_the_embedder() {
    let engine = Engine::default();
    let store = Store::new(&engine);
    let ctx = WasiCtx::new(&WasiConfig::default()).unwrap();
    let module = |wat: &str| Module::from_text(&engine, wat).unwrap();
    let unknown = module(
        r#"(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32))))"#,
    );
    let e = ctx.imports(&store, &unknown).unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown WASI import wasi_snapshot_preview1.fd_frobnicate"),
        "{e}"
    );
    let wrong = module(
        r#"(module (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32))))"#,
    );
    let e = ctx.imports(&store, &wrong).unwrap_err();
    assert!(e.to_string().contains("has type"), "{e}");
    let not_func = module(r#"(module (import "wasi_snapshot_preview1" "fd_close" (global i32)))"#);
    assert!(ctx.imports(&store, &not_func).is_err());
    let mixed = module(
        r#"(module (import "env" "f" (func)) (import "wasi_snapshot_preview1" "sched_yield" (func (result i32))))"#,
    );
    let imports = ctx.imports(&store, &mixed).unwrap();
    assert!(imports[0].is_none() && imports[1].is_some());
}

#[test]
fn a_call_before_the_memory_is_bound_traps_and_says_why() {
    let engine = Engine::default();
    let store = Store::new(&engine);
    let ctx = WasiCtx::new(&WasiConfig::default()).unwrap();
    // The start function calls WASI during instantiation, before anyone could bind the memory.
    let module = Module::from_text(
        &engine,
        r#"(module
          (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
          (memory (export "memory") 1)
          (func $start (drop (call $y)))
          (start $start))"#,
    )
    .unwrap();
    let imports: Vec<Extern> = ctx
        .imports(&store, &module)
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    match Instance::new(&store, &module, &imports) {
        Err(crate::api::InstantiationError::Trap(t)) => {
            assert!(
                t.message.contains("before the instance's memory was bound"),
                "{}",
                t.message
            )
        }
        other => panic!("expected a trap, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn stdin_bytes_then_end_of_file() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "read") (result i32 i32)
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 3))
        (i32.store (i32.const 8) (i32.const 200))
        (i32.store (i32.const 12) (i32.const 10))
        (call $read (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 16))
        (i32.load (i32.const 16))))"#;
    let config = WasiConfig {
        stdin: Stdio::Bytes(b"hello".to_vec()),
        ..Default::default()
    };
    let (store, i) = instance(wat, &config);
    assert_eq!(
        call(&store, &i, "read", &[]),
        vec![Val::I32(0), Val::I32(5)]
    );
    let mem = i.get_memory(&store, "memory").unwrap();
    let (mut a, mut b) = ([0u8; 3], [0u8; 2]);
    mem.read(&store, 100, &mut a).unwrap();
    mem.read(&store, 200, &mut b).unwrap();
    assert_eq!((&a, &b), (b"hel", b"lo"));
    assert_eq!(
        call(&store, &i, "read", &[]),
        vec![Val::I32(0), Val::I32(0)]
    );
}
