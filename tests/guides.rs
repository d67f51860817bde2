//! The language guides in docs/guides/ hold complete programs: the C, C++ and Go ones are built and
//! run here and must print what the guide says they print. (The Rust guide is a doc test of
//! the crate, the Python guide runs in bindings/python's tests.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The guide's first code block in `lang` and the `text` block that follows it.
fn program_and_output(guide: &str, lang: &str) -> (String, String) {
    let text = std::fs::read_to_string(root().join("docs/guides").join(guide)).unwrap();
    let block = |after: usize, tag: &str| -> (String, usize) {
        let open = format!("```{tag}\n");
        let start = after
            + text[after..]
                .find(&open)
                .unwrap_or_else(|| panic!("{guide}: no {tag} block"));
        let body = start + open.len();
        let end = body + text[body..].find("```").unwrap();
        (text[body..end].to_string(), end + 3)
    };
    let (program, end) = block(0, lang);
    let (output, _) = block(end, "text");
    (program, output)
}

fn run(command: &mut Command) -> String {
    let out = command.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{command:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmo-guide-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn library_dir() -> PathBuf {
    let dir = root().join("target/release");
    assert!(
        dir.join("libwasmo.so").exists(),
        "build libwasmo.so first (cargo build --release)"
    );
    dir
}

/// Builds the guide's program with `compiler` and `flags` against the checkout's headers and
/// library, runs it, and compares what it prints with the guide.
fn build_and_run(guide: &str, lang: &str, file: &str, compiler: &str, flags: &[&str]) {
    let (program, output) = program_and_output(guide, lang);
    let dir = scratch(lang);
    let source = dir.join(file);
    std::fs::write(&source, program).unwrap();
    let lib = library_dir();
    let exe = dir.join("app");
    run(Command::new(compiler)
        .args(flags)
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg(&source)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&lib)
        .arg("-lwasmo")
        .arg(format!("-Wl,-rpath,{}", lib.display())));
    assert_eq!(run(&mut Command::new(&exe)), output);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_c_guide_program_prints_what_the_guide_says() {
    build_and_run("c.md", "c", "app.c", "cc", &[]);
}

/// As C++11, the standard of the upstream C++ examples.
#[test]
fn the_cpp_guide_program_prints_what_the_guide_says() {
    build_and_run("cpp.md", "cpp", "app.cc", "c++", &["-std=c++11"]);
}

#[test]
fn the_go_guide_program_prints_what_the_guide_says() {
    let (program, output) = program_and_output("go.md", "go");
    library_dir();
    let dir = scratch("go");
    let bindings: &Path = &root().join("bindings/go");
    std::fs::write(
        dir.join("go.mod"),
        format!(
            "module guide\n\ngo 1.19\n\nrequire wasmo v0.0.0\n\nreplace wasmo => {}\n",
            bindings.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("main.go"), program).unwrap();
    let printed = run(Command::new("go")
        .args(["run", "."])
        .current_dir(&dir)
        .env("GOFLAGS", "-mod=mod"));
    assert_eq!(printed, output);
    let _ = std::fs::remove_dir_all(&dir);
}
