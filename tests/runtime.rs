//! End-to-end checks of the runtime through its Rust API: compile, instantiate, call, trap.

use wasmo::artifact::Module;
use wasmo::engine::Engine;
use wasmo::runtime::instance::instantiate;
use wasmo::runtime::store::{Extern, Store};
use wasmo::runtime::values::Val;

fn setup(wat: &str) -> (Store, Vec<(String, Extern)>) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let store = Store::new(&engine);
    let i = instantiate(&store, &module, &[]).unwrap();
    let exports = store.instance_exports(i);
    (store, exports)
}

fn func(exports: &[(String, Extern)], name: &str) -> u32 {
    match exports.iter().find(|(n, _)| n == name).unwrap().1 {
        Extern::Func(f) => f,
        _ => panic!("{name} is not a function"),
    }
}

#[test]
fn arithmetic_control_and_recursion() {
    let (store, ex) = setup(
        r#"(module
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "multi") (result i32 i64 f64) (i32.const 1) (i64.const 2) (f64.const 3.5))
          (func (export "loop") (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (local.get 1))
          (func $runaway (export "runaway") (call $runaway)))"#,
    );
    assert_eq!(
        store.call(func(&ex, "fib"), &[Val::I32(20)]).unwrap(),
        vec![Val::I32(6765)]
    );
    assert_eq!(
        store.call(func(&ex, "loop"), &[Val::I32(100)]).unwrap(),
        vec![Val::I32(5050)]
    );
    assert_eq!(
        store.call(func(&ex, "multi"), &[]).unwrap(),
        vec![Val::I32(1), Val::I64(2), Val::F64(3.5f64.to_bits())]
    );
    let trap = store
        .call(func(&ex, "div"), &[Val::I32(1), Val::I32(0)])
        .unwrap_err();
    assert_eq!(trap.message, "integer divide by zero");
    assert_eq!(trap.frames.len(), 1);
    let trap = store.call(func(&ex, "runaway"), &[]).unwrap_err();
    assert_eq!(trap.message, "call stack exhausted");
    // The store stays usable after traps.
    assert_eq!(
        store
            .call(func(&ex, "div"), &[Val::I32(7), Val::I32(2)])
            .unwrap(),
        vec![Val::I32(3)]
    );
}

#[test]
fn memory_and_out_of_bounds() {
    let (store, ex) = setup(
        r#"(module (memory (export "m") 1 2)
          (data (i32.const 8) "\2a")
          (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "drop_load") (param i32) (drop (i32.load (local.get 0)))))"#,
    );
    assert_eq!(
        store.call(func(&ex, "load"), &[Val::I32(8)]).unwrap(),
        vec![Val::I32(42)]
    );
    let trap = store
        .call(func(&ex, "load"), &[Val::I32(65536)])
        .unwrap_err();
    assert_eq!(trap.message, "out of bounds memory access");
    let trap = store
        .call(func(&ex, "drop_load"), &[Val::I32(-1)])
        .unwrap_err();
    assert_eq!(trap.message, "out of bounds memory access");
    assert_eq!(
        store.call(func(&ex, "grow"), &[Val::I32(1)]).unwrap(),
        vec![Val::I32(1)]
    );
    assert_eq!(
        store.call(func(&ex, "load"), &[Val::I32(65536)]).unwrap(),
        vec![Val::I32(0)]
    );
    assert_eq!(
        store.call(func(&ex, "grow"), &[Val::I32(1)]).unwrap(),
        vec![Val::I32(-1)]
    );
}

