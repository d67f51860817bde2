//! Wasm exceptions (issue 18): `throw`, `throw_ref`, `try_table` and the legacy instructions in
//! every compile mode, after tier-up and through serialisation (exceptions unwinding deserialised
//! code); exceptions crossing functions, instances and
//! a tag imported from another instance; an uncaught exception comes back as the trap
//! "uncaught exception" and the store stays usable; traps are never caught by `catch_all`; a
//! `throw` in a loop caught in the same function does not grow the stack; exceptions kept by
//! `catch_ref` live until the store goes.

use wasmo::api::{
    Config, Engine, Extern, Func, FuncType, Instance, Mode, Module, Store, Tag, Val, ValType,
};

/// (name, engine, tier up before calling, serialise first).
fn engines() -> Vec<(String, Engine, bool, bool)> {
    let mut v = Vec::new();
    for level in [0, 2] {
        let config = Config {
            mode: Mode::Optimized,
            opt_level: level,
            compile_threads: 1,
            ..Config::default()
        };
        v.push((
            format!("optimised -O{level}"),
            Engine::new(config),
            false,
            false,
        ));
    }
    let liftoff = Config {
        mode: Mode::Liftoff,
        compile_threads: 1,
        ..Config::default()
    };
    v.push((
        "lift-off".into(),
        Engine::new(liftoff.clone()),
        false,
        false,
    ));
    v.push((
        "lift-off tiered up".into(),
        Engine::new(liftoff),
        true,
        false,
    ));
    v.push((
        "optimised, serialised".into(),
        Engine::new(Config {
            mode: Mode::Optimized,
            compile_threads: 1,
            ..Config::default()
        }),
        false,
        true,
    ));
    v
}

fn compile(engine: &Engine, text: &str, serialised: bool) -> Module {
    let module = Module::from_text(engine, text).unwrap();
    if serialised {
        Module::deserialize(engine, &module.serialize().unwrap()).unwrap()
    } else {
        module
    }
}

/// Calls export `f` of `instance` with `args`: its results or its trap's message. No exception
/// may outlive the call: each is freed exactly when its last owner lets go.
fn checked_call(
    store: &Store,
    instance: &Instance,
    engine: &str,
    f: &str,
    args: &[Val],
) -> Result<Vec<Val>, String> {
    let result = instance
        .get_func(store, f)
        .unwrap()
        .call(store, args)
        .map_err(|t| t.message.clone());
    assert_eq!(wasmo::api::leaked_exceptions(), 0, "{engine}: {f}");
    result
}

/// The thrower: defines and exports a tag, throws it from a function two calls deep.
const THROWER: &str = r#"(module
  (tag $e (export "e") (param i32 i64))
  (tag $other (export "other"))
  (func $deep (param i32) (throw $e (local.get 0) (i64.const 7)))
  (func $middle (export "middle") (param i32) (call $deep (local.get 0)))
  (func (export "throw_other") (throw $other))
  (func (export "trap") (unreachable)))"#;

/// The catcher: imports the tag and the thrower's functions.
const CATCHER: &str = r#"(module
  (import "t" "e" (tag $e (param i32 i64)))
  (import "t" "middle" (func $middle (param i32)))
  (import "t" "throw_other" (func $throw_other))
  (import "t" "trap" (func $trap))
  (tag $mine (param f64))
  ;; The payload of the imported tag, caught one instance away.
  (func (export "catch") (param i32) (result i64) (local i64)
    (block $h (result i32 i64)
      (try_table (catch $e $h) (call $middle (local.get 0)))
      (return (i64.const -1)))
    (local.set 1)
    (i64.extend_i32_u)
    (i64.add (local.get 1)))
  ;; A clause for another tag lets it pass to the outer try_table's catch_all.
  (func (export "nested") (result i32)
    (block $outer
      (block $inner (result f64)
        (try_table (catch_all $outer)
          (try_table (catch $mine $inner) (call $throw_other)))
        (return (i32.const 0)))
      (return (i32.const 1)))
    (i32.const 2))
  ;; catch_ref then throw_ref: the same exception again, caught outside.
  (func (export "rethrow") (param i32) (result i32)
    (block $h (result i32 i64)
      (try_table (catch $e $h)
        (block $r (result exnref)
          (try_table (catch_all_ref $r) (call $middle (local.get 0)))
          (return (i32.const -1)))
        (throw_ref))
      (return (i32.const -2)))
    (drop))
  ;; Traps are not exceptions.
  (func (export "trap") (result i32)
    (block $h
      (try_table (catch_all $h) (call $trap))
      (return (i32.const 0)))
    (i32.const 1))
  ;; A throw caught in the same function, 10^6 times.
  (func (export "loop") (param i32) (result i32) (local i32)
    (loop $l
      (block $h (result f64)
        (try_table (catch $mine $h) (throw $mine (f64.const 1)))
        (unreachable))
      (i32.trunc_f64_s)
      (local.set 1 (i32.add (local.get 1)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1))
  ;; Kept exceptions (catch_all_ref), dropped: the store frees them.
  (func (export "keep") (param i32)
    (loop $l
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (throw $mine (f64.const 2)))
        (unreachable))
      (drop)
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "uncaught") (throw $mine (f64.const 3)))
  (func (export "null") (throw_ref (ref.null exn))))"#;

