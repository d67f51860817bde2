//! Typed function references (issue 15) where wasm meets the host: every value a host passes
//! in — call arguments, host function results, global and table writes, table growth — is
//! checked against the typed reference type it lands in (non-null, and a function of exactly
//! the type), because `call_ref` trusts its operand's type and calls without a signature check.
//! Also: imports match by 3.0's subtyping, a table's initialiser expression fills it, and a
//! function type that refers to itself works through the host boundary. The operators
//! themselves are the spec suite's (`call_ref.wast`, `br_on_null.wast`, ...), in every mode.

use wasmo::api::{
    Config, Engine, Extern, Func, FuncType, Global, HeapType, Instance, Mode, Module, RefType,
    Store, Val, ValType,
};

fn engines() -> Vec<(&'static str, Engine)> {
    let config = |mode| Config {
        mode,
        compile_threads: 1,
        ..Config::default()
    };
    vec![
        ("optimised", Engine::new(config(Mode::Optimized))),
        ("lift-off", Engine::new(config(Mode::Liftoff))),
    ]
}

const TYPED: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (type $u (func (result i32)))
  ;; A type that refers to itself: `count` passes itself on.
  (type $s (func (param (ref null $s) i32) (result i32)))
  (func $inc (export "inc") (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $k (export "k") (type $u) (i32.const 7))
  (func (export "apply") (param $f (ref $t)) (param i32) (result i32)
    (call_ref $t (local.get 1) (local.get $f)))
  (func $count (export "count") (type $s)
    (if (result i32) (i32.eqz (local.get 1))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
              (call_ref $s (local.get 0) (i32.sub (local.get 1) (i32.const 1))
                           (ref.as_non_null (local.get 0)))))))
  (global (export "g") (mut (ref null $t)) (ref.null $t))
  (global (export "fixed") (ref $t) (ref.func $inc))
  ;; Every element starts as `inc`: a non-nullable table needs its initialiser.
  (table (export "tab") 2 (ref $t) (ref.func $inc))
  (func (export "call_tab") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0)))
  (elem declare func $count))"#;

fn func(store: &Store, inst: Instance, name: &str) -> Func {
    inst.get_func(store, name).unwrap()
}

#[test]
fn host_values_are_checked_against_typed_references() {
    for (mode, engine) in engines() {
        let store = Store::new(&engine);
        let module = Module::from_text(&engine, TYPED).unwrap();
        let inst = Instance::new(&store, &module, &[]).unwrap();
        let (inc, k) = (func(&store, inst, "inc"), func(&store, inst, "k"));
        let apply = func(&store, inst, "apply");

        let r = apply.call(&store, &[Val::FuncRef(Some(inc)), Val::I32(41)]);
        assert_eq!(r.unwrap(), [Val::I32(42)], "{mode}");
        for wrong in [
            Val::FuncRef(Some(k)),
            Val::FuncRef(None),
            Val::ExternRef(None),
        ] {
            let e = apply.call(&store, &[wrong, Val::I32(0)]).unwrap_err();
            assert!(
                e.to_string().contains("argument type mismatch"),
                "{mode}: {e}"
            );
        }

        // A self-referential parameter type: `count` takes itself.
        let count = func(&store, inst, "count");
        let r = count.call(&store, &[Val::FuncRef(Some(count)), Val::I32(5)]);
        assert_eq!(r.unwrap(), [Val::I32(5)], "{mode}");
        let e = count.call(&store, &[Val::FuncRef(Some(inc)), Val::I32(5)]);
        assert!(e.is_err(), "{mode}: inc is not of type $s");
        let r = count
            .call(&store, &[Val::FuncRef(None), Val::I32(1)])
            .unwrap_err();
        assert!(r.to_string().contains("null reference"), "{mode}: {r}");

        let g = inst.get_global(&store, "g").unwrap();
        assert!(g.set(&store, Val::FuncRef(Some(k))).is_err(), "{mode}");
        g.set(&store, Val::FuncRef(Some(inc))).unwrap();
        g.set(&store, Val::FuncRef(None)).unwrap();
        let fixed = inst.get_global(&store, "fixed").unwrap();
        assert_eq!(fixed.get(&store), Val::FuncRef(Some(inc)), "{mode}");

        let tab = inst.get_table(&store, "tab").unwrap();
        assert_eq!(tab.get(&store, 1), Some(Val::FuncRef(Some(inc))), "{mode}");
        let call_tab = func(&store, inst, "call_tab");
        let r = call_tab.call(&store, &[Val::I32(1), Val::I32(1)]);
        assert_eq!(r.unwrap(), [Val::I32(2)], "{mode}");
        assert!(tab.set(&store, 0, Val::FuncRef(None)).is_err(), "{mode}");
        assert!(tab.set(&store, 0, Val::FuncRef(Some(k))).is_err(), "{mode}");
        assert!(tab.grow(&store, 1, Val::FuncRef(None)).is_err(), "{mode}");
        assert_eq!(tab.grow(&store, 1, Val::FuncRef(Some(inc))).unwrap(), 2);
        assert_eq!(tab.size(&store), 3);
    }
}

