//! `WASMO_GDBJIT=1`: GDB's backtrace through wasm code names the wasm functions, in both modes.
//! Runs GDB (installed by scripts/setup.sh) on the `wasmo` tool, stopped at the fault of an
//! out-of-bounds load two calls deep.

use std::process::Command;

const WAT: &str = r#"(module
  (memory 1)
  (func $deep_helper (param i32) (result i32) (i32.load (local.get 0)))
  (func $middle (param i32) (result i32) (i32.add (call $deep_helper (local.get 0)) (i32.const 1)))
  (func (export "main") (result i32) (call $middle (i32.const 100000))))"#;

#[test]
fn gdb_backtraces_name_wasm_functions() {
    let dir = std::env::temp_dir().join(format!("wasmo-gdb-jit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wat = dir.join("trap.wat");
    std::fs::write(&wat, WAT).unwrap();
    for mode in ["liftoff", "opt"] {
        let out = Command::new("gdb")
            .args(["-q", "-nx", "-batch", "-ex", "handle SIGSEGV stop nopass"])
            .args(["-ex", "run", "-ex", "bt", "--args"])
            .arg(env!("CARGO_BIN_EXE_wasmo"))
            .args(["run", "--mode", mode])
            .arg(&wat)
            .args(["--invoke", "main"])
            .env("WASMO_GDBJIT", "1")
            .output()
            .expect("gdb runs (scripts/setup.sh installs it)");
        let text = String::from_utf8_lossy(&out.stdout);
        let frames: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
        let at = |name: &str| frames.iter().position(|f| f.contains(name));
        let (inner, outer) = (at(" in wasm[0]::$deep_helper"), at(" in wasm[0]::$middle"));
        assert_eq!(inner, Some(0), "{mode}: {text}");
        assert_eq!(outer, Some(1), "{mode}: {text}");
        assert!(at(" in wasm[0]::func[2]") == Some(2), "{mode}: {text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
