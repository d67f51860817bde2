//! The `wasmo` command-line tool, run as a process: stdout, stderr and exit codes of `run`,
//! `compile` and `inspect` on small modules (here and in examples-c/).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CALC: &str = r#"(module
  (memory (export "mem") 1)
  (data (i32.const 16) "wasmo")
  (global (export "counter") (mut i64) (i64.const 7))
  (func (export "main") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "neg64") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
  (func (export "floats") (param f32 f64) (result f32 f64 f32 f32 f32 f64)
    (local.get 0) (local.get 1)
    (f32.const nan:0x200000) (f32.const -0) (f32.const -inf)
    (f64.add (f64.const 0.1) (f64.const 0.2)))
  (func $divide (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (call $divide (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "splat") (param i32) (result v128) (i32x4.splat (local.get 0)))
  (func (export "lane") (param v128) (result i32) (i32x4.extract_lane 0 (local.get 0))))"#;

/// The built tool, with none of the engine's environment variables set.
fn wasmo(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmo"));
    command.args(args);
    for var in [
        "WASMO_MODE",
        "WASMO_OPT_LEVEL",
        "WASMO_THREADS",
        "WASMO_LAZY",
        "WASMO_PROGRESS_AFTER_MS",
        "WASMO_CACHE_DIR",
    ] {
        command.env_remove(var);
    }
    command
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn finish(output: Output) -> Run {
    let run = Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the tool panicked:\n{}",
        run.stderr
    );
    run
}

fn run(args: &[&str]) -> Run {
    finish(wasmo(args).output().unwrap())
}

/// A file in this test's scratch directory holding `contents`.
fn scratch(name: &str, contents: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    // Tests run in parallel and several write the same file: write a private copy and rename
    // it into place, so no test's `wasmo` ever reads a half-written file.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let private = dir.join(format!(".{name}.{}.{n}", std::process::id()));
    std::fs::write(&private, contents).unwrap();
    std::fs::rename(&private, &path).unwrap();
    path.to_string_lossy().into_owned()
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples-c")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn calc() -> String {
    scratch("calc.wat", CALC.as_bytes())
}

#[track_caller]
fn ok(r: &Run, stdout: &str) {
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(r.stdout, stdout);
    assert_eq!(r.stderr, "");
}

#[test]
fn run_calls_main_by_default_with_arguments() {
    let calc = calc();
    ok(&run(&["run", &calc, "2", "40"]), "42\n");
    // Negative and hex arguments, options after the file.
    ok(&run(&["run", &calc, "-5", "0x10", "-O1"]), "11\n");
    ok(&run(&["run", &calc, "0xffffffff", "1"]), "0\n");
    // `_start` comes before `main`; a single export is the default too.
    let both = scratch(
        "both.wat",
        br#"(module (func (export "main") (result i32) (i32.const 2))
                     (func (export "_start") (result i32) (i32.const 1)))"#,
    );
    ok(&run(&["run", &both]), "1\n");
    let single = scratch(
        "single.wat",
        br#"(module (func (export "answer") (result i64) (i64.const -42)))"#,
    );
    ok(&run(&["run", &single]), "-42\n");
    // No exported function: instantiating runs the start function, nothing is printed.
    let start = scratch(
        "start.wat",
        br#"(module (global $g (mut i32) (i32.const 0))
                     (func $s (global.set $g (i32.const 1))) (start $s))"#,
    );
    ok(&run(&["run", &start]), "");
}

#[test]
fn run_invoke_prints_each_result_on_its_line() {
    let calc = calc();
    ok(&run(&["run", &calc, "--invoke", "fib", "20"]), "6765\n");
    ok(
        &run(&["run", &calc, "--invoke=neg64", "-9223372036854775807"]),
        "9223372036854775807\n",
    );
    ok(
        &run(&["run", &calc, "--invoke", "floats", "1.5", "1e-7"]),
        "1.5\n1e-7\nnan:0x200000\n-0.0\n-inf\n0.30000000000000004\n",
    );
    // Printed floats read back to the same values.
    ok(
        &run(&["run", &calc, "--invoke", "floats", "nan:0x1", "-nan"]),
        "nan:0x1\n-nan\nnan:0x200000\n-0.0\n-inf\n0.30000000000000004\n",
    );
    ok(&run(&["run", &calc, "--invoke", "load", "17"]), "97\n");
    ok(
        &run(&["run", &calc, "--invoke", "splat", "7"]),
        "i32x4 0x00000007 0x00000007 0x00000007 0x00000007\n",
    );
    ok(
        &run(&[
            "run",
            &example("multi.wat"),
            "--invoke",
            "swap",
            "-5",
            "0.1",
        ]),
        "0.1\n-5\n",
    );
}

