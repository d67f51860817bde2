//! Names of JIT code for profilers and debuggers.
//!
//! `WASMO_PERFMAP=1`: every function's machine code is listed in `/tmp/perf-PID.map`, the file
//! `perf report` (and other profilers) read to name JIT code: a line `START SIZE NAME` (hex,
//! without `0x`) per function as its code is loaded, whatever the tier. The name is
//! `wasm[ID]::$NAME` from the module's name section, else `wasm[ID]::func[INDEX]`, where `ID`
//! numbers the module's code in its engine (the `module_id` of trap frames). A function
//! recompiled by tier-up gets a second line for its new code, as perf expects of JIT code.
//!
//! `WASMO_JITDUMP=1`: every function's name, address and machine code is also written to
//! `/tmp/jit-PID.dump` in perf's jitdump format, which `perf inject --jit` turns into one ELF
//! file per function, so `perf annotate` shows wasm functions' instructions. The file is mapped
//! executable once, which is how `perf record` finds it (its mmap event); record with `-k mono`,
//! the clock of the dump's timestamps.
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

/// The jitdump file, created with its header on first use when `WASMO_JITDUMP` is `1` (None:
/// off, or it could not be created or mapped, which is said once on stderr).
static JITDUMP: Lazy<Option<Mutex<JitDump>>> = Lazy::new(|| {
    if std::env::var("WASMO_JITDUMP").ok().as_deref() != Some("1") {
        return None;
    }
    let path = jitdump_path();
    match JitDump::create(&path) {
        Ok(dump) => Some(Mutex::new(dump)),
        Err(e) => {
            eprintln!(
                "wasmo: WASMO_JITDUMP: cannot create {}: {e}",
                path.display()
            );
            None
        }
    }
});

/// The jitdump file of this process.
pub fn jitdump_path() -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/tmp/jit-{}.dump", std::process::id()))
}

/// Whether the map or the jitdump is being written or GDB told.
pub fn enabled() -> bool {
    FILE.is_some() || JITDUMP.is_some() || *GDB
}

/// perf's jitdump file (`tools/perf/Documentation/jitdump-specification.txt` in Linux): a
/// header, then a `JIT_CODE_LOAD` record per function with its code bytes.
struct JitDump {
    file: std::fs::File,
    /// The next record's `code_index`, unique per function load.
    index: u64,
}

/// "JiTD" read as a little-endian `u32`.
const JITDUMP_MAGIC: u32 = 0x4A69_5444;
/// The record type of a function's code.
const JIT_CODE_LOAD: u32 = 0;
/// `EM_X86_64`.
const ELF_MACHINE: u32 = 62;

/// CLOCK_MONOTONIC in nanoseconds, the clock `perf record -k mono` stamps events with.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl JitDump {
    fn create(path: &std::path::Path) -> std::io::Result<JitDump> {
        use std::os::fd::AsRawFd;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(path)?;
        let mut header = Vec::with_capacity(40);
        for word in [JITDUMP_MAGIC, 1, 40, ELF_MACHINE, 0, std::process::id()] {
            header.extend_from_slice(&word.to_le_bytes());
        }
        header.extend_from_slice(&monotonic_ns().to_le_bytes());
        header.extend_from_slice(&0u64.to_le_bytes()); // flags
        file.write_all(&header)?;
        // perf finds the dump by this mapping's mmap event; it stays for the process's life.
        // SAFETY: a fresh private read-only mapping of the file's first page.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_EXEC,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(JitDump { file, index: 0 })
    }

    /// Appends the records of `functions` (code address, size, name), one write per batch.
    fn write(&mut self, functions: &[(usize, usize, String)]) {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::syscall(libc::SYS_gettid) } as u32;
        let mut out = Vec::new();
        for (start, size, name) in functions {
            let total = 16 + 40 + name.len() + 1 + size;
            out.extend_from_slice(&JIT_CODE_LOAD.to_le_bytes());
            out.extend_from_slice(&(total as u32).to_le_bytes());
            out.extend_from_slice(&monotonic_ns().to_le_bytes());
            out.extend_from_slice(&std::process::id().to_le_bytes());
            out.extend_from_slice(&tid.to_le_bytes());
            for word in [*start as u64, *start as u64, *size as u64, self.index] {
                out.extend_from_slice(&word.to_le_bytes());
            }
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            // SAFETY: the function's code is loaded, readable and `size` bytes long.
            out.extend_from_slice(unsafe {
                std::slice::from_raw_parts(*start as *const u8, *size)
            });
            self.index += 1;
        }
        let _ = self.file.write_all(&out);
    }
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
    if let Some(dump) = JITDUMP.as_ref() {
        dump.lock().unwrap_or_else(|e| e.into_inner()).write(&named);
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
