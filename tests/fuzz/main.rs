//! The differential fuzzer: wasm-smith modules run in Wasmo's three modes (optimised,
//! lift-off, serialised) and in the wasmi interpreter, results and state compared; and byte
//! mutations of modules and artifacts fed to Wasmo, where nothing may panic.
//!
//! `cargo test --release --test fuzz -- [options]` (scripts/fuzz.sh wraps it):
//!   --modules N       modules per configuration (default 10)
//!   --seed S          campaign seed (default 1)
//!   --configs A,B     configurations (default scalar,simd,trap-free,wasm3,exceptions)
//!   --mutations M     byte mutants per module, each fed to Module::validate, Module::new in
//!                     both modes and wasm_module_validate/_new; as many artifact mutants every
//!                     8th module, fed to Module::deserialize and wasm_module_deserialize
//!                     (default 2)
//!   --save DIR        where findings are written (default target/fuzz-findings)
//!   --replay DIR      regression cases replayed first (default tests/fuzz-regressions)
//!   --no-replay       skip the replay
//!   --strict          every mismatch fails the run; by default (what a plain `cargo test` runs)
//!                     a mismatch whose class tests/fuzz-regressions/KNOWN.md lists as a known
//!                     open bug is reported, with the bug, but does not fail the run
//!   --allow-known     that default, explicitly
//!   --one CONFIG:SEED run one module verbosely (prints its text and every call)
//!   --file FILE       run one .wasm or .wat file like --one (configuration scalar, or the
//!                     first of --configs; argument seed from --seed)
//!   --reference-only FILE  run a .wasm file in wasmi alone (of configuration --configs' first,
//!                     seed --seed), no Wasmo code in the process: is a crash wasmi's own?
//!   --shrink-reference-crash FILE  shrink a module on which wasmi alone (--reference-only)
//!                     dies by a signal, keeping that; written as FILE.min.wasm
//!   --print FILE      print a .wasm file as text
//!   --shrink FILE     shrink a saved differential case (its .txt beside it) to the smallest
//!                     module with the same first finding (of the mode FUZZ_SHRINK_MODE names,
//!                     if set), written as FILE.min.wasm
//! A module is generated from (configuration, module seed); the module seed comes from the
//! campaign seed and the module's number, and is printed and saved with every finding.

mod compare;
mod gen;
mod model;
mod reference;
mod wasmo_engine;

use compare::Finding;
use model::{Plan, Verdict};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasmo_engine::{CApi, Wasmo, WasmoMode};

const ARG_SETS: usize = 4;

struct Options {
    modules: usize,
    seed: u64,
    configs: Vec<String>,
    mutations: usize,
    save: PathBuf,
    replay: Option<PathBuf>,
    allow_known: bool,
    one: Option<(String, u64)>,
    print: Option<PathBuf>,
    file: Option<PathBuf>,
    reference_only: Option<PathBuf>,
    shrink_crash: Option<PathBuf>,
    shrink: Option<PathBuf>,
    check_class: Option<Vec<String>>,
}

fn parse_u64(s: &str) -> u64 {
    let s = s.trim();
    let v = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    v.unwrap_or_else(|_| panic!("not a number: {s}"))
}

