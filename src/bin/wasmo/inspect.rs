//! `wasmo inspect`: what a module file holds (format, sizes, imports, exports, the header of a
//! serialised module) and, unless `--no-compile`, how it compiles here (mode, tiers, time).

use crate::load::{self, exact_size, Input};
use crate::{EngineOptions, Failure};
use std::fmt::Write as _;
use std::time::Instant;
use wasmo::api::{
    ArtifactSummary, CodeForm, Engine, ExternKind, ExternType, Limits, Mode, Module, ModuleSummary,
};

pub fn inspect(engine_options: &EngineOptions, file: &str, compile: bool) -> Result<(), Failure> {
    let engine = Engine::new(engine_options.config());
    let result = inspect_in(&engine, file, compile);
    engine.stop_tier_up();
    let text = result?;
    print!("{text}");
    Ok(())
}

fn inspect_in(engine: &Engine, file: &str, compile: bool) -> Result<String, Failure> {
    let input = load::read(file)?;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "file: {file}");
    // The module, compiled or loaded, and how long that took; or just its decoded shape.
    let mut module: Option<(Module, f64)> = None;
    let mut info: Option<ModuleSummary> = None;
    let mut load_note = None;
    match &input {
        Input::Binary(wasm) => {
            let _ = writeln!(w, "format: wasm binary, {}", exact_size(wasm.len()));
        }
        Input::Text { text_len, wasm } => {
            let _ = writeln!(
                w,
                "format: text, {}, encoding {} of wasm",
                exact_size(*text_len),
                exact_size(wasm.len())
            );
        }
        Input::Artifact(bytes) => {
            let artifact =
                ArtifactSummary::read(bytes).map_err(|e| Failure::Error(format!("{file}: {e}")))?;
            let h = &artifact.header;
            let _ = writeln!(w, "format: serialized module, {}", exact_size(bytes.len()));
            let _ = writeln!(w, "artifact:");
            let _ = writeln!(w, "  wasmo version: {}", h.wasmo_version);
            let this_build = wasmo::api::BUILD_ID;
            let _ = writeln!(
                w,
                "  build id: {}{}",
                h.build_id,
                if h.build_id == this_build {
                    " (this build)".to_string()
                } else {
                    format!(" (this is build {this_build})")
                }
            );
            let _ = writeln!(w, "  target: {}", h.triple);
            let _ = writeln!(w, "  cpu: {}", h.cpu);
            let _ = writeln!(w, "  cpu features: {}", h.features);
            let mode = if h.mode == 0 {
                "optimised".to_string()
            } else {
                format!("unknown ({})", h.mode)
            };
            let _ = writeln!(w, "  mode: {mode}, opt level {}", h.opt_level);
            let _ = writeln!(w, "{}", code_line(artifact.code));
            match artifact.loadable() {
                Ok(()) => {
                    let _ = writeln!(w, "  loadable here: yes");
                }
                Err(e) => {
                    let _ = writeln!(w, "  loadable here: no: {e}");
                    load_note = Some("not loaded: the artifact cannot run here".to_string());
                }
            }
            if !compile || load_note.is_some() {
                info = Some(decode(artifact.wasm, engine, file)?);
            }
        }
    }
    if compile && load_note.is_none() {
        let start = Instant::now();
        let m = load::module(engine, file, &input)?;
        module = Some((m, start.elapsed().as_secs_f64()));
    } else if info.is_none() {
        let wasm = input.wasm().expect("an artifact's info is decoded above");
        info = Some(decode(wasm, engine, file)?);
    }
    let (info, wasm) = match &module {
        Some((m, _)) => (m.summary(), m.bytes()),
        None => (
            info.expect("decoded when not compiled"),
            input.wasm().unwrap_or(&[]),
        ),
    };
    sizes(w, &info, wasm);
    imports_and_exports(w, &info);
    match &module {
        Some((m, seconds)) => compiled(w, engine, m, *seconds, &input),
        None => {
            let _ = writeln!(
                w,
                "compiled: {}",
                load_note.unwrap_or_else(|| "not compiled (--no-compile)".to_string())
            );
        }
    }
    Ok(out)
}

fn decode(wasm: &[u8], engine: &Engine, file: &str) -> Result<ModuleSummary, Failure> {
    ModuleSummary::decode(engine, wasm)
        .map_err(|e| Failure::Error(format!("{file}: invalid module: {e}")))
}