#[test]
fn host_functions_and_indirect_calls() {
    let engine = Engine::default();
    let store = Store::new(&engine);
    let ty = wasmo::module::types::FuncType::new(
        vec![wasmo::module::types::ValType::I32],
        vec![wasmo::module::types::ValType::I32],
    );
    let double = store
        .new_host_func(
            ty,
            Box::new(|_, args, results| {
                let Val::I32(x) = args[0] else { panic!() };
                results[0] = Val::I32(x * 2);
                Ok(())
            }),
        )
        .unwrap();
    let module = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module (import "host" "double" (func $d (param i32) (result i32)))
              (type $t (func (param i32) (result i32)))
              (table 2 funcref) (elem (i32.const 0) $d $inc)
              (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
              (func (export "via_table") (param i32 i32) (result i32)
                (call_indirect (type $t) (local.get 1) (local.get 0)))
              (func (export "bad_sig") (call_indirect (param i32) (i32.const 0) (i32.const 1))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let i = instantiate(&store, &module, &[Extern::Func(double)]).unwrap();
    let ex = store.instance_exports(i);
    let via = func(&ex, "via_table");
    assert_eq!(
        store.call(via, &[Val::I32(0), Val::I32(21)]).unwrap(),
        vec![Val::I32(42)]
    );
    assert_eq!(
        store.call(via, &[Val::I32(1), Val::I32(41)]).unwrap(),
        vec![Val::I32(42)]
    );
    assert_eq!(
        store
            .call(via, &[Val::I32(2), Val::I32(0)])
            .unwrap_err()
            .message,
        "undefined element"
    );
    assert_eq!(
        store.call(func(&ex, "bad_sig"), &[]).unwrap_err().message,
        "indirect call type mismatch"
    );
}

#[test]
fn traps_carry_wasm_frames() {
    let (store, ex) = setup(
        r#"(module (memory 1)
          (func $inner (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "outer") (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
          (func $u (unreachable))
          (func (export "u") (call $u))
          (func (export "oob") (result i32) (i32.load (i32.const 70000))))"#,
    );
    let trap = store
        .call(func(&ex, "outer"), &[Val::I32(70000)])
        .unwrap_err();
    assert_eq!(trap.message, "out of bounds memory access");
    let indices: Vec<u32> = trap.frames.iter().map(|f| f.func_index).collect();
    assert_eq!(indices, [0, 1]);
    let trap = store.call(func(&ex, "oob"), &[]).unwrap_err();
    assert_eq!(
        trap.frames.iter().map(|f| f.func_index).collect::<Vec<_>>(),
        [4]
    );
    let trap = store.call(func(&ex, "u"), &[]).unwrap_err();
    assert_eq!(trap.message, "unreachable");
    let indices: Vec<u32> = trap.frames.iter().map(|f| f.func_index).collect();
    assert_eq!(indices, [2, 3]);
}

#[test]
fn start_function_runs_at_instantiation() {
    // The start function calls into the store (an import) and writes memory; instantiation used
    // to hold a borrow of the store's data while running it.
    let engine = Engine::default();
    let store = Store::new(&engine);
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = calls.clone();
    let hook = store
        .new_host_func(
            wasmo::module::types::FuncType::default(),
            Box::new(move |_, _, _| {
                seen.set(seen.get() + 1);
                Ok(())
            }),
        )
        .unwrap();
    let module = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module (import "host" "hook" (func $hook))
              (memory 1) (data (i32.const 0) "A")
              (func $start (call $hook)
                (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1))))
              (start $start)
              (func (export "get") (result i32) (i32.load8_u (i32.const 0))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let i = instantiate(&store, &module, &[Extern::Func(hook)]).unwrap();
    assert_eq!(calls.get(), 1);
    let ex = store.instance_exports(i);
    assert_eq!(
        store.call(func(&ex, "get"), &[]).unwrap(),
        vec![Val::I32(i32::from(b'B'))]
    );
}

#[test]
fn float_arithmetic_quiets_signalling_nans() {
    // LLVM folds these identities to `x` (or `-x`), which would hand a signalling NaN back
    // unchanged; wasm arithmetic always returns a quiet NaN.
    let (store, ex) = setup(
        r#"(module
          (func (export "mul1") (param f32) (result f32) (f32.mul (local.get 0) (f32.const 1)))
          (func (export "sub0") (param f64) (result f64) (f64.sub (local.get 0) (f64.const 0)))
          (func (export "div_neg1") (param f32) (result f32)
            (f32.div (local.get 0) (f32.const -1)))
          (func (export "neg0_sub") (param f64) (result f64)
            (f64.sub (f64.const -0) (local.get 0)))
          (func (export "add_neg0") (param f32) (result f32)
            (f32.add (local.get 0) (f32.const -0)))
          (func (export "min") (param f32) (result f32) (f32.min (local.get 0) (f32.const -0)))
          (func (export "promote_demote") (param f32) (result f32)
            (f32.demote_f64 (f64.promote_f32 (local.get 0))))
          ;; The identities below appear only once the optimiser has inlined $mul / $add and
          ;; propagated constants; plain float instructions must not be used for them.
          (func $mul (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
          (func $add (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
          (func (export "inlined_mul1") (param f32) (result f32)
            (call $mul (local.get 0) (f32.const 1)))
          (global $one (mut f32) (f32.const 1))
          (func (export "global_mul1") (param f32) (result f32)
            (f32.mul (local.get 0) (global.get $one)))
          (func (export "select_mul") (param f32 i32) (result f32)
            (f32.mul (local.get 0)
              (select (f32.const 1) (f32.const -1) (local.get 1))))
          (func (export "if_mul") (param f32 i32) (result f32)
            (f32.mul (local.get 0)
              (if (result f32) (local.get 1) (then (f32.const 1)) (else (f32.const -1)))))
          (func (export "loop_add_neg0") (param f64) (result f64) (local f64 i32)
            (local.set 1 (local.get 0))
            (loop
              (local.set 1 (call $add (local.get 1) (f64.const -0)))
              (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1)))
                                 (i32.const 4))))
            (local.get 1)))"#,
    );
    let snan32 = 0x7fa0_0000u32;
    let snan64 = 0x7ff4_0000_0000_0000u64;
    let quiet32 = |v: &[Val]| matches!(v, [Val::F32(b)] if b & 0x7fc0_0000 == 0x7fc0_0000);
    let quiet64 = |v: &[Val]| matches!(v, [Val::F64(b)] if b & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000);
    for name in [
        "mul1",
        "div_neg1",
        "add_neg0",
        "min",
        "promote_demote",
        "inlined_mul1",
        "global_mul1",
    ] {
        let r = store.call(func(&ex, name), &[Val::F32(snan32)]).unwrap();
        assert!(quiet32(&r), "{name}: {r:?}");
    }
    for c in [0, 1] {
        let r = store
            .call(func(&ex, "select_mul"), &[Val::F32(snan32), Val::I32(c)])
            .unwrap();
        assert!(quiet32(&r), "select_mul {c}: {r:?}");
        let r = store
            .call(func(&ex, "if_mul"), &[Val::F32(snan32), Val::I32(c)])
            .unwrap();
        assert!(quiet32(&r), "if_mul {c}: {r:?}");
    }
    for name in ["sub0", "neg0_sub", "loop_add_neg0"] {
        let r = store.call(func(&ex, name), &[Val::F64(snan64)]).unwrap();
        assert!(quiet64(&r), "{name}: {r:?}");
    }
    // Ordinary values are untouched.
    assert_eq!(
        store
            .call(func(&ex, "mul1"), &[Val::F32(1.5f32.to_bits())])
            .unwrap(),
        vec![Val::F32(1.5f32.to_bits())]
    );
    assert_eq!(
        store
            .call(
                func(&ex, "promote_demote"),
                &[Val::F32((-0.0f32).to_bits())]
            )
            .unwrap(),
        vec![Val::F32((-0.0f32).to_bits())]
    );
}

#[test]
fn uninitialized_element_trap_names_the_index() {
    // One trap block serves a call_indirect's three checks; its builtin tells them apart.
    let (store, ex) = setup(
        r#"(module (table 3 funcref) (elem (i32.const 0) $wrong $right)
          (func $wrong (result i64) (i64.const 1))
          (func $right (result i32) (i32.const 7))
          (func (export "call") (param i32) (result i32)
            (call_indirect (result i32) (local.get 0))))"#,
    );
    let trap = store.call(func(&ex, "call"), &[Val::I32(2)]).unwrap_err();
    assert_eq!(trap.message, "uninitialized element 2");
    assert_eq!(
        trap.code,
        Some(wasmo::runtime::trap::TrapCode::UninitializedElement)
    );
    let trap = store.call(func(&ex, "call"), &[Val::I32(3)]).unwrap_err();
    assert_eq!(trap.message, "undefined element");
    let trap = store.call(func(&ex, "call"), &[Val::I32(0)]).unwrap_err();
    assert_eq!(trap.message, "indirect call type mismatch");
    let trap = store.call(func(&ex, "call"), &[Val::I32(-1)]).unwrap_err();
    assert_eq!(trap.message, "undefined element");
    assert_eq!(
        store.call(func(&ex, "call"), &[Val::I32(1)]).unwrap(),
        vec![Val::I32(7)]
    );
}

