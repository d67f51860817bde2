//! Builds the C part of the runtime: the trap catch point and the signal handler
//! (src/runtime/trap.c), with frame pointers so backtraces can walk through it.
fn main() {
    println!("cargo:rerun-if-changed=src/runtime/trap.c");
    cc::Build::new()
        .file("src/runtime/trap.c")
        .flag("-fno-omit-frame-pointer")
        .flag_if_supported("-Wall")
        .compile("wasmo_trap");
}