#[test]
fn exceptions_are_caught_everywhere() {
    for (name, engine, tier_up, serialised) in engines() {
        let store = Store::new(&engine);
        let thrower_module = compile(&engine, THROWER, serialised);
        let thrower = Instance::new(&store, &thrower_module, &[]).unwrap();
        let export = |n: &str| thrower.get_export(&store, n).unwrap();
        let imports: Vec<Extern> = ["e", "middle", "throw_other", "trap"]
            .iter()
            .map(|n| export(n))
            .collect();
        let catcher_module = compile(&engine, CATCHER, serialised);
        let catcher = Instance::new(&store, &catcher_module, &imports).unwrap();
        if tier_up {
            // Call everything once, then wait until it all runs optimised code.
            for f in ["catch", "nested", "rethrow", "trap"] {
                let func = catcher.get_func(&store, f).unwrap();
                let args: Vec<Val> = func.ty(&store).params.iter().map(|_| Val::I32(1)).collect();
                let _ = func.call(&store, &args);
            }
            catcher_module.wait_for_tier_up();
        }
        let call = |f: &str, args: &[Val]| {
            catcher
                .get_func(&store, f)
                .unwrap()
                .call(&store, args)
                .map_err(|t| t.message.clone())
        };
        assert_eq!(
            call("catch", &[Val::I32(35)]),
            Ok(vec![Val::I64(42)]),
            "{name}"
        );
        assert_eq!(call("nested", &[]), Ok(vec![Val::I32(2)]), "{name}");
        assert_eq!(
            call("rethrow", &[Val::I32(5)]),
            Ok(vec![Val::I32(5)]),
            "{name}"
        );
        let trap = call("trap", &[]).unwrap_err();
        assert!(trap.contains("unreachable"), "{name}: {trap}");
        assert_eq!(
            call("loop", &[Val::I32(1_000_000)]),
            Ok(vec![Val::I32(1_000_000)]),
            "{name}"
        );
        assert_eq!(call("keep", &[Val::I32(1000)]), Ok(vec![]), "{name}");
        let uncaught = call("uncaught", &[]).unwrap_err();
        assert!(
            uncaught.contains("uncaught exception"),
            "{name}: {uncaught}"
        );
        let null = call("null", &[]).unwrap_err();
        assert!(null.contains("null exception reference"), "{name}: {null}");
        // The store works after each of those.
        assert_eq!(
            call("catch", &[Val::I32(1)]),
            Ok(vec![Val::I64(8)]),
            "{name}"
        );
        // No tier-up batch outlives the test (see `tier::stop_workers_when_main_exits`).
        catcher_module.wait_for_tier_up();
        thrower_module.wait_for_tier_up();
    }
}

#[test]
fn tags_are_identities_and_types_must_match() {
    let engine = Engine::new(Config::default());
    let store = Store::new(&engine);
    let i32_tag = FuncType::new(vec![ValType::I32], vec![]);
    let host_tag = Tag::new(&store, i32_tag.clone()).unwrap();
    assert_eq!(host_tag.ty(&store), i32_tag);
    assert!(Tag::new(&store, FuncType::new(vec![], vec![ValType::I32])).is_err());
    // A host-made tag is imported, thrown by wasm and caught by the same tag only.
    let module = Module::from_text(
        &engine,
        r#"(module
          (import "h" "t" (tag $t (param i32)))
          (tag $own (param i32))
          (func (export "same") (result i32)
            (block $h (result i32)
              (try_table (catch $t $h) (throw $t (i32.const 9)))
              (unreachable)))
          (func (export "other") (result i32)
            (block $h (result i32)
              (try_table (catch $own $h) (throw $t (i32.const 9)))
              (unreachable))))"#,
    )
    .unwrap();
    let instance = Instance::new(&store, &module, &[Extern::Tag(host_tag)]).unwrap();
    let call = |f: &str| {
        instance
            .get_func(&store, f)
            .unwrap()
            .call(&store, &[])
            .map_err(|t| t.message.clone())
    };
    assert_eq!(call("same"), Ok(vec![Val::I32(9)]));
    assert!(call("other").unwrap_err().contains("uncaught exception"));
    // A tag of another type does not link.
    let other = Tag::new(&store, FuncType::new(vec![ValType::I64], vec![])).unwrap();
    let e = Instance::new(&store, &module, &[Extern::Tag(other)])
        .err()
        .unwrap();
    assert!(e.to_string().contains("incompatible import type"), "{e}");
    // A host function in between ends the search: the exception does not unwind the host.
    let inner = Module::from_text(
        &engine,
        r#"(module (import "h" "t" (tag $t (param i32)))
             (func (export "throw") (throw $t (i32.const 1))))"#,
    )
    .unwrap();
    let inner = Instance::new(&store, &inner, &[Extern::Tag(host_tag)]).unwrap();
    let throw = inner.get_func(&store, "throw").unwrap();
    let host = Func::new(&store, FuncType::new(vec![], vec![]), move |store, _, _| {
        let trap = throw.call(store, &[]).unwrap_err();
        assert!(
            trap.message.contains("uncaught exception"),
            "{}",
            trap.message
        );
        Ok(())
    })
    .unwrap();
    let outer = Module::from_text(
        &engine,
        r#"(module (import "h" "t" (tag $t (param i32))) (import "h" "f" (func $f))
             (func (export "run") (result i32)
               (block $h (result i32)
                 (try_table (catch $t $h) (call $f))
                 (return (i32.const 0)))))"#,
    )
    .unwrap();
    let outer =
        Instance::new(&store, &outer, &[Extern::Tag(host_tag), Extern::Func(host)]).unwrap();
    let run = outer.get_func(&store, "run").unwrap();
    assert_eq!(
        run.call(&store, &[]).map_err(|t| t.message),
        Ok(vec![Val::I32(0)])
    );
}