fn options() -> Options {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        modules: 10,
        seed: 1,
        configs: gen::CONFIGS.iter().map(|s| s.to_string()).collect(),
        mutations: 2,
        save: root.join("target/fuzz-findings"),
        replay: Some(root.join("tests/fuzz-regressions")),
        allow_known: true,
        one: None,
        print: None,
        file: None,
        reference_only: None,
        shrink_crash: None,
        shrink: None,
        check_class: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--modules" => o.modules = parse_u64(&value()) as usize,
            "--seed" => o.seed = parse_u64(&value()),
            "--configs" => o.configs = value().split(',').map(String::from).collect(),
            "--mutations" => o.mutations = parse_u64(&value()) as usize,
            "--save" => o.save = value().into(),
            "--replay" => o.replay = Some(value().into()),
            "--no-replay" => o.replay = None,
            "--allow-known" => o.allow_known = true,
            "--strict" => o.allow_known = false,
            "--one" => {
                let v = value();
                let (c, s) = v.split_once(':').expect("--one CONFIG:SEED");
                o.one = Some((c.to_string(), parse_u64(s)));
            }
            "--print" => o.print = Some(value().into()),
            "--file" => o.file = Some(value().into()),
            "--reference-only" => o.reference_only = Some(value().into()),
            "--shrink-reference-crash" => o.shrink_crash = Some(value().into()),
            "--shrink" => o.shrink = Some(value().into()),
            // Internal, for --shrink: FILE CONFIG SEED MODE CLASS; exit 0 if the first finding
            // of MODE has that class.
            "--check-class" => o.check_class = Some((0..5).map(|_| value()).collect()),
            // What the test harness convention may pass (e.g. --nocapture): ignored.
            _ => eprintln!("fuzz: ignoring argument {a:?}"),
        }
    }
    for c in &o.configs {
        assert!(gen::smith_config(c).is_some(), "unknown configuration {c}");
    }
    o
}

/// Everything one module showed.
#[derive(Default)]
struct ModuleReport {
    /// Both engines accepted it.
    accepted: bool,
    wasmi_rejected: bool,
    unsupported: bool,
    /// (mode or "validate", class, detail)
    mismatches: Vec<(String, String, String)>,
    resources: Vec<(String, String)>,
    panics: Vec<String>,
    /// The reference (wasmi) panicked on the module: a bug or limitation of wasmi's, not a
    /// finding against Wasmo, so the module is checked against optimised code instead.
    reference_panics: Vec<String>,
    /// The runs, for --one.
    runs: Vec<(String, model::Run)>,
}

fn panic_message(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Runs `f`, a panic becoming `Err(message)`.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|e| panic_message(&e))
}

struct Fuzzer {
    wasmo: Wasmo,
    capi: CApi,
    wasmi_scalar: reference::Wasmi,
    wasmi_simd: reference::Wasmi,
}

