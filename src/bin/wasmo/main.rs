//! `wasmo`: run, compile (serialise) and inspect WebAssembly modules from the command line.
//! See `wasmo --help` and the README's "The wasmo tool".
//!
//! Exit codes: 0 success, 1 the wasm code trapped, 2 a usage error (bad command line, unknown
//! export, arguments that do not fit the function), 3 any other error (a file that cannot be
//! read or written, a module that does not parse, validate, compile, deserialise or link).

mod args;
mod inspect;
mod load;
mod run;
mod values;

use args::{Command, EngineOptions, Sub};
use std::collections::HashMap;
use std::process::ExitCode;
use wasmo::api::{FrameInfo, Trap};

const EXIT_TRAP: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_ERROR: u8 = 3;

/// Why a command failed; each kind has its exit code.
pub enum Failure {
    /// The command line does not make sense (exit 2).
    Usage { message: String, sub: Option<Sub> },
    /// Anything else that stops the command before or outside wasm code (exit 3).
    Error(String),
    /// A WASI program called `proc_exit`: the process exits with its status (0 to 255 as the
    /// operating system keeps it).
    Exit(i32),
    /// The wasm code trapped (exit 1): where, the trap, and what to call the module's functions
    /// (`$name` or `(export "name")`).
    Trap {
        context: String,
        trap: Box<Trap>,
        names: HashMap<u32, String>,
    },
}

const HELP: &str = "\
wasmo: run, compile and inspect WebAssembly modules with the Wasmo engine

Usage: wasmo <COMMAND> [OPTIONS] FILE ...

Commands:
  run FILE [--invoke NAME] [ARGS...]   call an exported function and print its results, or
                                       run a WASI command (--dir, --env: `wasmo run --help`)
  compile FILE [-o OUT.cwasm]          compile to native code and save it (a serialized module)
  inspect FILE                         show imports, exports, sizes and how the module compiles
  help [COMMAND]                       this help, or a command's

FILE is a wasm binary, the text format (.wat) or a serialized module (.cwasm): told apart by
its content, not its name. `-` reads standard input.

Options of every command (each overrides its WASMO_* environment variable):
  --mode liftoff|opt   lift-off (default): baseline code compiled on first call, optimised in
                       the background; or optimised code up front        [WASMO_MODE]
  -O0 .. -O3, -O N     LLVM optimisation level of optimised code (default 2) [WASMO_OPT_LEVEL]
  --threads N          compile threads, 0 = one per core (default 0)     [WASMO_THREADS]
  -h, --help           help
  -V, --version        version and build id

Exit codes: 0 success, 1 the wasm code trapped, 2 usage error, 3 any other error (file, parse,
validation, compilation, serialized module, link).
";

const RUN_HELP: &str = "\
wasmo run: call an exported function and print its results

Usage: wasmo run [OPTIONS] FILE [--invoke NAME] [ARGS...]

Compiles FILE (or loads it, if it is a serialized module), instantiates it and calls NAME with
ARGS, parsed by the function's parameter types. Without --invoke it calls the export `_start`,
else `main`, else the only exported function; a module that exports no function is only
instantiated (its start function runs).

Arguments: i32 and i64 in decimal or 0x hex (-1 and 0xffffffff are the same i32); f32 and f64
in decimal (1.5, -2e-3), inf, -inf, nan, nan:0xPAYLOAD; `null` for a funcref or externref;
v128 cannot be given. Negative numbers need no `--`.

Results: one per line. Integers in signed decimal; floats as the shortest decimal that reads
back to the same value (2.0, 0.1, 1e-7, -0.0), inf, nan or nan:0xPAYLOAD; v128 as
`i32x4 0x.. 0x.. 0x.. 0x..`; references as `ref.null func`, `ref.func`, ...

WASI: a module that imports from wasi_snapshot_preview1 gets WASI preview 1. Without --invoke
it runs as a command: `_start` is called with no parameters, ARGS are the program's arguments
(argv[0] is FILE), the standard streams are wasmo's own, and the process exits with the status
the program gave proc_exit (0 when _start returns). With --invoke a reactor's `_initialize`
runs first. The program sees only the directories given with --dir, and no environment
variable unless given.

Other imports: the command line has no host functions. Each imported function is a stand-in
that traps with \"unsatisfied import MODULE.NAME\" when called, so a module whose imports are
never called still runs; imported memories, tables and globals are fresh ones of the imported
type (zeroed memory, null elements, zero value).

A trap prints its message and the wasm backtrace (function index, name from the name section
if there is one, module offset) on stderr and exits with 1.