/// The legacy instructions: clauses, `rethrow`, `delegate` (to a frame and to the caller), and
/// every way of leaving a clause, in every mode.
#[test]
fn legacy_exceptions_are_caught_everywhere() {
    const LEGACY: &str = include_str!("../capi-tests/text/legacy_exceptions.wat");
    for (name, engine, tier_up, serialised) in engines() {
        let store = Store::new(&engine);
        let module = compile(&engine, LEGACY, serialised);
        let instance = Instance::new(&store, &module, &[]).unwrap();
        let call = |f: &str, args: &[Val]| checked_call(&store, &instance, &name, f, args);
        if tier_up {
            for f in ["catch", "rethrow", "delegate", "delegate_caller", "miss"] {
                let _ = call(f, &[Val::I32(1)]);
            }
            let _ = call("leave_all", &[Val::I32(1)]);
            module.wait_for_tier_up();
        }
        let one = |v: i32| Ok(vec![Val::I32(v)]);
        assert_eq!(call("catch", &[Val::I32(41)]), one(42), "{name}");
        assert_eq!(call("rethrow", &[Val::I32(6)]), one(6), "{name}");
        assert_eq!(call("delegate", &[Val::I32(8)]), one(8), "{name}");
        assert_eq!(call("delegate_caller", &[Val::I32(9)]), one(9), "{name}");
        assert_eq!(call("miss", &[]), one(30), "{name}");
        for (how, want) in [
            (0, 10),
            (1, 11),
            (2, 12),
            (3, 14),
            (4, 13),
            (5, 7),
            (6, 105),
        ] {
            assert_eq!(call("leave", &[Val::I32(how)]), one(want), "{name}: {how}");
        }
        assert_eq!(call("leave_all", &[Val::I32(1000)]), one(172_000), "{name}");
        let trap = call("trap_in_clause", &[]).unwrap_err();
        assert!(trap.contains("unreachable"), "{name}: {trap}");
        let uncaught = call("uncaught_from_clause", &[]).unwrap_err();
        assert!(
            uncaught.contains("uncaught exception"),
            "{name}: {uncaught}"
        );
        assert_eq!(call("catch", &[Val::I32(1)]), one(2), "{name}");
        module.wait_for_tier_up();
    }
}

