//! Builds the C part of the runtime: the trap catch point and the signal handler
//! (src/runtime/trap.c), with frame pointers so backtraces can walk through it. Also derives the
//! build id serialised modules carry (a hash of the crate version and every source file), so an
//! artifact from another build of Wasmo is refused rather than run.
use std::hash::Hasher;

fn hash_dir(dir: &std::path::Path, h: &mut std::collections::hash_map::DefaultHasher) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash_dir(&path, h);
        } else if let Ok(bytes) = std::fs::read(&path) {
            h.write(path.to_string_lossy().as_bytes());
            h.write(&bytes);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    cc::Build::new()
        .file("src/runtime/trap.c")
        .file("src/runtime/exception.c")
        .flag("-fno-omit-frame-pointer")
        .flag_if_supported("-Wall")
        .compile("wasmo_trap");
    // Loop versioning is an LLVM pass in C++ (LLVM's C API has no scalar evolution), built
    // against the same LLVM 16 as llvm-sys links.
    let prefix = std::env::var("LLVM_SYS_160_PREFIX").unwrap_or_else(|_| "/usr/lib/llvm-16".into());
    let config = std::path::Path::new(&prefix).join("bin/llvm-config");
    let flags = std::process::Command::new(&config)
        .arg("--cxxflags")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", config.display()));
    let mut cpp = cc::Build::new();
    cpp.cpp(true)
        .file("src/codegen/version_loops.cpp")
        .warnings(false);
    for flag in String::from_utf8_lossy(&flags.stdout).split_whitespace() {
        cpp.flag(flag);
    }
    cpp.compile("wasmo_version_loops");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    hash_dir(std::path::Path::new("src"), &mut h);
    if let Ok(lock) = std::fs::read("Cargo.lock") {
        h.write(&lock);
    }
    println!("cargo:rustc-env=WASMO_BUILD_ID={:016x}", h.finish());
}
