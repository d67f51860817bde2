//! Names of JIT code for profilers and debuggers.
//!
//! `WASMO_PERFMAP=1`: every function's machine code is listed in `/tmp/perf-PID.map`, the file
//! `perf report` (and other profilers) read to name JIT code: a line `START SIZE NAME` (hex,
//! without `0x`) per function as its code is loaded, whatever the tier. The name is
//! `wasm[ID]::$NAME` from the module's name section, else `wasm[ID]::func[INDEX]`, where `ID`
//! numbers the module's code in its engine (the `module_id` of trap frames). A function
//! recompiled by tier-up gets a second line for its new code, as perf expects of JIT code.
//!
//! `WASMO_GDBJIT=1`: every function is registered, under the same name, with GDB's JIT
//! interface (`codegen::gdb_jit`), and unregistered when its code is freed, so GDB's
//! backtraces name wasm functions.

use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

/// The map file, opened on first use when `WASMO_PERFMAP` is `1` (None: off, or it could not be
/// created, which is said once on stderr).
static FILE: Lazy<Option<Mutex<std::fs::File>>> = Lazy::new(|| {
    if std::env::var("WASMO_PERFMAP").ok().as_deref() != Some("1") {
        return None;
    }
    let path = path();
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(f) => Some(Mutex::new(f)),
        Err(e) => {
            eprintln!("wasmo: WASMO_PERFMAP: cannot open {}: {e}", path.display());
            None
        }
    }
});

/// The map file of this process.
pub fn path() -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// Whether functions are registered with GDB.
static GDB: Lazy<bool> = Lazy::new(|| std::env::var("WASMO_GDBJIT").ok().as_deref() == Some("1"));

/// Whether the map is being written or GDB told.
pub fn enabled() -> bool {
    FILE.is_some() || *GDB
}

/// Code freed at these addresses: GDB forgets it (the perf map is append-only).
pub fn forget(starts: impl IntoIterator<Item = usize>) {
    if *GDB {
        crate::codegen::gdb_jit::unregister(starts);
    }
}

/// Lists functions of module `module_id`: (code address, code size, function index) each;
/// names come from the name section of `wasm` (the module's bytes). Nothing when both are off.
pub fn record(
    wasm: &[u8],
    module_id: u64,
    functions: impl IntoIterator<Item = (usize, usize, u32)>,
) {
    if !enabled() {
        return;
    }
    let names = function_names(wasm);
    let named: Vec<(usize, usize, String)> = functions
        .into_iter()
        .map(|(start, size, index)| {
            let name = match names.get(&index) {
                Some(name) => format!("wasm[{module_id}]::${name}"),
                None => format!("wasm[{module_id}]::func[{index}]"),
            };
            (start, size, name)
        })
        .collect();
    if let Some(file) = FILE.as_ref() {
        let mut text = String::new();
        for (start, size, name) in &named {
            text.push_str(&format!("{start:x} {size:x} {name}\n"));
        }
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        // One write per batch, so lines of concurrent batches never interleave.
        let _ = file.write_all(text.as_bytes());
    }
    if *GDB {
        crate::codegen::gdb_jit::register(named);
    }
}

/// The function names of `wasm`'s name section (empty without one, or where it is malformed:
/// names are only for display). Names with a line break or a space would break the map's
/// format, so they are cut there.
fn function_names(wasm: &[u8]) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(wasmparser::Payload::CustomSection(section)) = payload else {
            continue;
        };
        let wasmparser::KnownCustom::Name(reader) = section.as_known() else {
            continue;
        };
        for name in reader {
            let Ok(wasmparser::Name::Function(map)) = name else {
                continue;
            };
            for naming in map.into_iter().flatten() {
                let name: String = naming
                    .name
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                names.insert(naming.index, name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_come_from_the_name_section() {
        let wasm = wat::parse_str(r#"(module (func $first) (func) (func $third_one (param i32)))"#)
            .unwrap();
        let names = super::function_names(&wasm);
        assert_eq!(names.get(&0).map(String::as_str), Some("first"));
        assert_eq!(names.get(&1), None);
        assert_eq!(names.get(&2).map(String::as_str), Some("third_one"));
        assert!(super::function_names(b"\0asm\x01\0\0\0").is_empty());
    }
}