/// The host boundary: a host function throws into wasm (caught by `try_table` and by legacy
/// `catch`), and an exception nobody catches comes back as a trap naming its tag, with the tag
/// and payload readable.
#[test]
fn host_functions_throw_and_uncaught_exceptions_carry_their_payload() {
    for (name, engine, _, serialised) in engines() {
        let store = Store::new(&engine);
        let tag = Tag::new(&store, FuncType::new(vec![ValType::I32], vec![])).unwrap();
        let ty = FuncType::new(vec![ValType::I32], vec![]);
        let throws = Func::new(&store, ty.clone(), move |store, args, _| {
            Err(tag.throw(store, &[args[0]]))
        })
        .unwrap();
        // Two results: a stub LLVM compiles, not a hand-assembled one.
        let two = FuncType::new(vec![ValType::I32], vec![ValType::I32, ValType::I32]);
        let throws_two = Func::new(&store, two, move |store, args, _| {
            Err(tag.throw(store, &[args[0]]))
        })
        .unwrap();
        let mismatched = Func::new(&store, FuncType::new(vec![], vec![]), move |store, _, _| {
            Err(tag.throw(store, &[Val::I64(1)]))
        })
        .unwrap();
        let module = compile(
            &engine,
            r#"(module
              (import "h" "t" (tag $t (param i32)))
              (import "h" "throws" (func $throws (param i32)))
              (import "h" "mismatched" (func $mismatched))
              (import "h" "throws_two" (func $throws_two (param i32) (result i32 i32)))
              (tag $e (export "e") (param i64 f32))
              (func (export "caught") (param i32) (result i32)
                (block $h (result i32)
                  (try_table (catch $t $h) (call $throws (local.get 0)))
                  (i32.const -1))
                (i32.const 1)
                (i32.add))
              (func (export "legacy") (param i32) (result i32)
                try (result i32)
                  (call $throws (local.get 0))
                  i32.const -1
                catch $t
                end)
              (func (export "caught_two") (param i32) (result i32)
                (block $h (result i32)
                  (try_table (catch $t $h) (drop (call $throws_two (local.get 0))) (drop))
                  (i32.const -1)))
              (func (export "passes") (param i32) (call $throws (local.get 0)))
              (func (export "mismatched") (call $mismatched))
              (func (export "thrown") (throw $e (i64.const 7) (f32.const 0.5))))"#,
            serialised,
        );
        let imports = [
            Extern::Tag(tag),
            Extern::Func(throws),
            Extern::Func(mismatched),
            Extern::Func(throws_two),
        ];
        let instance = Instance::new(&store, &module, &imports).unwrap();
        let call = |f: &str, args: &[Val]| {
            let r = instance.get_func(&store, f).unwrap().call(&store, args);
            assert_eq!(wasmo::api::leaked_exceptions(), 0, "{name}: {f}");
            r
        };
        let one = |v: i32| vec![Val::I32(v)];
        assert_eq!(call("caught", &[Val::I32(41)]).unwrap(), one(42), "{name}");
        assert_eq!(call("legacy", &[Val::I32(5)]).unwrap(), one(5), "{name}");
        assert_eq!(
            call("caught_two", &[Val::I32(6)]).unwrap(),
            one(6),
            "{name}"
        );
        let trap = call("passes", &[Val::I32(3)]).unwrap_err();
        assert!(
            trap.message.contains("uncaught exception (tag host tag)"),
            "{name}: {}",
            trap.message
        );
        assert_eq!(
            Tag::of_trap(&store, &trap),
            Some((tag, vec![Val::I32(3)])),
            "{name}"
        );
        let trap = call("thrown", &[]).unwrap_err();
        assert!(
            trap.message.contains(r#"uncaught exception (tag "e")"#),
            "{name}: {}",
            trap.message
        );
        let e = match instance.get_export(&store, "e") {
            Some(Extern::Tag(e)) => e,
            _ => panic!("{name}: no tag export"),
        };
        assert_eq!(
            Tag::of_trap(&store, &trap),
            Some((e, vec![Val::I64(7), Val::F32(0.5f32.to_bits())])),
            "{name}"
        );
        let trap = call("mismatched", &[]).unwrap_err();
        assert!(
            trap.message.contains("does not match"),
            "{name}: {}",
            trap.message
        );
        assert_eq!(Tag::of_trap(&store, &trap), None, "{name}");
        // Other traps carry no exception, and the store goes on working.
        assert_eq!(call("caught", &[Val::I32(0)]).unwrap(), one(1), "{name}");
        module.wait_for_tier_up();
    }
}

/// The modules of `benches/run.sh exceptions` compute what they claim in every engine: fib
/// with and without handlers agree, and the throw loops sum every payload they caught.
#[test]
fn benchmark_modules_compute_their_results() {
    let modules = [
        (
            "fib",
            include_str!("../benches/exceptions/fib.wat"),
            20,
            6765,
        ),
        (
            "fib_try",
            include_str!("../benches/exceptions/fib_try.wat"),
            20,
            6765,
        ),
        (
            "fib_legacy",
            include_str!("../benches/exceptions/fib_legacy.wat"),
            20,
            6765,
        ),
        (
            "throw",
            include_str!("../benches/exceptions/throw.wat"),
            1000,
            499_500,
        ),
        (
            "throw_legacy",
            include_str!("../benches/exceptions/throw_legacy.wat"),
            1000,
            499_500,
        ),
    ];
    for (name, engine, tier_up, serialised) in engines() {
        for (file, text, arg, want) in modules {
            let store = Store::new(&engine);
            let module = compile(&engine, text, serialised);
            let instance = Instance::new(&store, &module, &[]).unwrap();
            let run = instance.get_func(&store, "run").unwrap();
            let call = || {
                run.call(&store, &[Val::I32(arg)])
                    .map_err(|t| t.message.clone())
            };
            if tier_up {
                let _ = call();
                module.wait_for_tier_up();
            }
            assert_eq!(call(), Ok(vec![Val::I32(want)]), "{name}: {file}");
            assert_eq!(wasmo::api::leaked_exceptions(), 0, "{name}: {file}");
        }
    }
}

