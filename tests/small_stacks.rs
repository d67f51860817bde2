//! Wasm on threads with small stacks (thread pools often give 256 KiB): the host reserve below
//! wasm code is sized from the thread's own stack, so trivial calls work there and deep
//! recursion still traps cleanly (issue 14, finding 6).

use wasmo::api::{Config, Engine, Instance, Mode, Module, Store, Val};

const WAT: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))"#;

fn run_on_thread(mode: Mode, stack: usize) -> (Vec<Val>, Vec<Val>, String) {
    // Compiled here: LLVM itself needs more stack than the small thread has.
    let engine = Engine::new(Config {
        mode,
        lazy: false,
        compile_threads: 1,
        ..Config::default()
    });
    let module = Module::from_text(&engine, WAT).unwrap();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let store = Store::new(&engine);
            let instance = Instance::new(&store, &module, &[]).unwrap();
            let add = instance.get_func(&store, "add").unwrap();
            let down = instance.get_func(&store, "down").unwrap();
            let sum = add.call(&store, &[Val::I32(2), Val::I32(3)]).unwrap();
            let shallow = down.call(&store, &[Val::I32(100)]).unwrap();
            let deep = down.call(&store, &[Val::I32(100_000_000)]).unwrap_err();
            // The store stays usable after the trap.
            assert_eq!(
                add.call(&store, &[Val::I32(1), Val::I32(1)]).unwrap(),
                [Val::I32(2)]
            );
            let _ = shallow;
            (
                sum,
                down.call(&store, &[Val::I32(100)]).unwrap(),
                deep.message,
            )
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn calls_work_on_a_256_kib_stack_and_deep_recursion_traps() {
    for mode in [Mode::Optimized, Mode::Liftoff] {
        let (sum, shallow, deep) = run_on_thread(mode, 256 * 1024);
        assert_eq!(sum, [Val::I32(5)], "{mode:?}");
        assert_eq!(shallow, [Val::I32(100)], "{mode:?}");
        assert_eq!(deep, "call stack exhausted", "{mode:?}");
    }
}

#[test]
fn calls_work_on_a_128_kib_stack() {
    let (sum, shallow, deep) = run_on_thread(Mode::Optimized, 128 * 1024);
    assert_eq!(sum, [Val::I32(5)]);
    assert_eq!(shallow, [Val::I32(100)]);
    assert_eq!(deep, "call stack exhausted");
}