impl Fuzzer {
    /// The differential check of one module.
    fn check_module(&self, config: &str, seed: u64, bytes: &[u8]) -> ModuleReport {
        let mut rep = ModuleReport::default();
        let wasmi = if gen::uses_simd(config) {
            &self.wasmi_simd
        } else {
            &self.wasmi_scalar
        };
        let plan = Plan {
            seed,
            arg_sets: ARG_SETS,
        };
        // None: no reference runs this configuration (`gen::has_reference`); optimised code
        // is the expectation of the other modes then.
        let reference = if !gen::has_reference(config) {
            None
        } else {
            match guarded(|| wasmi.compile(bytes)) {
                Ok(r) => Some(r),
                Err(p) => {
                    rep.reference_panics
                        .push(format!("wasmi panicked compiling: {p}"));
                    None
                }
            }
        };
        let validate = match guarded(|| self.wasmo.validate(bytes)) {
            Ok(v) => v,
            Err(p) => {
                rep.panics.push(format!("validate panicked: {p}"));
                return rep;
            }
        };
        let mut compiled = Vec::new();
        for mode in [WasmoMode::Opt, WasmoMode::Liftoff] {
            match guarded(|| self.wasmo.compile(mode, bytes)) {
                Ok(Ok(m)) => {
                    if validate != Verdict::Accepted {
                        rep.mismatches.push((
                            mode.name().into(),
                            "validate refuses, new accepts".into(),
                            format!("{validate:?}"),
                        ));
                    }
                    compiled.push((mode, m));
                }
                Ok(Err(v)) => {
                    if validate == Verdict::Accepted {
                        rep.mismatches.push((
                            mode.name().into(),
                            "validate accepts, new refuses".into(),
                            format!("{v:?}"),
                        ));
                    }
                    match (&reference, v) {
                        (Some(Ok(_)) | None, Verdict::Unsupported(m)) => {
                            rep.unsupported = true;
                            rep.mismatches.push((
                                mode.name().into(),
                                "refused as unsupported".into(),
                                m,
                            ));
                        }
                        (Some(Ok(_)) | None, Verdict::Invalid(m)) => rep.mismatches.push((
                            mode.name().into(),
                            "wasmo rejects, wasmi accepts".into(),
                            m,
                        )),
                        _ => {}
                    }
                }
                Err(p) => rep
                    .panics
                    .push(format!("{}: Module::new panicked: {p}", mode.name())),
            }
        }
        // Serialised: the optimised module's artifact, loaded back.
        if let Some((_, opt)) = compiled.iter().find(|(m, _)| *m == WasmoMode::Opt) {
            match guarded(|| {
                self.wasmo
                    .serialize(opt)
                    .and_then(|a| self.wasmo.deserialize(&a))
            }) {
                Ok(Ok(m)) => compiled.push((WasmoMode::Serialized, m)),
                Ok(Err(e)) => rep.mismatches.push((
                    "serialized".into(),
                    "serialize/deserialize fails".into(),
                    e,
                )),
                Err(p) => rep
                    .panics
                    .push(format!("serialize/deserialize panicked: {p}")),
            }
        }
        let reference = match reference {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                rep.wasmi_rejected = true;
                if !compiled.is_empty() {
                    rep.mismatches.push((
                        "validate".into(),
                        "wasmi rejects, wasmo accepts".into(),
                        e,
                    ));
                }
                return rep;
            }
        };
        if compiled.is_empty() {
            return rep;
        }
        rep.accepted = true;
        let from_reference = match &reference {
            Some(reference) => match guarded(|| wasmi.run(reference, &plan)) {
                Ok(r) => Some(r),
                Err(p) => {
                    rep.reference_panics
                        .push(format!("wasmi panicked running: {p}"));
                    None
                }
            },
            None => None,
        };
        let expected = match from_reference {
            Some(r) => r,
            None => match guarded(|| self.wasmo.run(&compiled[0].1, &plan)) {
                Ok(r) => r,
                Err(p) => {
                    rep.panics
                        .push(format!("{}: run panicked: {p}", compiled[0].0.name()));
                    return rep;
                }
            },
        };
        for (mode, module) in &compiled {
            let leaked = wasmo::api::leaked_exceptions();
            match guarded(|| self.wasmo.run(module, &plan)) {
                Ok(run) => {
                    // Every exception freed when its last owner let go (issue 18).
                    let more = wasmo::api::leaked_exceptions() - leaked;
                    if more > 0 {
                        rep.mismatches.push((
                            mode.name().into(),
                            "exceptions leaked".into(),
                            format!("{more} exceptions alive after calls returned"),
                        ));
                    }
                    match compare::compare(&expected, &run) {
                        Some(Finding::Mismatch { class, detail }) => {
                            rep.mismatches.push((mode.name().into(), class, detail))
                        }
                        Some(Finding::Resource { detail }) => {
                            rep.resources.push((mode.name().into(), detail))
                        }
                        None => {}
                    }
                    rep.runs.push((mode.name().into(), run));
                }
                Err(p) => rep
                    .panics
                    .push(format!("{}: run panicked: {p}", mode.name())),
            }
        }
        let expected_name = if reference.is_some() {
            "wasmi"
        } else {
            "reference (first mode)"
        };
        rep.runs.insert(0, (expected_name.into(), expected));
        rep
    }

    /// A mutated module: validate and both compile modes must not panic, and must agree.
    fn check_mutant(&self, bytes: &[u8]) -> MutantReport {
        let mut rep = MutantReport::default();
        let validate = match guarded(|| self.wasmo.validate(bytes)) {
            Ok(v) => v == Verdict::Accepted,
            Err(p) => {
                rep.panics.push(format!("Module::validate panicked: {p}"));
                return rep;
            }
        };
        for mode in [WasmoMode::Opt, WasmoMode::Liftoff] {
            match guarded(|| self.wasmo.compile(mode, bytes).is_ok()) {
                Ok(ok) => {
                    rep.accepted |= ok;
                    if ok != validate {
                        rep.disagreements.push(format!(
                            "{}: validate {}, new {}",
                            mode.name(),
                            validate,
                            ok
                        ));
                    }
                }
                Err(p) => rep
                    .panics
                    .push(format!("{}: Module::new panicked: {p}", mode.name())),
            }
        }
        match guarded(|| self.capi.check(bytes)) {
            Ok((valid, made)) => {
                if valid != validate || made != validate {
                    rep.disagreements.push(format!(
                        "C API: wasm_module_validate {valid}, wasm_module_new {made}, Module::validate {validate}"
                    ));
                }
            }
            Err(p) => rep
                .panics
                .push(format!("C API: wasm_module_new/validate panicked: {p}")),
        }
        rep
    }

    /// A mutated artifact: `Module::deserialize` and `wasm_module_deserialize` must not panic.
    fn check_artifact(&self, bytes: &[u8]) -> Result<bool, String> {
        let rust = guarded(|| self.wasmo.deserialize(bytes).is_ok())
            .map_err(|p| format!("Module::deserialize panicked: {p}"))?;
        guarded(|| self.capi.deserialize(bytes))
            .map_err(|p| format!("wasm_module_deserialize panicked: {p}"))?;
        Ok(rust)
    }
}