/// Tables and globals of `exnref`: an exception caught with `catch_ref` is stored in a table
/// slot and a global, survives the call that caught it, and is thrown again from there by a
/// later call, payload intact; table instructions work on exnref tables, and a table exported
/// to another instance of the same store carries its exceptions there.
#[test]
fn exnrefs_live_in_tables_and_globals() {
    const KEEPER: &str = r#"(module
  (tag $e (export "e") (param i32))
  (table $t (export "t") 2 exnref)
  (global $g (mut exnref) (ref.null exn))
  (func $thrower (param i32) (throw $e (local.get 0)))
  ;; Catches one exception with its reference and keeps it in slot `at` and in $g.
  (func (export "stash") (param $v i32) (param $at i32)
    (local $x exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (call $thrower (local.get $v)))
      (unreachable))
    (local.set $x)
    (drop)
    (table.set $t (local.get $at) (local.get $x))
    (global.set $g (local.get $x)))
  ;; Throws the exception in slot `at` again and catches it: its payload.
  (func (export "from_table") (param $at i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (table.get $t (local.get $at))))
      (unreachable)))
  (func (export "from_global") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (global.get $g)))
      (unreachable)))
  (func (export "is_null") (param $at i32) (result i32)
    (ref.is_null (table.get $t (local.get $at))))
  ;; grow by n with the global's exception, copy slot 0 over slot 1, fill slot 0 with null.
  (func (export "grow") (param $n i32) (result i32)
    (table.grow $t (global.get $g) (local.get $n)))
  (func (export "copy") (table.copy $t $t (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "clear") (table.fill $t (i32.const 0) (ref.null exn) (i32.const 1)))
  (func (export "size") (result i32) (table.size $t)))"#;
    const READER: &str = r#"(module
  (import "k" "e" (tag $e (param i32)))
  (import "k" "t" (table $t 1 exnref))
  (func (export "read") (param $at i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (table.get $t (local.get $at))))
      (unreachable))))"#;
    for (name, engine, tier_up, serialised) in engines() {
        let store = Store::new(&engine);
        let keeper = compile(&engine, KEEPER, serialised);
        let k = Instance::new(&store, &keeper, &[]).unwrap();
        let reader = compile(&engine, READER, serialised);
        let imports = [
            k.get_export(&store, "e").unwrap(),
            k.get_export(&store, "t").unwrap(),
        ];
        let r = Instance::new(&store, &reader, &imports).unwrap();
        let call = |i: &Instance, f: &str, args: &[Val]| checked_call(&store, i, &name, f, args);
        let one = |v: i32| Ok(vec![Val::I32(v)]);
        if tier_up {
            call(&k, "stash", &[Val::I32(1), Val::I32(0)]).unwrap();
            for f in ["from_table", "is_null", "grow"] {
                let _ = call(&k, f, &[Val::I32(0)]);
            }
            let _ = call(&k, "from_global", &[]);
            let _ = call(&r, "read", &[Val::I32(0)]);
            keeper.wait_for_tier_up();
            reader.wait_for_tier_up();
            call(&k, "clear", &[]).unwrap();
        }
        let size = call(&k, "size", &[]).unwrap()[0];
        assert_eq!(call(&k, "is_null", &[Val::I32(0)]), one(1), "{name}");
        assert_eq!(
            call(&k, "stash", &[Val::I32(42), Val::I32(0)]),
            Ok(vec![]),
            "{name}"
        );
        assert_eq!(call(&k, "is_null", &[Val::I32(0)]), one(0), "{name}");
        // Thrown again from the table and the global, as often as wanted.
        assert_eq!(call(&k, "from_table", &[Val::I32(0)]), one(42), "{name}");
        assert_eq!(call(&k, "from_table", &[Val::I32(0)]), one(42), "{name}");
        assert_eq!(call(&k, "from_global", &[]), one(42), "{name}");
        // Another instance reads the same table.
        assert_eq!(call(&r, "read", &[Val::I32(0)]), one(42), "{name}");
        // A null exnref in the table: throw_ref traps.
        let trap = call(&k, "from_table", &[Val::I32(1)]).unwrap_err();
        assert!(trap.contains("null"), "{name}: {trap}");
        // copy, grow (with the global's exception), fill.
        call(&k, "copy", &[]).unwrap();
        assert_eq!(call(&k, "from_table", &[Val::I32(1)]), one(42), "{name}");
        let Val::I32(before) = size else {
            panic!("{name}: table.size gave {size:?}")
        };
        assert_eq!(call(&k, "grow", &[Val::I32(2)]), one(before), "{name}");
        assert_eq!(call(&k, "size", &[]), one(before + 2), "{name}");
        assert_eq!(
            call(&k, "from_table", &[Val::I32(before + 1)]),
            one(42),
            "{name}"
        );
        // A second exception replaces the first in slot 0 and the global.
        call(&k, "stash", &[Val::I32(7), Val::I32(0)]).unwrap();
        assert_eq!(call(&k, "from_table", &[Val::I32(0)]), one(7), "{name}");
        assert_eq!(call(&k, "from_global", &[]), one(7), "{name}");
        assert_eq!(call(&k, "from_table", &[Val::I32(1)]), one(42), "{name}");
        call(&k, "clear", &[]).unwrap();
        assert_eq!(call(&k, "is_null", &[Val::I32(0)]), one(1), "{name}");
    }
}

