//! Store limits through the public API, and `wasmo run --max-memory` as a process: growth past
//! a cap fails as past a maximum, creation past one is an error naming it.

use wasmo::api::{
    Config, Engine, Instance, InstantiationError, Limits, Memory, MemoryType, Mode, Module, Store,
    StoreLimits, Val,
};

const WAT: &str = r#"(module
  (memory (export "mem") 1)
  (table (export "tab") 1 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#;

const PAGE: u64 = 65536;

fn call(store: &Store, instance: &Instance, name: &str, arg: i32) -> i32 {
    match instance
        .get_func(store, name)
        .unwrap()
        .call(store, &[Val::I32(arg)])
        .unwrap()[..]
    {
        [Val::I32(v)] => v,
        ref other => panic!("{other:?}"),
    }
}

fn instance_error(store: &Store, module: &Module) -> String {
    match Instance::new(store, module, &[]) {
        Err(InstantiationError::Other(e)) | Err(InstantiationError::Link(e)) => e.to_string(),
        Err(InstantiationError::Trap(t)) => panic!("trapped: {}", t.message),
        Ok(_) => panic!("instantiated past a limit"),
    }
}

#[test]
fn growth_past_a_cap_fails_in_both_modes_and_the_store_goes_on() {
    for mode in [Mode::Optimized, Mode::Liftoff] {
        let mut config = Config::builtin();
        config.mode = mode;
        let engine = Engine::new(config);
        let module = Module::from_text(&engine, WAT).unwrap();
        let store = Store::new(&engine);
        store.set_limits(StoreLimits {
            memory_size: Some(3 * PAGE),
            table_elements: Some(10),
            ..Default::default()
        });
        let i = Instance::new(&store, &module, &[])
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        assert_eq!(call(&store, &i, "grow", 2), 1);
        assert_eq!(
            call(&store, &i, "grow", 1),
            -1,
            "{mode:?}: past memory_size"
        );
        assert_eq!(call(&store, &i, "grow", 0), 3);
        assert_eq!(call(&store, &i, "grow_table", 9), 1);
        assert_eq!(
            call(&store, &i, "grow_table", 1),
            -1,
            "{mode:?}: past table_elements"
        );
        // The host's own growth obeys the same caps.
        let mem = i.get_memory(&store, "mem").unwrap();
        assert!(mem.grow(&store, 1).is_err());
        let tab = i.get_table(&store, "tab").unwrap();
        assert!(tab.grow(&store, 1, Val::FuncRef(None)).is_err());
        assert_eq!(tab.size(&store), 10);
    }
}

#[test]
fn the_total_counts_every_memory_of_the_store() {
    let engine = Engine::new(Config::builtin());
    let module = Module::from_text(&engine, WAT).unwrap();
    let store = Store::new(&engine);
    store.set_limits(StoreLimits {
        total_memory: Some(4 * PAGE),
        ..Default::default()
    });
    let a = Instance::new(&store, &module, &[])
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    let b = Instance::new(&store, &module, &[])
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    assert_eq!(call(&store, &a, "grow", 2), 1);
    assert_eq!(call(&store, &b, "grow", 1), -1, "4 pages in all already");
    assert_eq!(call(&store, &b, "grow", 0), 1);
    // A host memory past the total is refused with a message.
    let e = Memory::new(
        &store,
        MemoryType {
            limits: Limits { min: 1, max: None },
            memory64: false,
            shared: false,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("store limit"), "{e}");
    // So is an instance whose initial memory does not fit.
    assert!(instance_error(&store, &module).contains("bytes of linear memory in all"));
}

#[test]
fn instances_memories_and_tables_are_counted() {
    let engine = Engine::new(Config::builtin());
    let module = Module::from_text(&engine, WAT).unwrap();
    for (limits, what) in [
        (
            StoreLimits {
                instances: Some(1),
                ..Default::default()
            },
            "instances",
        ),
        (
            StoreLimits {
                memories: Some(1),
                ..Default::default()
            },
            "memories",
        ),
        (
            StoreLimits {
                tables: Some(1),
                ..Default::default()
            },
            "tables",
        ),
    ] {
        let store = Store::new(&engine);
        store.set_limits(limits);
        Instance::new(&store, &module, &[])
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        let e = instance_error(&store, &module);
        assert!(e.contains(&format!("holds 1 {what}")), "{what}: {e}");
    }
}

#[test]
fn the_cli_max_memory_caps_growth() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let wat = dir.join("limits-grow.wat");
    std::fs::write(
        &wat,
        r#"(module (memory 1) (func (export "main") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wasmo"))
            .arg("run")
            .args(args)
            .arg(&wat)
            .arg("3")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(run(&[]), (Some(0), "1\n".to_string()));
    assert_eq!(
        run(&["--max-memory", "192KiB"]),
        (Some(0), "-1\n".to_string())
    );
    assert_eq!(
        run(&["--max-memory", "256KiB"]),
        (Some(0), "1\n".to_string())
    );
}
