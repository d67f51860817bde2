//! `wasmo run`: compile (or load), instantiate with stand-ins for the imports, call one export,
//! print its results.

use crate::args::WasiOptions;
use crate::{load, values, EngineOptions, Failure, Sub};
use std::collections::HashMap;
use std::io::Write;
use wasmo::api::{
    Engine, Extern, ExternKind, ExternType, Func, FuncType, Global, Instance, InstantiationError,
    Memory, Module, Store, Table, Trap, Val, ValType,
};

/// `--timeout` and `--max-memory`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Option<std::time::Duration>,
    pub max_memory: Option<u64>,
}

pub fn run(
    engine_options: &EngineOptions,
    file: &str,
    invoke: Option<&str>,
    args: &[String],
    wasi: &WasiOptions,
    limits: Limits,
) -> Result<(), Failure> {
    let mut config = engine_options.config();
    if limits.timeout.is_some() {
        config.epoch_interruption = true;
    }
    let engine = Engine::new(config);
    let result = run_in(&engine, file, invoke, args, wasi, limits);
    // No tier-up compilation may still run when the process exits (DESIGN.md, "Tiers").
    engine.stop_tier_up();
    result
}

fn run_in(
    engine: &Engine,
    file: &str,
    invoke: Option<&str>,
    args: &[String],
    wasi: &WasiOptions,
    limits: Limits,
) -> Result<(), Failure> {
    let input = load::read(file)?;
    let module = load::module(engine, file, &input)?;
    let target = choose_function(&module, invoke)?;
    // A WASI command: its arguments are the program's, `_start` takes none.
    let is_wasi = wasmo::wasi::is_wasi(&module);
    let command = is_wasi
        && target
            .as_ref()
            .is_some_and(|(n, _)| invoke.is_none() && n == "_start");
    if !is_wasi && (!wasi.dirs.is_empty() || !wasi.env.is_empty()) {
        return Err(usage(format!(
            "{file} imports nothing from WASI, so --dir and --env have no effect on it"
        )));
    }
    // The function to call and its arguments.
    let call = match target {
        Some((ref name, _)) if command => Some((name.clone(), Vec::new())),
        Some((ref name, ref ty)) => Some((name.clone(), parse_args(name, ty, args)?)),
        None if !args.is_empty() => {
            return Err(usage(format!(
                "{file} exports no function, so it takes no arguments"
            )))
        }
        None => None,
    };

    let store = Store::new(engine);
    if let Some(bytes) = limits.max_memory {
        store.set_limits(wasmo::api::StoreLimits {
            total_memory: Some(bytes),
            ..Default::default()
        });
    }
    if let Some(after) = limits.timeout {
        // The deadline is the next epoch, which a timer thread starts when it is up (compiling
        // counts too: a lift-off module compiles as it runs). The process ends with the run.
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(after);
            engine.increment_epoch();
        });
    }
    let ctx = if is_wasi {
        let argv = if command { args } else { &[] };
        Some(wasi_context(file, argv, wasi)?)
    } else {
        None
    };
    let provided = match &ctx {
        Some(ctx) => ctx
            .imports(&store, &module)
            .map_err(|e| Failure::Error(format!("cannot link {file}: {e}")))?,
        None => vec![None; module.imports().len()],
    };
    let imports = stand_ins(&store, &module, provided)?;
    let names = || frame_names(&module);
    let instance = match Instance::new(&store, &module, &imports) {
        Ok(i) => i,
        Err(InstantiationError::Trap(trap)) if trap.exit_code.is_some() => {
            return Err(Failure::Exit(trap.exit_code.unwrap_or(0)))
        }
        Err(InstantiationError::Trap(trap)) => {
            // Without wasm frames, a segment did not fit (or an imported start function, a
            // stand-in, trapped).
            let context = if trap.frames.is_empty() {
                "while instantiating"
            } else {
                "in the start function"
            };
            return Err(Failure::Trap {
                context: context.to_string(),
                trap: Box::new(trap),
                names: names(),
            });
        }
        Err(InstantiationError::Link(e)) | Err(InstantiationError::Other(e)) => {
            return Err(Failure::Error(format!("cannot instantiate {file}: {e}")))
        }
    };
    if let Some(ctx) = &ctx {
        ctx.initialize(&store, &instance)
            .map_err(|e| Failure::Error(format!("cannot run {file}: {e}")))?;
    }
    let Some((name, args)) = call else {
        // Nothing to call: instantiating ran the start function, if any.
        return Ok(());
    };
    let trapped = |trap: Trap| match trap.exit_code {
        Some(code) => Failure::Exit(code),
        None => Failure::Trap {
            context: format!("in `{name}`"),
            trap: Box::new(trap),
            names: names(),
        },
    };
    // A WASI reactor is initialised before any of its exports is called.
    if ctx.is_some() && !command && name != "_initialize" {
        if let Some(init) = instance.get_func(&store, "_initialize") {
            init.call(&store, &[]).map_err(trapped)?;
        }
    }
    let func = instance
        .get_func(&store, &name)
        .expect("the export was chosen from the module's exports");
    let results = func.call(&store, &args).map_err(trapped)?;
    let mut out = std::io::stdout().lock();
    for r in &results {
        // A closed pipe is the reader's choice, not an error of the module.
        if writeln!(out, "{}", values::format(r)).is_err() {
            break;
        }
    }
    let _ = out.flush();
    Ok(())
}