/// Exceptions through many frames, many nested handlers and tail calls; traps and stack
/// exhaustion inside handlers: the trap comes back (never caught by wasm), nothing leaks, and
/// the store keeps working.
#[test]
fn exceptions_through_depth_nesting_tail_calls_and_exhaustion() {
    // 300 nested try_tables in one body, each catching a tag of its own and then returning its
    // depth; the innermost body throws the outermost's tag, so every pad in between looks and
    // passes it on.
    let depth = 300;
    let mut nested = String::new();
    for i in 0..depth {
        nested += &format!("(block $h{i} (try_table (catch $t{i} $h{i}) ");
    }
    nested += "(throw $t0)";
    for i in (0..depth).rev() {
        nested += &format!(")) (return (i32.const {i})) ");
    }
    let tags: String = (0..depth).map(|i| format!("(tag $t{i}) ")).collect();
    let text = format!(
        r#"(module
  (tag $e (param i32))
  {tags}
  ;; Throws at depth n, each level catches, adds one and throws again: n.
  (func $relay (export "relay") (param $n i32) (result i32)
    (if (i32.eqz (local.get $n)) (then (throw $e (i32.const 0))))
    (block $h (result i32)
      (try_table (catch $e $h) (drop (call $relay (i32.sub (local.get $n) (i32.const 1)))))
      (unreachable))
    (throw $e (i32.add (i32.const 1))))
  (func (export "relay_top") (param $n i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (drop (call $relay (local.get $n))))
      (i32.const -1)))
  ;; Throws at depth n with no handler in between: caught at the top.
  (func $plain (param $n i32)
    (if (i32.eqz (local.get $n)) (then (throw $e (i32.const 5))))
    (call $plain (i32.sub (local.get $n) (i32.const 1))))
  (func (export "plain_top") (param $n i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $plain (local.get $n)))
      (i32.const -1)))
  (func (export "nested") (result i32) {nested} (i32.const -1))
  ;; return_call leaves the try_table's frame: the callee's exception passes its handler by
  ;; and reaches the caller's.
  (func $thrower (throw $e (i32.const 9)))
  (func $thrower_i32 (result i32) (throw $e (i32.const 9)))
  (func $tail (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (return_call $thrower_i32))
      (unreachable))
    (drop)
    (i32.const 1))
  (func (export "tail") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (drop (call $tail)))
      (i32.const -1)))
  ;; A handler that traps, and one that exhausts the stack: neither is caught by the
  ;; catch_all around it.
  (func $forever (param i32) (result i32) (i32.add (call $forever (local.get 0)) (i32.const 1)))
  (func (export "trap_in_handler") (result i32)
    (block $outer
      (try_table (catch_all $outer)
        (block $h (result i32)
          (try_table (catch $e $h) (call $thrower))
          (unreachable))
        (drop)
        (unreachable)))
    (i32.const -1))
  (func (export "exhaust_in_handler") (result i32)
    (block $outer
      (try_table (catch_all $outer)
        (block $h (result i32)
          (try_table (catch $e $h) (call $thrower))
          (unreachable))
        (call $forever)
        (return)))
    (i32.const -1))
  ;; A handler around every level of a recursion that exhausts the stack.
  (func $guarded (param $n i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return (call $guarded (i32.add (local.get $n) (i32.const 1))))))
    (i32.const -1))
  (func (export "exhaust_guarded") (result i32) (call $guarded (i32.const 0))))"#
    );
    for (name, engine, tier_up, serialised) in engines() {
        let store = Store::new(&engine);
        let module = compile(&engine, &text, serialised);
        let instance = Instance::new(&store, &module, &[]).unwrap();
        let call = |f: &str, args: &[Val]| checked_call(&store, &instance, &name, f, args);
        let one = |v: i32| Ok(vec![Val::I32(v)]);
        if tier_up {
            let _ = call("relay_top", &[Val::I32(3)]);
            let _ = call("plain_top", &[Val::I32(3)]);
            for f in ["nested", "tail", "trap_in_handler"] {
                let _ = call(f, &[]);
            }
            module.wait_for_tier_up();
        }
        assert_eq!(call("relay_top", &[Val::I32(2000)]), one(2000), "{name}");
        assert_eq!(call("plain_top", &[Val::I32(20000)]), one(5), "{name}");
        assert_eq!(call("nested", &[]), one(0), "{name}");
        assert_eq!(call("tail", &[]), one(9), "{name}");
        let trap = call("trap_in_handler", &[]).unwrap_err();
        assert!(trap.contains("unreachable"), "{name}: {trap}");
        let trap = call("exhaust_in_handler", &[]).unwrap_err();
        assert_eq!(trap, "call stack exhausted", "{name}");
        let trap = call("exhaust_guarded", &[]).unwrap_err();
        assert_eq!(trap, "call stack exhausted", "{name}");
        // The store works on after each of them.
        assert_eq!(call("relay_top", &[Val::I32(10)]), one(10), "{name}");
        assert_eq!(call("tail", &[]), one(9), "{name}");
    }
}

