//! The support policy: whether Wasmo runs a module is decided once, when it is created or
//! validated, and every compile mode (and `validate`) answers the same, with the same message.

use wasmo::artifact::Module;
use wasmo::engine::{Config, Engine, Mode};

fn engine(mode: Mode, lazy: bool) -> Engine {
    Engine::new(Config {
        mode,
        lazy,
        compile_threads: 1,
        ..Config::default()
    })
}

/// (what the module is, its text, whether Wasmo supports it)
const MODULES: &[(&str, &str, bool)] = &[
    (
        "a plain module",
        r#"(module (func (export "f") (result i32) i32.const 1))"#,
        true,
    ),
    (
        "an unsupported operator in a called function",
        r#"(module (func (export "f") (drop (ref.i31 (i32.const 0)))))"#,
        false,
    ),
    (
        "an unsupported operator in a function never called",
        r#"(module (func (export "f")) (func (drop (ref.i31 (i32.const 0)))))"#,
        false,
    ),
    (
        "an unsupported operator in dead code",
        r#"(module (func (export "f") unreachable (drop (ref.i31 (i32.const 0)))))"#,
        false,
    ),
    (
        "an unused 64-bit memory",
        r#"(module (memory i64 1))"#,
        true,
    ),
    (
        "an imported 64-bit memory",
        r#"(module (import "m" "mem" (memory i64 1)))"#,
        true,
    ),
    (
        "an unused 64-bit table",
        r#"(module (table i64 1 funcref))"#,
        true,
    ),
    (
        "an anyref global",
        r#"(module (global anyref (ref.null any)))"#,
        false,
    ),
    (
        "a local of a typed function reference",
        r#"(module (type $t (func)) (func (local (ref null $t))))"#,
        true,
    ),
    (
        "a local of a GC type",
        r#"(module (func (local (ref null i31))))"#,
        false,
    ),
    ("a struct type", r#"(module (type (struct)))"#, false),
    ("a tag", r#"(module (tag))"#, true),
    (
        "an unsupported operator with a supported one before it",
        r#"(module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add drop i32.const 0 (drop (ref.i31 (i32.const 0)))))"#,
        false,
    ),
];

#[test]
fn every_mode_and_validate_give_the_same_answer() {
    let engines = [
        ("optimised", engine(Mode::Optimized, false)),
        ("lift-off (lazy)", engine(Mode::Liftoff, true)),
        ("lift-off (eager)", engine(Mode::Liftoff, false)),
    ];
    for (what, wat, supported) in MODULES {
        let bytes = wat::parse_str(wat).unwrap();
        let mut answers = Vec::new();
        for (name, engine) in &engines {
            let created = Module::new(engine, &bytes).map(drop);
            let validated = Module::validate(engine, &bytes);
            answers.push((format!("{name}: new"), created.map_err(|e| e.to_string())));
            answers.push((
                format!("{name}: validate"),
                validated.map_err(|e| e.to_string()),
            ));
        }
        for (who, answer) in &answers {
            assert_eq!(
                answer.is_ok(),
                *supported,
                "{what}: {who} answered {answer:?}"
            );
            assert_eq!(
                answer, &answers[0].1,
                "{what}: {who} disagrees with {}",
                answers[0].0
            );
            if let Err(message) = answer {
                assert!(message.starts_with("unsupported:"), "{what}: {message}");
            }
        }
    }
    for (_, engine) in &engines {
        engine.stop_tier_up();
    }
}
