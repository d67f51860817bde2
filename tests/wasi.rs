//! WASI preview 1 end to end: C programs in tests/wasi/, built with clang-14 against Debian's
//! wasi-libc (scripts/setup.sh installs both), run by the `wasmo run` process in both compile
//! modes; their output, exit status and what they leave on disk are checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const MODES: [&str; 2] = ["liftoff", "opt"];

/// Builds tests/wasi/NAME.c into a wasm command (once per test process).
fn program(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasi-programs");
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/wasi/{name}.c"));
    let out = dir.join(format!("{name}.wasm"));
    let status = Command::new("clang-14")
        .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wall"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run clang-14 (scripts/setup.sh installs it with wasi-libc): {e}")
        });
    assert!(status.success(), "clang-14 failed on {}", src.display());
    out
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn wasmo(mode: &str, args: &[&str], stdin: &[u8]) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmo"))
        .arg("run")
        .args(["--mode", mode])
        .args(args)
        .env_remove("WASMO_MODE")
        .env_remove("WASMO_CACHE_DIR")
        // No "compiling ..." progress lines among the program's own stderr on a slow machine.
        .env("WASMO_PROGRESS_AFTER_MS", "1000000000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("wasi-scratch")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn arguments_environment_clocks_streams_and_the_exit_status() {
    let wasm = program("basics");
    let wasm = wasm.to_str().unwrap();
    for mode in MODES {
        let ran = wasmo(
            mode,
            &[wasm, "--env", "GREETING=hi", "--", "42", "two words"],
            b"a line of input\n",
        );
        let expected = "argc 3\narg 42\narg two words\nGREETING hi\nMISSING (unset)\n\
             slept at least 20ms: yes\nrealtime after 2020: yes\nprocess clock ok\nbad clock: 1\n\
             random differs: yes\nstdin: a line of input\nwrite to fd 77: 1\n\
             prestat of stdout: 1\nsock_accept on stdin: 1\nproc_raise: 1\nsched_yield: 1\n";
        assert_eq!(ran.stdout, expected, "{mode}: stderr {}", ran.stderr);
        assert_eq!(ran.stderr, "to stderr\n", "{mode}");
        // main's return value is the process's exit status (through proc_exit).
        assert_eq!(ran.code, 42, "{mode}");

        // No arguments, empty stdin, exit status 0; the host's environment is not passed on
        // unless asked for.
        let ran = wasmo(mode, &[wasm], b"");
        assert!(
            ran.stdout.contains("argc 1\nGREETING (unset)\n"),
            "{}",
            ran.stdout
        );
        assert!(ran.stdout.contains("stdin: EOF\n"), "{}", ran.stdout);
        assert_eq!(ran.code, 0);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasmo"));
        let out = cmd
            .args(["run", "--mode", mode, wasm, "--inherit-env"])
            .env("GREETING", "from the host")
            .env("WASMO_PROGRESS_AFTER_MS", "1000000000")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("GREETING from the host\n"), "{stdout}");
    }
}

#[test]
fn files_and_directories_in_a_preopened_directory() {
    let wasm = program("files");
    for mode in MODES {
        let dir = scratch(&format!("files-{mode}"));
        let preopen = format!("{}::/work", dir.display());
        let ran = wasmo(mode, &[wasm.to_str().unwrap(), "--dir", &preopen], b"");
        assert_eq!(
            ran.stdout, "listing: . .. f.txt\nentries in /work/d: 303\nfailures: 0\n",
            "{mode}: stderr {}",
            ran.stderr
        );
        assert_eq!(ran.code, 0, "{mode}");
        // What the program left: a.txt with its last contents, nothing else.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["a.txt"], "{mode}");
        assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"HELLO!");
    }
}