fn usage(message: String) -> Failure {
    Failure::Usage {
        message,
        sub: Some(Sub::Run),
    }
}

/// The function to call: `--invoke NAME`, else the export `_start`, else `main`, else the only
/// exported function. None when the module exports no function at all and none was named
/// (then running it means instantiating it: its start function runs).
fn choose_function(
    module: &Module,
    invoke: Option<&str>,
) -> Result<Option<(String, FuncType)>, Failure> {
    let functions: Vec<(&str, FuncType)> = module
        .exports()
        .iter()
        .filter_map(|e| match module.export_type(e) {
            ExternType::Func(ty) => Some((e.name.as_str(), ty)),
            _ => None,
        })
        .collect();
    let list = || {
        if functions.is_empty() {
            "it exports no functions".to_string()
        } else {
            let names: Vec<String> = functions
                .iter()
                .map(|(n, ty)| format!("{n} {ty}"))
                .collect();
            format!("its exported functions: {}", names.join(", "))
        }
    };
    let find = |name: &str| {
        functions
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, ty)| (n.to_string(), ty.clone()))
    };
    if let Some(name) = invoke {
        return match find(name) {
            Some(found) => Ok(Some(found)),
            None => {
                let what = match module.exports().iter().find(|e| e.name == name) {
                    Some(e) => format!(
                        "export `{name}` is a {}, not a function",
                        crate::inspect::kind_name(e.kind)
                    ),
                    None => format!("no export named `{name}`"),
                };
                Err(usage(format!("{what}; {}", list())))
            }
        };
    }
    if let Some(found) = find("_start").or_else(|| find("main")) {
        return Ok(Some(found));
    }
    match functions.as_slice() {
        [] => Ok(None),
        [(n, ty)] => Ok(Some((n.to_string(), ty.clone()))),
        _ => Err(usage(format!(
            "which function? there is no `_start` or `main` export: use --invoke NAME; {}",
            list()
        ))),
    }
}

/// The arguments, parsed by the function's parameter types.
fn parse_args(name: &str, ty: &FuncType, args: &[String]) -> Result<Vec<Val>, Failure> {
    if let Some(p) = ty.params.iter().position(|t| *t == ValType::V128) {
        return Err(usage(format!(
            "`{name}` {ty} cannot be called from the command line: parameter {} is a v128, \
             and v128 values have no command-line syntax",
            p + 1
        )));
    }
    if args.len() != ty.params.len() {
        return Err(usage(format!(
            "`{name}` {ty} takes {} argument{}, {} given",
            ty.params.len(),
            if ty.params.len() == 1 { "" } else { "s" },
            args.len()
        )));
    }
    args.iter()
        .zip(&ty.params)
        .enumerate()
        .map(|(i, (text, &t))| {
            values::parse(text, t)
                .map_err(|e| usage(format!("argument {} of `{name}`: {e}", i + 1)))
        })
        .collect()
}