Options:
  --invoke NAME        the export to call
  --dir HOST[::GUEST]  WASI: preopen host directory HOST as GUEST (default: the same path);
                       paths cannot lead out of it (no `..` past it, no symlink out)
  --dir-ro HOST[::GUEST]  the same, read-only: nothing in it can be written, created,
                       removed, renamed or linked
  --env NAME=VALUE     WASI: an environment variable (repeatable)
  --inherit-env        WASI: pass on wasmo's own environment (before any --env)
  --max-memory SIZE    cap the bytes of all linear memories together (64MiB, 1GiB, 4096):
                       memory.grow past it returns -1, a larger initial memory fails to link
  --timeout DURATION   interrupt the wasm code after DURATION (10s, 500ms, 2m, 1.5): it traps
                       with \"interrupted\" (exit 1); epoch interruption is on for the run
  --mode opt|liftoff, -O N, --threads N: as for every command (`wasmo --help`); a serialized
                       module runs the optimised code it holds whatever the mode.

Exit codes: 0 success, 1 trap, 2 usage error (also: no such export, wrong arguments),
3 other error; a WASI command's own exit status when it calls proc_exit.
";

const COMPILE_HELP: &str = "\
wasmo compile: compile a module and save its native code

Usage: wasmo compile [OPTIONS] FILE [-o OUT]

Compiles FILE with the optimising compiler and writes a serialized module that `wasmo run`
(and wasm_module_deserialize) loads without compiling again. It runs only on a machine with
the same CPU and only with this very build of Wasmo (`wasmo inspect OUT` shows its header).
The artifact always holds optimised code, also with --mode liftoff.

Options:
  -o, --output OUT     where to write it (default: FILE with the extension .cwasm)
  --mode opt|liftoff, -O N, --threads N: as for every command (`wasmo --help`)

Exit codes: 0 success, 2 usage error, 3 other error.
";

const INSPECT_HELP: &str = "\
wasmo inspect: what a module holds and how it compiles

Usage: wasmo inspect [OPTIONS] FILE

Prints FILE's format and size; for a serialized module its header (Wasmo version, build id,
target, CPU and its features, opt level) and whether it can be loaded here; the sizes (wasm
bytes, functions, code bytes, data segment bytes); the imports and exports with their types;
and, after compiling (or loading) it, the mode, compile time, tier counts and object code size.

Options:
  --no-compile         skip compiling: only what the file says
  --mode opt|liftoff, -O N, --threads N: as for every command (`wasmo --help`)

Exit codes: 0 success, 2 usage error, 3 other error (including a damaged serialized module).
";

fn help_text(sub: Option<Sub>) -> &'static str {
    match sub {
        None => HELP,
        Some(Sub::Run) => RUN_HELP,
        Some(Sub::Compile) => COMPILE_HELP,
        Some(Sub::Inspect) => INSPECT_HELP,
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() {
        eprint!("{HELP}");
        return ExitCode::from(EXIT_USAGE);
    }
    let outcome = match args::parse(&argv) {
        Err(e) => Err(Failure::Usage {
            message: e.message,
            sub: e.sub,
        }),
        Ok((command, engine)) => execute(command, &engine),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => ExitCode::from(report(failure)),
    }
}

fn execute(command: Command, engine: &EngineOptions) -> Result<(), Failure> {
    match command {
        Command::Help(sub) => {
            print!("{}", help_text(sub));
            Ok(())
        }
        Command::Version => {
            println!(
                "wasmo {} (build {}, {})",
                env!("CARGO_PKG_VERSION"),
                wasmo::api::BUILD_ID,
                wasmo::api::host_triple()
            );
            Ok(())
        }
        Command::Run {
            file,
            invoke,
            args,
            wasi,
            timeout,
            max_memory,
        } => run::run(
            engine,
            &file,
            invoke.as_deref(),
            &args,
            &wasi,
            run::Limits {
                timeout,
                max_memory,
            },
        ),
        Command::Compile { file, output } => compile(engine, &file, output),
        Command::Inspect { file, compile } => inspect::inspect(engine, &file, compile),
    }
}

/// Prints what went wrong on stderr; the exit code.
fn report(failure: Failure) -> u8 {
    match failure {
        Failure::Usage { message, sub } => {
            let help = match sub {
                Some(s) => format!("wasmo {} --help", s.name()),
                None => "wasmo --help".to_string(),
            };
            eprintln!("wasmo: {message}\n(see `{help}`)");
            EXIT_USAGE
        }
        Failure::Error(message) => {
            eprintln!("wasmo: error: {message}");
            EXIT_ERROR
        }
        Failure::Exit(code) => code as u8,
        Failure::Trap {
            context,
            trap,
            names,
        } => {
            eprint!("{}", format_trap(&context, &trap, &names));
            EXIT_TRAP
        }
    }
}