#[derive(Default)]
struct MutantReport {
    accepted: bool,
    disagreements: Vec<String>,
    panics: Vec<String>,
}

#[derive(Default)]
struct Stats {
    tried: usize,
    generation_failed: usize,
    accepted: usize,
    wasmi_rejected: usize,
    unsupported: usize,
    modules_mismatched: usize,
    modules_known_only: usize,
    mismatches: BTreeMap<String, usize>,
    resources: BTreeMap<String, usize>,
    panics: usize,
    /// Modules the reference panicked on (checked against optimised code instead).
    reference_panics: usize,
    mutants: usize,
    mutants_accepted: usize,
    mutant_disagreements: usize,
    artifacts: usize,
    artifacts_accepted: usize,
    seconds: f64,
}

/// KNOWN.md's `known-class:` lines: a part of "CONFIG: MODE: CLASS" (`*` for anything), then
/// `|` and the bug it stands for.
fn known_classes(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("KNOWN.md")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("known-class:"))
        .filter_map(|l| l.split_once('|'))
        .map(|(c, b)| (c.trim().to_string(), b.trim().to_string()))
        .collect()
}

fn known_bug<'a>(known: &'a [(String, String)], class: &str) -> Option<&'a str> {
    known
        .iter()
        .find(|(pattern, _)| {
            // `*` stands for anything; the other parts appear in order.
            let mut rest = class;
            pattern.split('*').all(|part| match rest.find(part.trim()) {
                Some(at) => {
                    rest = &rest[at + part.trim().len()..];
                    true
                }
                None => false,
            })
        })
        .map(|(_, b)| b.as_str())
}

fn save_case(dir: &Path, name: &str, ext: &str, bytes: &[u8], text: &str) {
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(format!("{name}.{ext}")), bytes);
    let _ = std::fs::write(dir.join(format!("{name}.txt")), text);
}