#[test]
fn host_function_results_are_checked() {
    let importer = r#"(module
      (type $t (func (param i32) (result i32)))
      (import "host" "make" (func $make (result (ref $t))))
      (func (export "run") (result i32) (call_ref $t (i32.const 1) (call $make))))"#;
    for (mode, engine) in engines() {
        let store = Store::new(&engine);
        let typed = Instance::new(&store, &Module::from_text(&engine, TYPED).unwrap(), &[]);
        let typed = typed.unwrap();
        let (inc, k) = (func(&store, typed, "inc"), func(&store, typed, "k"));
        let module = Module::from_text(&engine, importer).unwrap();
        let wanted = match module.imports()[0].ty.clone() {
            wasmo::api::ExternType::Func(f) => f,
            other => panic!("{other:?}"),
        };
        let concrete = wanted.results[0];
        assert!(matches!(
            concrete,
            ValType::Ref(RefType {
                nullable: false,
                heap: HeapType::Concrete(_)
            })
        ));
        for (give, ok) in [(Some(inc), true), (Some(k), false), (None, false)] {
            let make = Func::new(&store, wanted.clone(), move |_, _, results| {
                results[0] = Val::FuncRef(give);
                Ok(())
            })
            .unwrap();
            let inst = Instance::new(&store, &module, &[Extern::Func(make)]).unwrap();
            let r = func(&store, inst, "run").call(&store, &[]);
            match ok {
                true => assert_eq!(r.unwrap(), [Val::I32(2)], "{mode}"),
                false => {
                    let e = r.unwrap_err().to_string();
                    assert!(e.contains("host function returned"), "{mode}: {e}");
                }
            }
        }
        // The store stays usable after those traps.
        let r = func(&store, typed, "apply").call(&store, &[Val::FuncRef(Some(inc)), Val::I32(1)]);
        assert_eq!(r.unwrap(), [Val::I32(2)], "{mode}");
    }
}

#[test]
fn imports_match_by_subtyping() {
    for (mode, engine) in engines() {
        let store = Store::new(&engine);
        let typed = Module::from_text(&engine, TYPED).unwrap();
        let typed = Instance::new(&store, &typed, &[]).unwrap();
        let exports: Vec<(String, Extern)> = typed.exports(&store);
        let get = |name: &str| exports.iter().find(|(n, _)| n == name).unwrap().1;
        let try_import = |ty: &str, name: &str| {
            let text = format!(
                r#"(module (type $t (func (param i32) (result i32))) (type $u (func (result i32)))
                    (import "m" "x" {ty}))"#
            );
            let module = Module::from_text(&engine, &text).unwrap();
            Instance::new(&store, &module, &[get(name)]).is_ok()
        };
        // An immutable `(ref $t)` global is a `(ref null $t)`, a `(ref func)`, a `funcref`.
        for ty in ["(ref $t)", "(ref null $t)", "(ref func)", "funcref"] {
            assert!(
                try_import(&format!("(global {ty})"), "fixed"),
                "{mode}: {ty}"
            );
        }
        for ty in ["(ref $u)", "externref", "(mut (ref $t))"] {
            assert!(
                !try_import(&format!("(global {ty})"), "fixed"),
                "{mode}: {ty}"
            );
        }
        // A mutable global's type must be equal.
        assert!(try_import("(global (mut (ref null $t)))", "g"), "{mode}");
        assert!(!try_import("(global (mut funcref))", "g"), "{mode}");
        // A table's element type must be equal; a function's type must be the same type.
        assert!(try_import("(table 2 (ref $t))", "tab"), "{mode}");
        assert!(!try_import("(table 2 funcref)", "tab"), "{mode}");
        assert!(try_import("(func (type $t))", "inc"), "{mode}");
        assert!(!try_import("(func (type $u))", "inc"), "{mode}");
        // Types of different modules are the same type when they are structurally equal.
        let ty = FuncType::new(vec![ValType::I32], vec![ValType::I32]);
        assert_eq!(func(&store, typed, "inc").ty(&store), ty, "{mode}");
        let g = Global::new(
            &store,
            wasmo::api::GlobalType {
                content: ValType::FUNCREF,
                mutable: false,
            },
            Val::FuncRef(None),
        )
        .unwrap();
        let module = Module::from_text(
            &engine,
            r#"(module (type $t (func)) (import "m" "x" (global (ref null $t))))"#,
        )
        .unwrap();
        let e = Instance::new(&store, &module, &[Extern::Global(g)]).unwrap_err();
        assert!(
            e.to_string().contains("incompatible import type"),
            "{mode}: {e}"
        );
    }
}