/// Tier-up while an exception's handler is in an older activation: `outer`, running baseline
/// code, calls the host, which waits until tier-up has optimised every function, then calls
/// `$thrower`, now optimised; its exception unwinds into the baseline frame of `outer` and is
/// caught there. Then the host itself throws into that baseline frame.
#[test]
fn exceptions_unwind_into_baseline_activations_after_tier_up() {
    use std::sync::{Arc, OnceLock};
    use wasmo::api::FuncTier;
    let engine = Engine::new(Config {
        mode: Mode::Liftoff,
        compile_threads: 1,
        ..Config::default()
    });
    let store = Store::new(&engine);
    let cell: Arc<OnceLock<Module>> = Arc::new(OnceLock::new());
    let waiting = cell.clone();
    let wait = Func::new(&store, FuncType::new(vec![], vec![]), move |_, _, _| {
        waiting.get().unwrap().wait_for_tier_up();
        Ok(())
    })
    .unwrap();
    let tag = Tag::new(&store, FuncType::new(vec![ValType::I32], vec![])).unwrap();
    let waiting = cell.clone();
    let wait_and_throw = Func::new(&store, FuncType::new(vec![], vec![]), move |store, _, _| {
        waiting.get().unwrap().wait_for_tier_up();
        Err(tag.throw(store, &[Val::I32(8)]))
    })
    .unwrap();
    let module = compile(
        &engine,
        r#"(module
          (import "h" "wait" (func $wait))
          (import "h" "wait_and_throw" (func $wait_and_throw))
          (import "h" "t" (tag $t (param i32)))
          (tag $e (param i32))
          (func $thrower (param i32) (throw $e (local.get 0)))
          (func (export "outer") (result i32)
            (block $h (result i32)
              (try_table (catch $e $h)
                (call $wait)
                (call $thrower (i32.const 5)))
              (i32.const -1)))
          (func (export "outer_host") (result i32)
            (block $h (result i32)
              (try_table (catch $t $h) (call $wait_and_throw))
              (i32.const -1))))"#,
        false,
    );
    cell.set(module.clone()).ok().unwrap();
    let imports = [
        Extern::Func(wait),
        Extern::Func(wait_and_throw),
        Extern::Tag(tag),
    ];
    let instance = Instance::new(&store, &module, &imports).unwrap();
    let call = |f: &str| checked_call(&store, &instance, "lift-off", f, &[]);
    // Defined functions: 0 $thrower, 1 outer, 2 outer_host; none compiled before the first call.
    assert_eq!(module.func_tier(1), FuncTier::NotCompiled);
    assert_eq!(call("outer"), Ok(vec![Val::I32(5)]));
    assert_eq!(module.func_tier(0), FuncTier::Optimized);
    assert_eq!(module.func_tier(1), FuncTier::Optimized);
    assert_eq!(module.func_tier(2), FuncTier::NotCompiled);
    assert_eq!(call("outer_host"), Ok(vec![Val::I32(8)]));
    // Both again, now on optimised code throughout.
    assert_eq!(call("outer"), Ok(vec![Val::I32(5)]));
    assert_eq!(call("outer_host"), Ok(vec![Val::I32(8)]));
}