#[test]
fn a_trap_prints_message_and_backtrace_and_exits_1() {
    let r = run(&["run", &example("trap.wat"), "--invoke", "crash"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    // Offsets as wasm-objdump shows them for this module.
    assert_eq!(
        r.stderr,
        "wasmo: trap in `crash`: unreachable\n\
         wasm backtrace (innermost first):\n  \
         #0 func 2 $inner at module offset 0x52\n  \
         #1 func 3 $middle at module offset 0x56\n  \
         #2 func 4 $crash at module offset 0x5b\n"
    );
    let r = run(&["run", &calc(), "--invoke", "div", "1", "0"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("wasmo: trap in `div`: integer divide by zero\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("#0 func 4 $divide at module offset 0x"));
    assert!(r
        .stderr
        .contains("#1 func 5 (export \"div\") at module offset 0x"));
    // The start function traps while instantiating.
    let r = run(&["run", &example("start_trap.wat")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("wasmo: trap in the start function: unreachable\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn imports_are_stand_ins() {
    // Calling an imported function traps, naming it.
    let r = run(&["run", &example("hello.wat")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("wasmo: trap in `run`: unsatisfied import host.hello"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .contains("#0 func 1 (export \"run\") at module offset 0x30"));
    // Imports that are never called do not matter: this module imports a function, a global,
    // a table and a memory.
    ok(
        &run(&["run", &example("reflect.wat"), "--invoke", "add", "2", "40"]),
        "42\n",
    );
    // An imported memory is a fresh, zeroed one of the imported type.
    ok(
        &run(&[
            "run",
            &example("memory_import.wat"),
            "--invoke",
            "sum",
            "0",
            "100",
        ]),
        "0\n",
    );
    ok(
        &run(&[
            "run",
            &example("memory_import.wat"),
            "--invoke",
            "grow",
            "2",
        ]),
        "1\n",
    );
}

#[test]
fn compile_then_run_and_inspect_the_artifact() {
    let out = scratch("trap.cwasm", b"");
    std::fs::remove_file(&out).unwrap();
    ok(&run(&["compile", &example("trap.wat"), "-o", &out]), "");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"WASMOCW\0"));
    ok(&run(&["run", &out, "--invoke", "add", "20", "22"]), "42\n");
    // The artifact keeps the wasm, so backtraces still have names and offsets.
    let r = run(&["run", &out, "--invoke", "crash"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("#0 func 2 $inner at module offset 0x52"));
    let r = run(&["inspect", &out]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "format: serialized module, ",
        "  wasmo version: 0.1.0\n",
        " (this build)\n",
        "  target: x86_64",
        "  cpu: ",
        "  cpu features: ",
        "  mode: optimised, opt level 2\n",
        "  loadable here: yes\n",
        "  functions: 6 (1 imported, 5 defined)",
        "  host.fail: (func)\n",
        "  add: (func (param i32 i32) (result i32)) [func 5]\n",
        "  mode: deserialised (optimised code, no compilation)\n",
        "  tiers: 5 optimised\n",
    ] {
        assert!(r.stdout.contains(line), "no {line:?} in\n{}", r.stdout);
    }
    // The default output name, and the opt level recorded in the header.
    let wat = scratch("calc_o1.wat", CALC.as_bytes());
    ok(&run(&["compile", "-O1", &wat]), "");
    let default_out = wat.replace(".wat", ".cwasm");
    let r = run(&["inspect", &default_out, "--no-compile"]);
    assert!(r.stdout.contains("opt level 1\n"), "{}", r.stdout);
    assert!(r.stdout.contains("compiled: not compiled (--no-compile)"));
    // Lift-off mode still writes optimised code.
    let lifted = scratch("lifted.cwasm", b"");
    ok(
        &run(&["compile", "--mode", "liftoff", &wat, "-o", &lifted]),
        "",
    );
    ok(&run(&["run", &lifted, "--invoke", "fib", "10"]), "55\n");
}

#[test]
fn corrupt_artifacts_are_refused_cleanly() {
    let out = scratch("good.cwasm", b"");
    ok(&run(&["compile", &calc(), "-o", &out]), "");
    let good = std::fs::read(&out).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let flipped = scratch("flipped.cwasm", &flipped);
    for command in ["run", "inspect"] {
        let r = run(&[command, &flipped]);
        assert_eq!(r.code, 3, "{command}: {}", r.stderr);
        assert!(r.stderr.contains("checksum mismatch"), "{}", r.stderr);
        assert_eq!(r.stdout, "");
    }
    let truncated = scratch("truncated.cwasm", &good[..good.len() - 100]);
    let r = run(&["run", &truncated]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
    let header_only = scratch("header.cwasm", &good[..10]);
    let r = run(&["run", &header_only]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
}

#[test]
fn artifacts_of_another_build_are_inspected_not_loaded() {
    use wasmo::artifact::serialize::{read_artifact, write_image_artifact, Body};
    let out = scratch("mine.cwasm", b"");
    ok(&run(&["compile", &calc(), "-o", &out]), "");
    let good = std::fs::read(&out).unwrap();
    let parts = read_artifact(&good).unwrap();
    let mut header = parts.header.clone();
    header.build_id = "0123456789abcdef".to_string();
    let Body::Image { info, at } = &parts.body else {
        panic!("a module artifact holds a code image")
    };
    let (code, data) = good[*at..].split_at(info.layout.data_start);
    let foreign = scratch(
        "foreign.cwasm",
        &write_image_artifact(&header, parts.wasm, info, code, data),
    );
    let r = run(&["run", &foreign, "1", "2"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("comes from another build"),
        "{}",
        r.stderr
    );
    let r = run(&["inspect", &foreign]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "  build id: 0123456789abcdef (this is build ",
        "  code image: ",
        "  loadable here: no: serialized module comes from another build",
        "  main: (func (param i32 i32) (result i32)) [func 0]\n",
        "compiled: not loaded: the artifact cannot run here\n",
    ] {
        assert!(r.stdout.contains(line), "no {line:?} in\n{}", r.stdout);
    }
}

#[test]
fn inspect_wasm_and_text() {
    let wasm = scratch("calc.wasm", &wat::parse_str(CALC).unwrap());
    let r = run(&["inspect", &wasm]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "format: wasm binary, ",
        "  functions: 9 (0 imported, 9 defined), 2 named in the name section\n",
        "  data: 5 bytes in 1 segment\n",
        "imports (0):\n",
        "exports (10):\n",
        "  mem: (memory 1) [memory 0]\n",
        "  counter: (global (mut i64)) [global 0]\n",
        "  floats: (func (param f32 f64) (result f32 f64 f32 f32 f32 f64)) [func 3]\n",
        "  mode: lift-off (lazy",
        "  tiers: 9 not compiled, 0 baseline, 0 optimised\n",
    ] {
        assert!(r.stdout.contains(line), "no {line:?} in\n{}", r.stdout);
    }
    let r = run(&["inspect", "--mode", "opt", &wasm]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "  mode: optimised, opt level 2, ",
        "  tiers: 9 optimised\n",
        "  object code: ",
    ] {
        assert!(r.stdout.contains(line), "no {line:?} in\n{}", r.stdout);
    }
    let r = run(&["inspect", &example("reflect.wat")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "format: text, ",
        "imports (4):\n  env.log: (func (param i32 i64) (result f32))\n  \
         env.counter: (global (mut i64))\n  env.table: (table 2 10 funcref)\n  \
         js.mem: (memory 1)\n",
        "  refs: (table 1 externref) [table 1]\n",
    ] {
        assert!(r.stdout.contains(line), "no {line:?} in\n{}", r.stdout);
    }
}

#[test]
fn liftoff_mode_and_the_environment() {
    let calc = calc();
    ok(
        &run(&["run", "--mode", "liftoff", &calc, "--invoke", "fib", "25"]),
        "75025\n",
    );
    let r = run(&["inspect", "--mode=liftoff", &calc]);
    assert!(r.stdout.contains("  mode: lift-off (lazy"), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("  tiers: 9 not compiled, 0 baseline, 0 optimised\n"));
    // The environment chooses when the command line does not; the command line wins.
    let r = finish(
        wasmo(&["inspect", &calc])
            .env("WASMO_MODE", "liftoff")
            .output()
            .unwrap(),
    );
    assert!(r.stdout.contains("  mode: lift-off"), "{}", r.stdout);
    let r = finish(
        wasmo(&["inspect", "--mode", "opt", "-O3", "--threads", "1", &calc])
            .env("WASMO_MODE", "liftoff")
            .env("WASMO_OPT_LEVEL", "0")
            .output()
            .unwrap(),
    );
    assert!(
        r.stdout
            .contains("  mode: optimised, opt level 3, 1 compile thread\n"),
        "{}",
        r.stdout
    );
    ok(
        &run(&["run", "-O0", &calc, "--invoke", "fib", "15"]),
        "610\n",
    );
}

#[test]
fn progress_lines_for_slow_compiles() {
    // Compiles this small are fast: no progress line.
    let calc = calc();
    ok(&run(&["run", &calc, "1", "2"]), "3\n");
    // With the delay at zero every compile counts as slow.
    let r = finish(
        wasmo(&["run", &calc, "1", "2"])
            .env("WASMO_PROGRESS_AFTER_MS", "0")
            .output()
            .unwrap(),
    );
    assert_eq!(r.stdout, "3\n");
    assert!(
        r.stderr.contains(&format!("wasmo: compiling {calc} (")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(", 9 functions)... "), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("wasmo: compiled {calc} in ")));
}

#[test]
fn help_everywhere() {
    for (args, first) in [
        (&["--help"][..], "wasmo: run, compile and inspect"),
        (&["-h"], "wasmo: run, compile and inspect"),
        (&["help"], "wasmo: run, compile and inspect"),
        (&["run", "--help"], "wasmo run: "),
        (&["help", "run"], "wasmo run: "),
        (&["compile", "-h"], "wasmo compile: "),
        (&["inspect", "--help"], "wasmo inspect: "),
        // Help wins over other problems on the line.
        (&["run", "x.wasm", "--bogus", "--help"], "wasmo run: "),
    ] {
        let r = run(args);
        assert_eq!(r.code, 0, "{args:?}");
        assert!(r.stdout.starts_with(first), "{args:?}: {}", r.stdout);
        assert!(r.stdout.contains("Usage: wasmo"), "{args:?}");
        assert!(r.stdout.contains("Exit codes"), "{args:?}");
    }
    let r = run(&["--version"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("wasmo 0.1.0 (build "), "{}", r.stdout);
}

#[test]
fn usage_errors_exit_2_and_say_why() {
    let calc = calc();
    let usage = |args: &[&str], message: &str| {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    };
    usage(&[], "Usage: wasmo");
    usage(&["frob"], "unknown command `frob`");
    usage(
        &["run", &calc, "--invok", "fib"],
        "unknown option `--invok` for `wasmo run` (did you mean `--invoke`?)\n(see `wasmo run --help`)",
    );
    usage(
        &["inspect", &calc, "--invoke", "x"],
        "unknown option `--invoke`",
    );
    usage(&["run", &calc, "--mode", "fast"], "`opt` or `liftoff`");
    usage(&["run", &calc, "-O9"], "0, 1, 2 or 3");
    usage(&["run", &calc, "--threads"], "needs a value");
    usage(&["run"], "needs a FILE");
    usage(&["compile", &calc, "extra"], "unexpected `extra`");
    usage(&["run", &calc, "1"], "takes 2 arguments, 1 given");
    usage(
        &["run", &calc, "1", "x"],
        "argument 2 of `main`: `x` is not an i32",
    );
    usage(
        &["run", &calc, "--invoke", "neg64", "18446744073709551616"],
        "is not an i64",
    );
    usage(&["run", &calc, "--invoke", "lane", "0"], "v128");
    usage(
        &["run", &calc, "--invoke", "nope"],
        "no export named `nope`",
    );
    usage(
        &["run", &calc, "--invoke", "mem"],
        "export `mem` is a memory, not a function",
    );
    usage(
        &["run", &example("table.wat")],
        "there is no `_start` or `main` export: use --invoke NAME",
    );
}

#[test]
fn bad_files_exit_3() {
    let error = |args: &[&str], message: &str| {
        let r = run(args);
        assert_eq!(r.code, 3, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("wasmo: error: "), "{}", r.stderr);
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    };
    error(
        &["run", "/nonexistent/x.wasm"],
        "cannot read /nonexistent/x.wasm",
    );
    let invalid = scratch(
        "invalid.wat",
        b"(module (func (export \"f\") (result i32) (i64.const 1)))",
    );
    error(&["run", &invalid], "type mismatch");
    error(&["inspect", &invalid], "type mismatch");
    let garbage = scratch("garbage.wasm", b"\0asm\x01\0\0\0\x01\xff");
    error(&["run", &garbage], "cannot compile");
    let text = scratch("broken.wat", b"(module (func");
    error(&["compile", &text], "not a valid module in the text format");
    let binary = scratch("binary.bin", &[0xff, 0xfe, 0x00, 0x01]);
    error(&["inspect", &binary], "neither a wasm binary");
}

#[test]
fn standard_input() {
    let mut child = wasmo(&["run", "-", "--invoke", "fib", "12"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(CALC.as_bytes())
        .unwrap();
    ok(&finish(child.wait_with_output().unwrap()), "144\n");
}
