//! Reading a module file (binary, text or serialised: told apart by content, not by name),
//! compiling or deserialising it, with a progress line on stderr for slow compiles.

use crate::Failure;
use std::io::{IsTerminal, Read};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};
use wasmo::api::{Engine, Module};

/// The magic number of serialised modules (`Module::serialize`).
const ARTIFACT_MAGIC: &[u8] = b"WASMOCW\0";
const WASM_MAGIC: &[u8] = b"\0asm";

/// A module file's contents.
pub enum Input {
    /// A wasm binary.
    Binary(Vec<u8>),
    /// The text format, with its wasm encoding.
    Text { text_len: usize, wasm: Vec<u8> },
    /// A serialised module (`wasmo compile`).
    Artifact(Vec<u8>),
}

impl Input {
    /// The file's wasm bytes (None for an artifact, whose wasm is inside it).
    pub fn wasm(&self) -> Option<&[u8]> {
        match self {
            Input::Binary(w) | Input::Text { wasm: w, .. } => Some(w),
            Input::Artifact(_) => None,
        }
    }
}

/// Reads `path` (`-` is standard input) and, for the text format, encodes it.
pub fn read(path: &str) -> Result<Input, Failure> {
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    read.map_err(|e| Failure::Error(format!("cannot read {path}: {e}")))?;
    if bytes.starts_with(ARTIFACT_MAGIC) {
        return Ok(Input::Artifact(bytes));
    }
    if bytes.starts_with(WASM_MAGIC) {
        return Ok(Input::Binary(bytes));
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(Failure::Error(format!(
            "{path}: not a module: neither a wasm binary (\\0asm), a serialized module \
             (WASMOCW) nor the text format (not UTF-8)"
        )));
    };
    let file = (path != "-").then(|| std::path::Path::new(path));
    match wat::Parser::new().parse_str(file, text) {
        Ok(wasm) => Ok(Input::Text {
            text_len: bytes.len(),
            wasm,
        }),
        Err(e) => Err(Failure::Error(format!(
            "{path}: not a valid module in the text format:\n{e}"
        ))),
    }
}

/// Compiles or deserialises the input for `engine`.
pub fn module(engine: &Engine, path: &str, input: &Input) -> Result<Module, Failure> {
    match input {
        Input::Artifact(bytes) => Module::deserialize(engine, bytes)
            .map_err(|e| Failure::Error(format!("cannot load {path}: {e}"))),
        Input::Binary(wasm) | Input::Text { wasm, .. } => {
            with_progress(path, wasm, || Module::new(engine, wasm))
                .map_err(|e| Failure::Error(format!("cannot compile {path}: {e}")))
        }
    }
}

/// How many functions `wasm` defines, from its function section (None if it cannot tell).
pub fn defined_functions(wasm: &[u8]) -> Option<u32> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            wasmparser::Payload::FunctionSection(reader) => return Some(reader.count()),
            wasmparser::Payload::CodeSectionStart { .. } | wasmparser::Payload::End(_) => break,
            _ => {}
        }
    }
    Some(0)
}

/// A size in bytes for people: bytes, KB or MB.
pub fn human_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// An exact size, with the rounded one when that reads better: "4145 bytes (4.0 KB)".
pub fn exact_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b => format!("{b} bytes ({})", human_size(b)),
    }
}

/// How long a compile runs before the progress line appears: 1 s, or `WASMO_PROGRESS_AFTER_MS`
/// (for tests).
fn progress_delay() -> Duration {
    std::env::var("WASMO_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

/// Runs `compile` (a compile of `wasm`, from `path`); if it takes longer than a second, a thread
/// prints "compiling PATH (SIZE, N functions)..." on stderr (kept up to date with the elapsed
/// time when stderr is a terminal), and "compiled PATH in X s" follows when it is done.
pub fn with_progress<R>(path: &str, wasm: &[u8], compile: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let delay = progress_delay();
    let functions = match defined_functions(wasm) {
        Some(n) => format!(", {n} functions"),
        None => String::new(),
    };
    let label = format!("compiling {path} ({}{functions})", human_size(wasm.len()));
    let (done, finished) = mpsc::channel::<()>();
    let reporter = std::thread::spawn(move || {
        // A compile that ended before the delay passed gets no line; one that ended only as
        // the delay passed (or with a delay of zero, before this thread ran) still does.
        if finished.recv_timeout(delay) != Err(RecvTimeoutError::Timeout) && start.elapsed() < delay
        {
            return false;
        }
        if std::io::stderr().is_terminal() {
            let mut shown = None;
            loop {
                let elapsed = start.elapsed().as_secs();
                if shown != Some(elapsed) {
                    eprint!("\r\x1b[Kwasmo: {label}... {elapsed} s");
                    shown = Some(elapsed);
                }
                match finished.recv_timeout(Duration::from_millis(250)) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
            eprint!("\r\x1b[K");
        } else {
            eprintln!(
                "wasmo: {label}... {} s",
                start.elapsed().as_secs_f64().round()
            );
        }
        true
    });
    let result = compile();
    drop(done);
    if reporter.join().unwrap_or(false) {
        eprintln!(
            "wasmo: compiled {path} in {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    result
}