fn sizes(w: &mut String, info: &ModuleSummary, wasm: &[u8]) {
    let imported = info.imported_functions;
    let code = info.code_bytes;
    let data = info.data_bytes;
    let named = crate::run::function_names(wasm).len();
    let _ = writeln!(w, "sizes:");
    if !wasm.is_empty() {
        let _ = writeln!(w, "  wasm: {} bytes", wasm.len());
    }
    let _ = writeln!(
        w,
        "  functions: {} ({imported} imported, {} defined){}",
        info.functions,
        info.defined_functions,
        if named > 0 {
            format!(", {named} named in the name section")
        } else {
            String::new()
        }
    );
    let _ = writeln!(w, "  code: {code} bytes of function bodies");
    let _ = writeln!(
        w,
        "  data: {data} bytes in {} segment{}",
        info.data_segments,
        if info.data_segments == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        w,
        "  memories: {}, tables: {}, globals: {}, element segments: {}",
        info.memories, info.tables, info.globals, info.element_segments
    );
    if let Some(start) = info.start {
        let _ = writeln!(w, "  start function: func {start}");
    }
}

fn imports_and_exports(w: &mut String, info: &ModuleSummary) {
    let _ = writeln!(w, "imports ({}):", info.imports.len());
    for import in &info.imports {
        let _ = writeln!(
            w,
            "  {}.{}: {}",
            import.module.escape_debug(),
            import.name.escape_debug(),
            extern_type(&import.ty)
        );
    }
    let _ = writeln!(w, "exports ({}):", info.exports.len());
    for (export, ty) in &info.exports {
        let _ = writeln!(
            w,
            "  {}: {} [{} {}]",
            export.name.escape_debug(),
            extern_type(ty),
            kind_name(export.kind),
            export.index
        );
    }
}

fn compiled(w: &mut String, engine: &Engine, module: &Module, seconds: f64, input: &Input) {
    let config = engine.config();
    let _ = writeln!(w, "compiled:");
    let how = if matches!(input, Input::Artifact(_)) {
        "deserialised (optimised code, no compilation)".to_string()
    } else {
        match config.mode {
            Mode::Optimized => format!(
                "optimised, opt level {}, {} compile thread{}",
                config.opt_level,
                config.threads(),
                if config.threads() == 1 { "" } else { "s" }
            ),
            Mode::Liftoff => format!(
                "lift-off ({} baseline code, optimised in the background), {} compile thread{}",
                if config.lazy { "lazy" } else { "eager" },
                config.threads(),
                if config.threads() == 1 { "" } else { "s" }
            ),
        }
    };
    let _ = writeln!(w, "  mode: {how}");
    let _ = writeln!(w, "  time: {:.1} ms", seconds * 1000.0);
    let defined = module.summary().defined_functions;
    match module.code_mode() {
        Mode::Liftoff => {
            let c = module.tier_counts();
            let _ = writeln!(
                w,
                "  tiers: {} not compiled, {} baseline, {} optimised",
                c.not_compiled, c.baseline, c.optimized
            );
        }
        Mode::Optimized => {
            let _ = writeln!(w, "  tiers: {defined} optimised");
        }
    }
    if let Some(code) = module.object_code() {
        let _ = writeln!(w, "{}", code_line(code));
    }
}

/// The line saying how a module's optimised code is held.
fn code_line(code: CodeForm) -> String {
    match code {
        CodeForm::Objects { count, bytes } => format!(
            "  object code: {count} object{}, {}",
            if count == 1 { "" } else { "s" },
            exact_size(bytes)
        ),
        CodeForm::Image { bytes } => format!("  code image: {}", exact_size(bytes)),
    }
}

pub fn kind_name(kind: ExternKind) -> &'static str {
    match kind {
        ExternKind::Func => "func",
        ExternKind::Global => "global",
        ExternKind::Table => "table",
        ExternKind::Memory => "memory",
        ExternKind::Tag => "tag",
    }
}

/// A type as the text format writes it: `(func (param i32))`, `(memory 1 2)`,
/// `(table 4 funcref)`, `(global (mut i32))`.
fn extern_type(ty: &ExternType) -> String {
    let limits = |l: Limits| match l.max {
        Some(max) => format!("{} {max}", l.min),
        None => l.min.to_string(),
    };
    match ty {
        ExternType::Func(f) => f.to_string(),
        ExternType::Memory(m) => format!(
            "(memory {}{}{})",
            if m.memory64 { "i64 " } else { "" },
            limits(m.limits),
            if m.shared { " shared" } else { "" }
        ),
        ExternType::Table(t) => format!(
            "(table {}{} {})",
            if t.table64 { "i64 " } else { "" },
            limits(t.limits),
            t.element
        ),
        ExternType::Global(g) if g.mutable => format!("(global (mut {}))", g.content),
        ExternType::Global(g) => format!("(global {})", g.content),
        ExternType::Tag(f) => format!("(tag {f})"),
    }
}