/// Every entry below `dir` with its contents (files) or target (symlinks), sorted.
fn tree(dir: &Path) -> Vec<(String, String)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let name = path.strip_prefix(base).unwrap().display().to_string();
            let ty = e.file_type().unwrap();
            if ty.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.push((name, format!("-> {}", target.display())));
            } else if ty.is_dir() {
                out.push((name.clone(), "dir".into()));
                walk(base, &path, out);
            } else {
                let md = std::fs::metadata(&path).unwrap();
                let contents = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                out.push((
                    name,
                    format!("{contents} mtime {:?}", md.modified().unwrap()),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn no_path_leads_out_of_the_sandbox_and_read_only_means_read_only() {
    let wasm = program("escape");
    for mode in MODES {
        let root = scratch(&format!("escape-{mode}"));
        let outside = root.join("outside");
        let sandbox = root.join("sandbox");
        let ro = root.join("ro");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir_all(sandbox.join("inner")).unwrap();
        std::fs::create_dir_all(ro.join("sub")).unwrap();
        std::fs::write(outside.join("secret.txt"), "secret").unwrap();
        std::fs::write(sandbox.join("inner/x"), "x").unwrap();
        std::fs::write(ro.join("file.txt"), "ro data").unwrap();
        use std::os::unix::fs::symlink;
        symlink(outside.join("secret.txt"), sandbox.join("out-link")).unwrap();
        symlink("../outside/secret.txt", sandbox.join("up-link")).unwrap();
        symlink(&outside, sandbox.join("dir-link")).unwrap();
        let before = tree(&root);

        let sb = format!("{}::/sb", sandbox.display());
        let ro_arg = format!("{}::/ro", ro.display());
        let ran = wasmo(
            mode,
            &[wasm.to_str().unwrap(), "--dir", &sb, "--dir-ro", &ro_arg],
            b"",
        );
        assert!(!ran.stdout.contains("ESCAPED"), "{mode}:\n{}", ran.stdout);
        assert!(
            ran.stdout.contains("refused 51, allowed 0\n"),
            "{mode}:\n{}\n{}",
            ran.stdout,
            ran.stderr
        );
        assert_eq!(ran.code, 0, "{mode}");
        // Every refusal is ENOTCAPABLE (76), but for the names that are no paths (non-UTF-8:
        // EILSEQ 25, empty: ENOENT 44) and opening a symlink without following it (ELOOP 32).
        let errnos: Vec<&str> = ran
            .stdout
            .lines()
            .filter_map(|l| l.rsplit_once(": ").map(|(_, e)| e))
            .filter(|e| e.parse::<u32>().is_ok())
            .collect();
        let not_76: Vec<&str> = ran
            .stdout
            .lines()
            .filter(|l| {
                l.rsplit_once(": ")
                    .is_some_and(|(_, e)| e.parse::<u32>().is_ok_and(|n| n != 76))
            })
            .collect();
        assert_eq!(
            not_76,
            [
                "symlink, no follow: 32",
                "make climbing symlink: 0",
                "non-UTF-8: 25",
                "empty: 44",
                "ro: open for reading: 0",
            ],
            "{mode}"
        );
        assert_eq!(errnos.len(), 53, "{mode}");
        assert!(ran.stdout.contains("ro: read: 0 \"ro data\"\n"), "{mode}");
        // Nothing changed anywhere: not outside, not in the read-only preopen, and the
        // sandbox holds what it held.
        assert_eq!(tree(&root), before, "{mode}");
    }
}

#[test]
fn a_module_without_wasi_imports_takes_no_wasi_options() {
    let dir = scratch("plain");
    let wat = dir.join("plain.wat");
    std::fs::write(
        &wat,
        r#"(module (func (export "main") (result i32) (i32.const 5)))"#,
    )
    .unwrap();
    let ran = wasmo("liftoff", &[wat.to_str().unwrap()], b"");
    assert_eq!((ran.code, ran.stdout.as_str()), (0, "5\n"));
    let ran = wasmo("liftoff", &[wat.to_str().unwrap(), "--dir", "."], b"");
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("imports nothing from WASI"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_missing_preopen_is_a_clear_error() {
    let wasm = program("basics");
    let ran = wasmo(
        "liftoff",
        &[
            wasm.to_str().unwrap(),
            "--dir",
            "/nonexistent/wasmo-test::/x",
        ],
        b"",
    );
    assert_eq!(ran.code, 3);
    assert!(
        ran.stderr
            .contains("cannot preopen /nonexistent/wasmo-test (as /x)"),
        "{}",
        ran.stderr
    );
}