/// A trap as stderr shows it:
/// ```text
/// wasmo: trap in `crash`: unreachable
/// wasm backtrace (innermost first):
///   #0 func 2 $inner at module offset 0x4f
///   #1 func 3 $middle at module offset 0x54
/// ```
fn format_trap(context: &str, trap: &Trap, names: &HashMap<u32, String>) -> String {
    let mut s = format!("wasmo: trap {context}: {}\n", trap.message);
    if trap.frames.is_empty() {
        return s;
    }
    s.push_str("wasm backtrace (innermost first):\n");
    let frames = &trap.frames;
    let same = |a: &FrameInfo, b: &FrameInfo| {
        (a.func_index, a.module_offset, a.module_id) == (b.func_index, b.module_offset, b.module_id)
    };
    let mut i = 0;
    while i < frames.len() {
        let frame = &frames[i];
        let name = match names.get(&frame.func_index) {
            Some(n) => format!(" {n}"),
            None => String::new(),
        };
        s.push_str(&format!(
            "  #{i} func {}{name} at module offset {:#x}\n",
            frame.func_index, frame.module_offset
        ));
        // Deep recursion: one line for a run of identical frames.
        let repeats = frames[i + 1..]
            .iter()
            .take_while(|f| same(f, frame))
            .count();
        if repeats > 1 {
            s.push_str(&format!(
                "  #{}..#{}: {repeats} more of the same frame\n",
                i + 1,
                i + repeats
            ));
            i += repeats;
        }
        i += 1;
    }
    s
}

/// `wasmo compile`: serialise FILE's compiled module to OUT.
fn compile(
    engine_options: &EngineOptions,
    file: &str,
    output: Option<String>,
) -> Result<(), Failure> {
    let output = match output {
        Some(o) => o,
        None if file == "-" => {
            return Err(Failure::Usage {
                message: "reading standard input: give the output file with -o".to_string(),
                sub: Some(Sub::Compile),
            })
        }
        None => std::path::Path::new(file)
            .with_extension("cwasm")
            .to_string_lossy()
            .into_owned(),
    };
    if output == file {
        return Err(Failure::Usage {
            message: format!("the output would overwrite the input {file}: choose another with -o"),
            sub: Some(Sub::Compile),
        });
    }
    let engine = wasmo::api::Engine::new(engine_options.config());
    let result = (|| {
        let input = load::read(file)?;
        let module = load::module(&engine, file, &input)?;
        // A lift-off module compiles its optimised code here.
        let artifact = match (engine.config().mode, input.wasm()) {
            (wasmo::api::Mode::Liftoff, Some(wasm)) => {
                load::with_progress(file, wasm, || module.serialize())
            }
            _ => module.serialize(),
        }
        .map_err(|e| Failure::Error(format!("cannot serialize {file}: {e}")))?;
        write_atomically(&output, &artifact)
            .map_err(|e| Failure::Error(format!("cannot write {output}: {e}")))
    })();
    engine.stop_tier_up();
    result
}

/// Writes `bytes` to a temporary file next to `path`, then renames it: readers never see half
/// an artifact.
fn write_atomically(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    let target = std::path::Path::new(path);
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = target.with_file_name(temporary_name);
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, target))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_report_names_frames_when_it_can() {
        let mut trap = Trap::new("unreachable");
        for (func_index, module_offset) in [(2, 0x4f), (3, 0x54)] {
            trap.frames.push(FrameInfo {
                func_index,
                func_start: 0,
                module_offset,
                module_id: 0,
            });
        }
        let names = HashMap::from([(2, "$inner".to_string())]);
        assert_eq!(
            format_trap("in `crash`", &trap, &names),
            "wasmo: trap in `crash`: unreachable\n\
             wasm backtrace (innermost first):\n  \
             #0 func 2 $inner at module offset 0x4f\n  \
             #1 func 3 at module offset 0x54\n"
        );
    }

    #[test]
    fn runs_of_identical_frames_print_once() {
        let frame = |func_index, module_offset| FrameInfo {
            func_index,
            func_start: 0,
            module_offset,
            module_id: 0,
        };
        let mut trap = Trap::new("call stack exhausted");
        trap.frames.push(frame(0, 0x20));
        trap.frames.extend((0..5).map(|_| frame(0, 0x22)));
        trap.frames.push(frame(1, 0x30));
        trap.frames.push(frame(1, 0x30));
        assert_eq!(
            format_trap("in `r`", &trap, &HashMap::new()),
            "wasmo: trap in `r`: call stack exhausted\n\
             wasm backtrace (innermost first):\n  \
             #0 func 0 at module offset 0x20\n  \
             #1 func 0 at module offset 0x22\n  \
             #2..#5: 4 more of the same frame\n  \
             #6 func 1 at module offset 0x30\n  \
             #7 func 1 at module offset 0x30\n"
        );
    }
}