/// Maps `len` bytes of inaccessible address space, at `at` exactly if given.
fn reserve(at: Option<usize>, len: usize) -> Option<usize> {
    let flags = libc::MAP_PRIVATE
        | libc::MAP_ANONYMOUS
        | libc::MAP_NORESERVE
        | if at.is_some() {
            libc::MAP_FIXED_NOREPLACE
        } else {
            0
        };
    // SAFETY: a new private mapping; MAP_FIXED_NOREPLACE never replaces an existing one.
    let p = unsafe {
        libc::mmap(
            at.unwrap_or(0) as *mut libc::c_void,
            len,
            libc::PROT_NONE,
            flags,
            -1,
            0,
        )
    };
    (p != libc::MAP_FAILED && at.is_none_or(|a| a == p as usize)).then_some(p as usize)
}

#[test]
fn code_sections_stay_in_reach_of_each_other() {
    // Compiled code reaches its constant pool, GOT and stubs with 32-bit PC-relative offsets,
    // so an object's sections must stay within 2 GiB of each other. Lay out the address space
    // so that the kernel's first choices for small mappings are one-page holes separated by
    // 8 GiB reservations (what linear memories reserve): fill every existing gap between
    // mappings, then leave holes between reservations below them. Sections mapped one by one
    // then land 8 GiB apart, and constant loads or builtin calls would fault.
    const PAGE: usize = 4096;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let ranges: Vec<(usize, usize, bool)> = maps
        .lines()
        .filter_map(|l| {
            let (range, rest) = l.split_once(' ')?;
            let (a, b) = range.split_once('-')?;
            let a = usize::from_str_radix(a, 16).ok()?;
            let b = usize::from_str_radix(b, 16).ok()?;
            Some((a, b, rest.contains("[stack]")))
        })
        .collect();
    let mut fillers = Vec::new();
    for pair in ranges.windows(2) {
        let ((_, end, _), (next, _, next_is_stack)) = (pair[0], pair[1]);
        // Leave the main thread's stack room to grow, and the space above 47 bits alone.
        if next > end && !next_is_stack && next < 1 << 47 {
            if let Some(p) = reserve(Some(end), next - end) {
                fillers.push((p, next - end));
            }
        }
    }
    // One-page holes 8 GiB apart inside one big reservation, below everything else.
    const STRIDE: usize = (8 << 30) + PAGE;
    let layout = reserve(None, 6 * STRIDE).unwrap();
    for k in 0..6 {
        // SAFETY: a page of our own reservation, unused.
        unsafe { libc::munmap((layout + k * STRIDE) as *mut libc::c_void, PAGE) };
    }

    let engine = Engine::default();
    let store = Store::new(&engine);
    let module = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module (table 1 funcref)
              (func (export "f") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 1.25)))
              (func (export "g") (param i32) (result i32)
                (table.grow (ref.null func) (local.get 0))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let instance = instantiate(&store, &module, &[]).unwrap();
    let ex = store.instance_exports(instance);
    let f = store.call(func(&ex, "f"), &[Val::F64(2f64.to_bits())]);
    let g = store.call(func(&ex, "g"), &[Val::I32(1)]);
    // Only what is still ours: the holes may hold other mappings by now.
    let segments = (0..6).map(|k| (layout + k * STRIDE + PAGE, STRIDE - PAGE));
    for (p, len) in fillers.into_iter().chain(segments) {
        // SAFETY: our own mappings, unused.
        unsafe { libc::munmap(p as *mut libc::c_void, len) };
    }
    assert_eq!(f.unwrap(), vec![Val::F64(2.5f64.to_bits())]);
    assert_eq!(g.unwrap(), vec![Val::I32(1)]);
}