/// Stand-ins for the module's imports, which the command line cannot provide: a function that
/// traps with "unsatisfied import MODULE.NAME" when called, and a fresh memory, table or global
/// of the imported type (zero-filled memory, null table elements, a zero global).
fn stand_ins(
    store: &Store,
    module: &Module,
    provided: Vec<Option<Extern>>,
) -> Result<Vec<Extern>, Failure> {
    module
        .imports()
        .iter()
        .zip(provided)
        .map(|(import, provided)| {
            if let Some(e) = provided {
                return Ok(e);
            }
            let what = format!("{}.{}", import.module, import.name);
            let created = match &import.ty {
                ExternType::Func(ty) => {
                    let message =
                        format!("unsatisfied import {what} (wasmo run provides no host functions)");
                    Func::new(store, ty.clone(), move |_, _, _| {
                        Err(Trap::new(message.clone()))
                    })
                    .map(Extern::Func)
                }
                ExternType::Memory(ty) => Memory::new(store, *ty).map(Extern::Memory),
                ExternType::Table(ty) => {
                    Table::new(store, *ty, Val::default_for(ty.element)).map(Extern::Table)
                }
                ExternType::Global(ty) => {
                    Global::new(store, *ty, Val::default_for(ty.content)).map(Extern::Global)
                }
                ExternType::Tag(ty) => wasmo::api::Tag::new(store, ty.clone()).map(Extern::Tag),
            };
            created.map_err(|e| {
                Failure::Error(format!("cannot create a stand-in for import {what}: {e}"))
            })
        })
        .collect()
}

/// The WASI context of a command: argv (the file's name, then `args`), the environment, the
/// host's standard streams and the preopened directories.
fn wasi_context(
    file: &str,
    args: &[String],
    options: &WasiOptions,
) -> Result<std::rc::Rc<wasmo::wasi::WasiCtx>, Failure> {
    use std::os::unix::ffi::OsStrExt;
    let mut config = wasmo::wasi::WasiConfig {
        stdin: wasmo::wasi::Stdio::Inherit,
        stdout: wasmo::wasi::Stdio::Inherit,
        stderr: wasmo::wasi::Stdio::Inherit,
        ..Default::default()
    };
    config.args.push(file.as_bytes().to_vec());
    config
        .args
        .extend(args.iter().map(|a| a.as_bytes().to_vec()));
    if options.inherit_env {
        for (k, v) in std::env::vars_os() {
            config
                .env
                .push((k.as_bytes().to_vec(), v.as_bytes().to_vec()));
        }
    }
    for (k, v) in &options.env {
        config.env.retain(|(name, _)| name != k.as_bytes());
        config
            .env
            .push((k.as_bytes().to_vec(), v.as_bytes().to_vec()));
    }
    for (host, guest, writable) in &options.dirs {
        config.preopens.push(wasmo::wasi::Preopen {
            host: host.into(),
            guest: guest.clone(),
            dir_write: *writable,
            file_write: *writable,
        });
    }
    wasmo::wasi::WasiCtx::new(&config).map_err(|e| Failure::Error(e.to_string()))
}

/// What a backtrace calls each function: its name in the name section (`$name`), else the
/// name it is exported as (`(export "name")`).
fn frame_names(module: &Module) -> HashMap<u32, String> {
    let mut names: HashMap<u32, String> = function_names(module.bytes())
        .into_iter()
        .map(|(i, n)| (i, format!("${n}")))
        .collect();
    for e in module
        .exports()
        .iter()
        .filter(|e| e.kind == ExternKind::Func)
    {
        names
            .entry(e.index)
            .or_insert_with(|| format!("(export {:?})", e.name));
    }
    names
}

/// Function names from the module's name section (empty without one, or if it is malformed).
pub fn function_names(wasm: &[u8]) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        let wasmparser::Payload::CustomSection(section) = payload else {
            continue;
        };
        let wasmparser::KnownCustom::Name(reader) = section.as_known() else {
            continue;
        };
        for name in reader.into_iter().flatten() {
            if let wasmparser::Name::Function(map) = name {
                for naming in map.into_iter().flatten() {
                    names.insert(naming.index, naming.name.to_string());
                }
            }
        }
    }
    names
}