/// Kept exceptions (an exnref was made to them) that nothing reaches any more are freed once
/// enough accumulate and the outermost call has returned; the ones a table, a global, another
/// kept exception's payload, a call's result or the host still reaches survive, payload intact.
#[test]
fn unreachable_kept_exceptions_are_swept() {
    const TEXT: &str = r#"(module
  (tag $e (param i32))
  (tag $box (param exnref))
  (table $t (export "t") 4 exnref)
  (global $g (mut exnref) (ref.null exn))
  (func $caught (param $v i32) (result exnref)
    (local $x exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (throw $e (local.get $v)))
      (unreachable))
    (local.set $x)
    (drop)
    (local.get $x))
  ;; n exceptions kept and dropped at once.
  (func (export "churn") (param $n i32)
    (loop $l
      (drop (call $caught (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "to_table") (param $v i32) (param $at i32)
    (table.set $t (local.get $at) (call $caught (local.get $v))))
  (func (export "to_global") (param $v i32) (global.set $g (call $caught (local.get $v))))
  ;; An exception kept only inside the payload of another, which slot 3 holds.
  (func (export "boxed") (param $v i32)
    (local $x exnref)
    (block $h (result exnref exnref)
      (try_table (catch_ref $box $h) (throw $box (call $caught (local.get $v))))
      (unreachable))
    (local.set $x)
    (drop)
    (table.set $t (i32.const 3) (local.get $x)))
  (func (export "returned") (param $v i32) (result exnref) (call $caught (local.get $v)))
  (func $value (param $x exnref) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (local.get $x)))
      (unreachable)))
  (func (export "value") (param $x exnref) (result i32) (call $value (local.get $x)))
  (func (export "from_table") (param $at i32) (result i32)
    (call $value (table.get $t (local.get $at))))
  (func (export "from_global") (result i32) (call $value (global.get $g)))
  (func (export "unbox") (result i32)
    (block $h (result exnref)
      (try_table (catch $box $h) (throw_ref (table.get $t (i32.const 3))))
      (unreachable))
    (call $value)))"#;
    for (name, engine, tier_up, serialised) in engines() {
        let store = Store::new(&engine);
        let module = compile(&engine, TEXT, serialised);
        let instance = Instance::new(&store, &module, &[]).unwrap();
        let call = |f: &str, args: &[Val]| checked_call(&store, &instance, &name, f, args);
        let one = |v: i32| Ok(vec![Val::I32(v)]);
        if tier_up {
            call("churn", &[Val::I32(1)]).unwrap();
            call("to_table", &[Val::I32(1), Val::I32(0)]).unwrap();
            call("to_global", &[Val::I32(1)]).unwrap();
            call("boxed", &[Val::I32(1)]).unwrap();
            let _ = call("from_table", &[Val::I32(0)]);
            let _ = call("from_global", &[]);
            let _ = call("unbox", &[]);
            module.wait_for_tier_up();
        }
        // Reachable from slot 0, the global, slot 3's payload, and the host (a result, and
        // one it reads from slot 1 and then clears there).
        call("to_table", &[Val::I32(10), Val::I32(0)]).unwrap();
        call("to_global", &[Val::I32(20)]).unwrap();
        call("boxed", &[Val::I32(30)]).unwrap();
        let returned = call("returned", &[Val::I32(40)]).unwrap();
        call("to_table", &[Val::I32(50), Val::I32(1)]).unwrap();
        let table = instance.get_table(&store, "t").unwrap();
        let held = table.get(&store, 1).unwrap();
        table.set(&store, 1, Val::ExnRef(None)).unwrap();
        // 10^4 unreachable ones, in calls that each return: the store does not keep them all.
        for _ in 0..10 {
            call("churn", &[Val::I32(1000)]).unwrap();
        }
        let kept = store.kept_exceptions();
        assert!(kept < 2000, "{name}: {kept} exceptions kept");
        assert_eq!(call("from_table", &[Val::I32(0)]), one(10), "{name}");
        assert_eq!(call("from_global", &[]), one(20), "{name}");
        assert_eq!(call("unbox", &[]), one(30), "{name}");
        assert_eq!(call("value", &returned), one(40), "{name}");
        assert_eq!(call("value", &[held]), one(50), "{name}");
        // Once the table and global let go, a sweep frees those too (the host's stay).
        for at in [0, 3] {
            table.set(&store, at, Val::ExnRef(None)).unwrap();
        }
        call("churn", &[Val::I32(5000)]).unwrap();
        let kept = store.kept_exceptions();
        assert!(kept < 300, "{name}: {kept} exceptions kept");
        assert_eq!(call("from_global", &[]), one(20), "{name}");
        assert_eq!(call("value", &returned), one(40), "{name}");
    }
}

/// Unloading a module with handlers leaves every other module's handlers working. Each
/// object's unwind tables reach the personality routine through a slot; the JIT used to share
/// the first loaded object's slot with all later ones, so once that module was gone the next
/// throw through another module crashed in the unwinder (seen as "out of bounds memory access").
#[test]
fn handlers_survive_the_unloading_of_other_modules() {
    const TEXT: &str = r#"(module (tag $e (param i32))
      (func $throw (param i32) (throw $e (local.get 0)))
      (func (export "run") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $throw (local.get 0)))
          (i32.const -1))))"#;
    for (name, engine, _, serialised) in engines() {
        let call = |store: &Store, module: &Module, arg: i32| {
            let instance = Instance::new(store, module, &[]).unwrap();
            let run = instance.get_func(store, "run").unwrap();
            run.call(store, &[Val::I32(arg)]).map_err(|t| t.message)
        };
        let first_store = Store::new(&engine);
        let first = compile(&engine, TEXT, serialised);
        assert_eq!(
            call(&first_store, &first, 1),
            Ok(vec![Val::I32(1)]),
            "{name}"
        );
        let store = Store::new(&engine);
        let second = compile(&engine, TEXT, serialised);
        assert_eq!(call(&store, &second, 2), Ok(vec![Val::I32(2)]), "{name}");
        // The first module goes, with its code.
        drop(first_store);
        drop(first);
        assert_eq!(call(&store, &second, 3), Ok(vec![Val::I32(3)]), "{name}");
        let third = compile(&engine, TEXT, serialised);
        assert_eq!(call(&store, &third, 4), Ok(vec![Val::I32(4)]), "{name}");
    }
}