/// The module offsets of the operators of every defined function, in order: (offset, operator
/// name as `Debug` prints it).
fn operator_offsets(wasm: &[u8]) -> Vec<Vec<(usize, String)>> {
    let mut functions = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = Vec::new();
            let mut reader = body.get_operators_reader().unwrap();
            while !reader.eof() {
                let offset = reader.original_position() as usize;
                let op = reader.read().unwrap();
                ops.push((offset, format!("{op:?}")));
            }
            functions.push(ops);
        }
    }
    functions
}

/// The offset of the `n`th operator of function `f` whose name starts with `name`.
fn offset_of(ops: &[Vec<(usize, String)>], f: usize, name: &str, n: usize) -> usize {
    ops[f]
        .iter()
        .filter(|(_, op)| op.starts_with(name))
        .nth(n)
        .unwrap_or_else(|| panic!("no {name} #{n} in function {f}"))
        .0
}

#[test]
fn trap_frames_give_the_offsets_of_the_trapping_instruction_and_the_calls() {
    let wat = r#"(module (memory 1)
      (func $load (param i32) (result i32)
        (i32.add (i32.const 1) (i32.load offset=4 (local.get 0))))
      (func $div (param i32 i32) (result i32)
        (drop (i32.div_u (local.get 0) (i32.const 3)))
        (i32.add (i32.div_s (local.get 0) (local.get 1)) (i32.const 2)))
      (func $unreachable (param i32) (result i32)
        (if (local.get 0) (then (unreachable)))
        (i32.const 0))
      (func (export "outer") (param i32 i32) (result i32)
        (drop (call $div (i32.const 1) (i32.const 1)))
        (if (result i32) (i32.eq (local.get 0) (i32.const 0))
          (then (call $load (local.get 1)))
          (else (if (result i32) (i32.eq (local.get 0) (i32.const 1))
            (then (call $div (i32.const 7) (local.get 1)))
            (else (call $unreachable (local.get 0))))))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let ops = operator_offsets(&wasm);
    let engine = Engine::default();
    let compiled = Module::new(&engine, &wasm).unwrap();
    let starts: Vec<usize> = compiled.info().bodies.iter().map(|b| b.start).collect();
    // The same frames from the code as compiled, and from its serialised image (its line rows
    // are kept encoded), loaded from bytes and from a file.
    let artifact = compiled.serialize().unwrap();
    let path = std::env::temp_dir().join(format!("wasmo-frames-{}.cwasm", std::process::id()));
    std::fs::write(&path, &artifact).unwrap();
    let from_file = Module::deserialize_file(&engine, &path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let from_bytes = Module::deserialize(&engine, &artifact).unwrap();
    for module in [compiled, from_bytes, from_file] {
        let store = Store::new(&engine);
        let i = instantiate(&store, &module, &[]).unwrap();
        let ex = store.instance_exports(i);
        let outer = func(&ex, "outer");
        let cases = [
            (
                0,
                70000,
                offset_of(&ops, 0, "I32Load", 0),
                1,
                "out of bounds memory access",
            ),
            (
                1,
                0,
                offset_of(&ops, 1, "I32DivS", 0),
                2,
                "integer divide by zero",
            ),
            (2, 0, offset_of(&ops, 2, "Unreachable", 0), 3, "unreachable"),
        ];
        for (which, arg, trapping, call, message) in cases {
            let trap = store
                .call(outer, &[Val::I32(which), Val::I32(arg)])
                .unwrap_err();
            assert_eq!(trap.message, message);
            let frames: Vec<(u32, usize, usize)> = trap
                .frames
                .iter()
                .map(|f| (f.func_index, f.func_start, f.module_offset))
                .collect();
            let callee = which as usize;
            assert_eq!(
                frames,
                [
                    (which as u32, starts[callee], trapping),
                    (3, starts[3], offset_of(&ops, 3, "Call", call)),
                ],
                "{message}"
            );
        }
    }
}