/// One case file's description: `key: value` lines.
fn read_case(txt: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(txt)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn wat(bytes: &[u8]) -> String {
    wasmprinter::print_bytes(bytes).unwrap_or_else(|e| format!("(not printable: {e})"))
}

/// Replays every case of `dir`: returns (failures, known open, fixed).
fn replay(f: &Fuzzer, dir: &Path) -> (usize, usize, usize) {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    cases.retain(|p| {
        p.extension()
            .is_some_and(|e| e == "wasm" || e == "wat" || e == "artifact")
    });
    cases.sort();
    let (mut failed, mut open, mut fixed) = (0, 0, 0);
    for path in &cases {
        let bytes = if path.extension().is_some_and(|e| e == "wat") {
            wat::parse_file(path).unwrap()
        } else {
            std::fs::read(path).unwrap()
        };
        let case = read_case(&path.with_extension("txt"));
        let kind = case.get("kind").map_or("differential", |s| s.as_str());
        let known = case.get("known").filter(|k| !k.is_empty());
        let problems: Vec<String> = match kind {
            "differential" => {
                let config = case.get("config").map_or("scalar", |s| s.as_str());
                let seed = case.get("seed").map_or(0, |s| parse_u64(s));
                let rep = f.check_module(config, seed, &bytes);
                rep.mismatches
                    .iter()
                    .map(|(m, c, d)| format!("{m}: {c}: {d}"))
                    .chain(rep.panics.iter().cloned())
                    .collect()
            }
            "mutant" => {
                let rep = f.check_mutant(&bytes);
                rep.disagreements.into_iter().chain(rep.panics).collect()
            }
            "artifact" => f.check_artifact(&bytes).err().into_iter().collect(),
            other => vec![format!("unknown case kind {other:?}")],
        };
        let name = path.file_name().unwrap().to_string_lossy();
        match (known, problems.is_empty()) {
            (Some(bug), false) => {
                open += 1;
                println!("replay {name}: KNOWN OPEN BUG ({bug}): {}", problems[0]);
            }
            (Some(bug), true) => {
                fixed += 1;
                println!("replay {name}: FIXED? passes now; un-mark `known: {bug}` in its .txt");
            }
            (None, false) => {
                failed += 1;
                println!("replay {name}: FAIL: {}", problems.join("; "));
            }
            (None, true) => println!("replay {name}: ok"),
        }
    }
    println!(
        "replay: {} cases, {failed} failed, {open} known open, {fixed} fixed",
        cases.len()
    );
    (failed, open, fixed)
}

fn module_seed(seed: u64, config: &str, i: usize) -> u64 {
    gen::splitmix(seed ^ gen::hash_str(config)).wrapping_add(i as u64)
}

fn campaign(f: &Fuzzer, o: &Options, known: &[(String, String)], config: &str) -> Stats {
    let mut s = Stats::default();
    let start = Instant::now();
    let mut rng = gen::Rng::new(o.seed ^ gen::hash_str(config) ^ 0x6d75_7461);
    for i in 0..o.modules {
        s.tried += 1;
        let seed = module_seed(o.seed, config, i);
        let Some(bytes) = gen::generate(config, seed) else {
            s.generation_failed += 1;
            continue;
        };
        // A crash that kills the process leaves the module it was on here.
        let _ = std::fs::create_dir_all(&o.save);
        let _ = std::fs::write(o.save.join("current.wasm"), &bytes);
        let _ = std::fs::write(
            o.save.join("current.txt"),
            format!("config: {config}\nseed: {seed:#x}\n"),
        );
        let rep = f.check_module(config, seed, &bytes);
        s.accepted += rep.accepted as usize;
        s.wasmi_rejected += rep.wasmi_rejected as usize;
        s.unsupported += rep.unsupported as usize;
        s.panics += rep.panics.len();
        s.reference_panics += usize::from(!rep.reference_panics.is_empty());
        for (mode, _) in &rep.resources {
            *s.resources.entry(mode.clone()).or_default() += 1;
        }
        for (mode, class, _) in &rep.mismatches {
            *s.mismatches.entry(format!("{mode}: {class}")).or_default() += 1;
        }
        if !rep.mismatches.is_empty() {
            s.modules_mismatched += 1;
            if rep.panics.is_empty()
                && rep
                    .mismatches
                    .iter()
                    .all(|(m, c, _)| known_bug(known, &format!("{config}: {m}: {c}")).is_some())
            {
                s.modules_known_only += 1;
            }
        }
        if !rep.mismatches.is_empty() || !rep.panics.is_empty() {
            let mut text = format!("config: {config}\nseed: {seed:#x}\nkind: differential\n");
            let bug = rep
                .mismatches
                .iter()
                .find_map(|(m, c, _)| known_bug(known, &format!("{config}: {m}: {c}")));
            text += &format!("suspected: {}\n", bug.unwrap_or("new"));
            for (mode, class, detail) in &rep.mismatches {
                text += &format!("found: {mode}: {class}\ndetail: {detail}\n");
            }
            for p in &rep.panics {
                text += &format!("panic: {p}\n");
            }
            for p in &rep.reference_panics {
                text += &format!("reference panic (checked against optimised code): {p}\n");
            }
            save_case(
                &o.save,
                &format!("{config}-{seed:016x}"),
                "wasm",
                &bytes,
                &text,
            );
        }
        for (mode, detail) in &rep.resources {
            let text =
                format!("config: {config}\nseed: {seed:#x}\nkind: resource\n{mode}: {detail}\n");
            save_case(
                &o.save.join("resource"),
                &format!("{config}-{seed:016x}"),
                "wasm",
                &bytes,
                &text,
            );
        }
        // Byte mutations of the module.
        for _ in 0..o.mutations {
            let mutant = gen::mutate(&bytes, &mut rng);
            if mutant == bytes {
                continue; // an edit that changed nothing
            }
            s.mutants += 1;
            let m = f.check_mutant(&mutant);
            s.mutants_accepted += m.accepted as usize;
            s.mutant_disagreements += m.disagreements.len();
            s.panics += m.panics.len();
            if !m.panics.is_empty() || !m.disagreements.is_empty() {
                let text = format!(
                    "config: {config}\nseed: {seed:#x}\nkind: mutant\nfound: {}\n",
                    m.panics
                        .iter()
                        .chain(&m.disagreements)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                let name = format!("mutant-{:016x}", gen::hash_bytes(&mutant));
                save_case(&o.save, &name, "wasm", &mutant, &text);
            }
        }
        // Mutations of its artifact, every 8th module (serialising costs a compile).
        if i % 8 == 0 && o.mutations > 0 {
            let artifact = guarded(|| {
                f.wasmo
                    .compile(WasmoMode::Opt, &bytes)
                    .ok()
                    .and_then(|m| f.wasmo.serialize(&m).ok())
            });
            if let Ok(Some(artifact)) = artifact {
                for _ in 0..o.mutations {
                    let mutant = gen::mutate(&artifact, &mut rng);
                    if mutant == artifact {
                        continue;
                    }
                    s.artifacts += 1;
                    match f.check_artifact(&mutant) {
                        Ok(ok) => s.artifacts_accepted += ok as usize,
                        Err(p) => {
                            s.panics += 1;
                            let text = format!(
                                "config: {config}\nseed: {seed:#x}\nkind: artifact\nfound: {p}\n"
                            );
                            let name = format!("artifact-{:016x}", gen::hash_bytes(&mutant));
                            save_case(&o.save, &name, "artifact", &mutant, &text);
                        }
                    }
                }
            }
        }
        if (i + 1) % 100 == 0 {
            eprintln!(
                "fuzz: {config}: {} modules, {} mismatched, {:.0} s",
                i + 1,
                s.modules_mismatched,
                start.elapsed().as_secs_f64()
            );
        }
    }
    s.seconds = start.elapsed().as_secs_f64();
    s
}

fn print_stats(config: &str, s: &Stats, known: &[(String, String)]) {
    println!("== {config}: {:.1} s", s.seconds);
    println!(
        "  modules tried {}, generation failed {}, accepted by both {}, wasmi rejected {}, wasmo unsupported {}",
        s.tried, s.generation_failed, s.accepted, s.wasmi_rejected, s.unsupported
    );
    println!(
        "  modules with a mismatch {} ({} only in classes of known bugs)",
        s.modules_mismatched, s.modules_known_only
    );
    for (class, n) in &s.mismatches {
        let bug = known_bug(known, &format!("{config}: {class}"))
            .map_or(String::new(), |b| format!("   [known: {b}]"));
        println!("    {n:5}  {class}{bug}");
    }
    println!(
        "  resource differences (stack exhaustion on one side only): {:?}",
        s.resources
    );
    println!("  panics/crashes: {}", s.panics);
    if s.reference_panics > 0 {
        println!(
            "  reference (wasmi) panicked on {} modules, checked against optimised code instead",
            s.reference_panics
        );
    }
    println!(
        "  mutants {} (accepted {}, validate/new disagreements {}), artifact mutants {} (accepted {})",
        s.mutants, s.mutants_accepted, s.mutant_disagreements, s.artifacts, s.artifacts_accepted
    );
}

fn one(f: &Fuzzer, config: &str, seed: u64, bytes: &[u8]) {
    println!("{}", wat(bytes));
    let rep = f.check_module(config, seed, bytes);
    for (mode, run) in &rep.runs {
        println!("--- {mode}: instantiate {:?}", run.instantiate);
        for c in &run.calls {
            println!("  {}({:x?}) -> {:x?}", c.func, c.args, c.result);
        }
        println!("  globals {:x?}", run.globals);
        for (name, m) in &run.memories {
            println!(
                "  memory {name}: {} bytes, hash {:016x}",
                m.len(),
                gen::hash_bytes(m)
            );
        }
        println!("  tables {:?}", run.tables);
    }
    for (mode, class, detail) in &rep.mismatches {
        println!("MISMATCH {mode}: {class}: {detail}");
    }
    for (mode, detail) in &rep.resources {
        println!("RESOURCE {mode}: {detail}");
    }
    for p in &rep.panics {
        println!("PANIC {p}");
    }
}

/// The first finding's (mode, class) of a differential case (of FUZZ_SHRINK_MODE's mode).
fn first_class(f: &Fuzzer, config: &str, seed: u64, bytes: &[u8]) -> Option<(String, String)> {
    let rep = f.check_module(config, seed, bytes);
    let mode = std::env::var("FUZZ_SHRINK_MODE").ok();
    rep.mismatches
        .into_iter()
        .find(|(m, _, _)| mode.as_ref().is_none_or(|want| want == m))
        .map(|(m, c, _)| (m, c))
}

/// Shrinks with wasm-shrink; each candidate is checked in a child process with a time limit,
/// since a shrunken module may lose its fuel checks and loop, or crash.
fn shrink(f: &Fuzzer, path: &Path) -> i32 {
    let bytes = std::fs::read(path).unwrap();
    let case = read_case(&path.with_extension("txt"));
    let config = case.get("config").cloned().unwrap_or("scalar".into());
    let seed = case.get("seed").map_or(0, |s| parse_u64(s));
    let Some((mode, class)) = first_class(f, &config, seed, &bytes) else {
        println!("{}: no mismatch to shrink", path.display());
        return 1;
    };
    println!("shrinking {} ({mode}: {class})", path.display());
    let exe = std::env::current_exe().unwrap();
    let tmp = path.with_extension("candidate.wasm");
    let info = wasm_shrink::WasmShrink::default()
        .attempts(400)
        .run(bytes, |candidate| {
            std::fs::write(&tmp, candidate)?;
            let mut child = std::process::Command::new(&exe)
                .args(["--no-replay", "--check-class"])
                .arg(&tmp)
                .args([&config, &format!("{seed:#x}"), &mode, &class])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()?;
            let start = Instant::now();
            loop {
                if let Some(status) = child.try_wait()? {
                    return Ok(status.success());
                }
                if start.elapsed().as_secs() > 10 {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(false);
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
    let _ = std::fs::remove_file(&tmp);
    match info {
        Ok(info) => {
            let out = path.with_extension("min.wasm");
            std::fs::write(&out, &info.output).unwrap();
            println!(
                "{} -> {} bytes: {}\n{}",
                info.input_size,
                info.output_size,
                out.display(),
                wat(&info.output)
            );
            0
        }
        Err(e) => {
            println!("shrink failed: {e}");
            1
        }
    }
}

/// Runs `exe args` with a time limit: Some(true) if it died by a signal, None on a time-out.
fn dies_by_signal(exe: &Path, args: &[&std::ffi::OsStr]) -> std::io::Result<Option<bool>> {
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(exe)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status.signal().is_some()));
        }
        if start.elapsed().as_secs() > 10 {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn shrink_reference_crash(o: &Options, path: &Path) -> i32 {
    let exe = std::env::current_exe().unwrap();
    let tmp = path.with_extension("candidate.wasm");
    let seed = format!("{:#x}", o.seed);
    let info = wasm_shrink::WasmShrink::default().attempts(400).run(
        std::fs::read(path).unwrap(),
        |candidate| {
            std::fs::write(&tmp, candidate)?;
            let args: Vec<&std::ffi::OsStr> = vec![
                "--reference-only".as_ref(),
                tmp.as_os_str(),
                "--configs".as_ref(),
                o.configs[0].as_ref(),
                "--seed".as_ref(),
                seed.as_ref(),
            ];
            Ok(dies_by_signal(&exe, &args)? == Some(true))
        },
    );
    let _ = std::fs::remove_file(&tmp);
    match info {
        Ok(info) => {
            let out = path.with_extension("min.wasm");
            std::fs::write(&out, &info.output).unwrap();
            println!(
                "{} -> {} bytes: {}\n{}",
                info.input_size,
                info.output_size,
                out.display(),
                wat(&info.output)
            );
            0
        }
        Err(e) => {
            println!("shrink failed: {e}");
            1
        }
    }
}

fn main() {
    let o = options();
    if let Some(path) = &o.shrink_crash {
        std::process::exit(shrink_reference_crash(&o, path));
    }
    if let Some(path) = &o.reference_only {
        let bytes = std::fs::read(path).unwrap();
        let wasmi = reference::Wasmi::new(gen::uses_simd(&o.configs[0]));
        let plan = Plan {
            seed: o.seed,
            arg_sets: ARG_SETS,
        };
        match wasmi.compile(&bytes) {
            Ok(m) => {
                let run = wasmi.run(&m, &plan);
                println!("instantiate {:?}", run.instantiate);
                for c in &run.calls {
                    println!("  {:?}({:x?}) -> {:x?}", c.func, c.args, c.result);
                }
            }
            Err(e) => println!("wasmi rejects: {e}"),
        }
        std::process::exit(0);
    }
    let f = Fuzzer {
        wasmo: Wasmo::new(),
        capi: CApi::new(),
        wasmi_scalar: reference::Wasmi::new(false),
        wasmi_simd: reference::Wasmi::new(true),
    };
    let code = run(&f, &o);
    f.wasmo.shutdown();
    drop(f);
    std::process::exit(code);
}

fn run(f: &Fuzzer, o: &Options) -> i32 {
    if let Some(path) = &o.print {
        println!("{}", wat(&std::fs::read(path).unwrap()));
        return 0;
    }
    if let Some(a) = &o.check_class {
        let bytes = std::fs::read(&a[0]).unwrap();
        let rep = f.check_module(&a[1], parse_u64(&a[2]), &bytes);
        let hit = rep
            .mismatches
            .iter()
            .any(|(m, c, _)| *m == a[3] && *c == a[4]);
        return if hit { 0 } else { 1 };
    }
    if let Some(path) = &o.shrink {
        return shrink(f, path);
    }
    if let Some(path) = &o.file {
        let bytes = if path.extension().is_some_and(|e| e == "wat") {
            wat::parse_file(path).unwrap()
        } else {
            std::fs::read(path).unwrap()
        };
        one(f, &o.configs[0], o.seed, &bytes);
        return 0;
    }
    if let Some((config, seed)) = &o.one {
        match gen::generate(config, *seed) {
            Some(bytes) => one(f, config, *seed, &bytes),
            None => println!("wasm-smith made no module of {config}:{seed:#x}"),
        }
        return 0;
    }
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let known = known_classes(&regressions);
    let mut failed = false;
    if let Some(dir) = &o.replay {
        let (fails, _, _) = replay(f, dir);
        failed |= fails > 0;
    }
    let start = Instant::now();
    let mut total_unknown = 0;
    for config in &o.configs {
        let s = campaign(f, o, &known, config);
        print_stats(config, &s, &known);
        let unknown = if o.allow_known {
            s.modules_mismatched - s.modules_known_only
        } else {
            s.modules_mismatched
        };
        total_unknown += unknown;
        failed |= unknown > 0 || s.panics > 0 || s.mutant_disagreements > 0;
    }
    println!(
        "fuzz: seed {}, {} modules per configuration, {:.1} s; findings in {}",
        o.seed,
        o.modules,
        start.elapsed().as_secs_f64(),
        o.save.display()
    );
    if failed {
        println!(
            "fuzz: FAILED ({total_unknown} modules with mismatches that fail the run, or panics)"
        );
        1
    } else {
        println!("fuzz: ok");
        0
    }
}
