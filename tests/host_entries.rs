//! The host entries (trampolines and host stubs, hand-assembled for most signatures by
//! `codegen::entry_asm`) against the code LLVM compiles: a host call into wasm and a wasm call
//! into the host, each with arguments in every register class and on the stack, in both modes.
//! The wasm function passes its arguments on to the host import and mixes the result with
//! them, so a value in the wrong place or a stack left unbalanced shows in the result (or
//! crashes).

use wasmo::api::{
    Config, Engine, Extern, Func, FuncType, Instance, Mode, Module, Store, Val, ValType,
};

/// `(params, ...)`: i64 and f64 interleaved, more of each than the registers hold, one i32.
fn params() -> Vec<ValType> {
    let mut p = Vec::new();
    for i in 0..19 {
        p.push(match i % 3 {
            0 => ValType::F64,
            1 => ValType::I64,
            _ if i == 17 => ValType::I32,
            _ => ValType::F32,
        });
    }
    p
}

fn wat_type(t: ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        _ => "f64",
    }
}

/// The number every value contributes: its bits, mixed by position.
fn mix(values: &[Val]) -> i64 {
    values.iter().enumerate().fold(0i64, |acc, (i, v)| {
        let bits = match *v {
            Val::I32(x) => x as i64,
            Val::I64(x) => x,
            Val::F32(x) => f32::from_bits(x) as i64,
            Val::F64(x) => f64::from_bits(x) as i64,
            ref other => panic!("{other:?}"),
        };
        acc.wrapping_mul(31).wrapping_add(bits ^ i as i64)
    })
}

#[test]
fn many_arguments_in_registers_and_on_the_stack_both_ways() {
    let ps = params();
    let sig: Vec<String> = ps.iter().map(|&t| wat_type(t).to_string()).collect();
    let gets: String = (0..ps.len()).map(|i| format!("(local.get {i})")).collect();
    let wat = format!(
        r#"(module
          (func $h (import "host" "h") (param {p}) (result i64))
          (func (export "f") (param {p}) (result i64)
            (i64.add (call $h {gets}) (i64.extend_i32_u (local.get 17)))))"#,
        p = sig.join(" ")
    );
    let wasm = wat::parse_str(&wat).unwrap();
    let args: Vec<Val> = ps
        .iter()
        .enumerate()
        .map(|(i, &t)| match t {
            ValType::I32 => Val::I32(1000 + i as i32),
            ValType::I64 => Val::I64(-(1 << 40) + i as i64 * 7),
            ValType::F32 => Val::F32((i as f32 * 1.5).to_bits()),
            _ => Val::F64((i as f64 * -2.25 + 1e9).to_bits()),
        })
        .collect();
    let expected = mix(&args).wrapping_add(1017);
    for mode in [Mode::Optimized, Mode::Liftoff] {
        let engine = Engine::new(Config {
            mode,
            compile_threads: 1,
            ..Config::default()
        });
        let store = Store::new(&engine);
        let module = Module::new(&engine, &wasm).unwrap();
        let ty = FuncType::new(ps.clone(), vec![ValType::I64]);
        let h = Func::new(&store, ty, |_, args, out| {
            out[0] = Val::I64(mix(args));
            Ok(())
        })
        .unwrap();
        let instance = Instance::new(&store, &module, &[Extern::Func(h)]).unwrap();
        let f = instance.get_func(&store, "f").unwrap();
        for _ in 0..3 {
            let r = f.call(&store, &args).unwrap();
            assert!(
                matches!(r[..], [Val::I64(v)] if v == expected),
                "{mode:?}: {r:?}"
            );
        }
    }
}
