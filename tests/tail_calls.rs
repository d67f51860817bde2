//! Tail calls are real (issue 15): 10^7 mutually recursive `return_call`s run in constant
//! native stack — directly, through a table (`return_call_indirect`) and to an imported function
//! of another instance — in every compile mode and through serialisation, on a test thread's
//! 2 MiB stack (10^7 frames would need hundreds of MiB). A `return_call` to a host function
//! returns its results; ordinary recursion still ends in a stack-exhaustion trap, also in a
//! function that makes tail calls too.

use wasmo::api::{
    Config, Engine, Extern, Func, FuncType, Instance, Limits, Mode, Module, Store, Table,
    TableType, Val, ValType,
};

fn engines() -> Vec<(String, Engine, bool)> {
    let mut v = Vec::new();
    for level in [0, 2, 3] {
        let config = Config {
            mode: Mode::Optimized,
            opt_level: level,
            compile_threads: 1,
            ..Config::default()
        };
        v.push((format!("optimised -O{level}"), Engine::new(config), false));
    }
    let liftoff = Config {
        mode: Mode::Liftoff,
        compile_threads: 1,
        ..Config::default()
    };
    v.push(("lift-off".into(), Engine::new(liftoff.clone()), false));
    v.push(("lift-off tiered up".into(), Engine::new(liftoff), true));
    v
}

/// `odd` tail-calls through the shared table, whose element 0 the other module fills with its
/// `even`.
const ODD: &str = r#"(module
  (import "host" "table" (table 1 funcref))
  (type $n (func (param i64) (result i64)))
  (func (export "odd") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 0))
      (else (return_call_indirect (type $n) (i64.sub (local.get 0) (i64.const 1))
                                  (i32.const 0))))))"#;

const EVEN: &str = r#"(module
  (import "host" "table" (table 1 funcref))
  (import "other" "odd" (func $odd (param i64) (result i64)))
  (import "host" "double" (func $double (param i64) (result i64)))
  (elem (i32.const 0) func $even)
  (func $even (export "even") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $count (export "count") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 0))
      (else (return_call $count (i64.sub (local.get 0) (i64.const 1))))))
  (func (export "to_host") (param i64) (result i64) (return_call $double (local.get 0)))
  (func $runaway (export "runaway") (call $runaway))
  (func $mixed (export "mixed") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (return_call $mixed (i32.const 0)))
      (else (call $mixed (i32.const 0))))))"#;

fn compile(engine: &Engine, text: &str, serialised: bool) -> Module {
    let module = Module::from_text(engine, text).unwrap();
    if serialised {
        Module::deserialize(engine, &module.serialize().unwrap()).unwrap()
    } else {
        module
    }
}

#[test]
fn tail_calls_run_in_constant_stack_everywhere() {
    for (name, engine, tier_up) in engines() {
        for serialised in [false, true] {
            let how = format!("{name}{}", if serialised { ", serialised" } else { "" });
            let store = Store::new(&engine);
            let table_type = TableType {
                element: ValType::FUNCREF,
                limits: Limits { min: 1, max: None },
                table64: false,
            };
            let table = Table::new(&store, table_type, Val::FuncRef(None)).unwrap();
            let double = Func::new(
                &store,
                FuncType::new(vec![ValType::I64], vec![ValType::I64]),
                |_, args, results| {
                    let Val::I64(x) = args[0] else { unreachable!() };
                    results[0] = Val::I64(x * 2);
                    Ok(())
                },
            )
            .unwrap();
            let odd_module = compile(&engine, ODD, serialised);
            let odd = Instance::new(&store, &odd_module, &[Extern::Table(table)]).unwrap();
            let odd_func = odd.get_func(&store, "odd").unwrap();
            let even_module = compile(&engine, EVEN, serialised);
            let imports = [
                Extern::Table(table),
                Extern::Func(odd_func),
                Extern::Func(double),
            ];
            let even = Instance::new(&store, &even_module, &imports).unwrap();
            let call = |export: &str, arg: Val| {
                let f = even.get_func(&store, export).unwrap();
                f.call(&store, &[arg]).map_err(|t| t.message.clone())
            };
            if tier_up {
                call("even", Val::I64(1000)).unwrap();
                call("count", Val::I64(1000)).unwrap();
                even_module.wait_for_tier_up();
                odd_module.wait_for_tier_up();
            }
            assert_eq!(
                call("even", Val::I64(10_000_000)),
                Ok(vec![Val::I64(1)]),
                "{how}"
            );
            assert_eq!(
                call("even", Val::I64(9_999_999)),
                Ok(vec![Val::I64(0)]),
                "{how}"
            );
            assert_eq!(
                call("count", Val::I64(10_000_000)),
                Ok(vec![Val::I64(0)]),
                "{how}"
            );
            assert_eq!(
                call("to_host", Val::I64(21)),
                Ok(vec![Val::I64(42)]),
                "{how}"
            );
            let runaway = even.get_func(&store, "runaway").unwrap();
            let trap = runaway.call(&store, &[]).unwrap_err();
            assert_eq!(trap.message, "call stack exhausted", "{how}");
            let mixed = call("mixed", Val::I32(1)).unwrap_err();
            assert_eq!(mixed, "call stack exhausted", "{how}");
            // The store stays usable after the traps.
            assert_eq!(call("even", Val::I64(10)), Ok(vec![Val::I64(1)]), "{how}");
        }
        engine.stop_tier_up();
    }
}
