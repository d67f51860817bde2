//! The command line, parsed by hand: a subcommand, its options and positional arguments, and the
//! global options every subcommand takes. Options may come anywhere (before or after the file),
//! `--name=value` and `--name value` both work, and `--` ends the options (everything after it
//! is an argument). A token that looks like a number (`-5`, `-0x10`, `-1.5`, `-inf`, `-nan`) is
//! an argument, not an option, so negative arguments need no `--`.

use wasmo::api::{Config, Mode};

/// The subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    Run,
    Compile,
    Inspect,
}

impl Sub {
    pub fn name(self) -> &'static str {
        match self {
            Sub::Run => "run",
            Sub::Compile => "compile",
            Sub::Inspect => "inspect",
        }
    }

    fn from_name(name: &str) -> Option<Sub> {
        [Sub::Run, Sub::Compile, Sub::Inspect]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// Engine settings from the command line; each overrides the `WASMO_*` environment variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineOptions {
    pub mode: Option<Mode>,
    pub opt_level: Option<u32>,
    pub threads: Option<u32>,
}

impl EngineOptions {
    /// The engine's configuration: the defaults, then the environment, then these options.
    pub fn config(&self) -> Config {
        let mut config = Config::default();
        if let Some(mode) = self.mode {
            config.mode = mode;
        }
        if let Some(level) = self.opt_level {
            config.opt_level = level;
        }
        if let Some(threads) = self.threads {
            config.compile_threads = threads;
        }
        config
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Help for a subcommand, or the top-level help.
    Help(Option<Sub>),
    Version,
    Run {
        file: String,
        invoke: Option<String>,
        args: Vec<String>,
        wasi: WasiOptions,
        /// `--timeout`: interrupt the call after this long.
        timeout: Option<std::time::Duration>,
        /// `--max-memory`: the bytes all linear memories may have together.
        max_memory: Option<u64>,
    },
    Compile {
        file: String,
        output: Option<String>,
    },
    Inspect {
        file: String,
        compile: bool,
    },
}

/// What `wasmo run` gives a WASI program besides its arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiOptions {
    /// Preopened directories: (host path, guest path, writable).
    pub dirs: Vec<(String, String, bool)>,
    /// `--env K=V`, in order.
    pub env: Vec<(String, String)>,
    /// `--inherit-env`: the host's environment first, then `--env`.
    pub inherit_env: bool,
}

/// A command line that does not parse: the message, and the subcommand whose help applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    pub sub: Option<Sub>,
}

/// The options each subcommand knows besides the global ones, and whether they take a value.
fn sub_options(sub: Sub) -> &'static [(&'static str, bool)] {
    match sub {
        Sub::Run => &[
            ("--invoke", true),
            ("--dir", true),
            ("--dir-ro", true),
            ("--env", true),
            ("--inherit-env", false),
            ("--timeout", true),
            ("--max-memory", true),
        ],
        Sub::Compile => &[("-o", true), ("--output", true)],
        Sub::Inspect => &[("--no-compile", false)],
    }
}

const GLOBAL_OPTIONS: &[(&str, bool)] = &[
    ("--mode", true),
    ("-O", true),
    ("--opt-level", true),
    ("--threads", true),
    ("--help", false),
    ("-h", false),
    ("--version", false),
    ("-V", false),
];

/// Whether `token` is a (negative) number rather than an option.
fn looks_like_number(token: &str) -> bool {
    let Some(rest) = token.strip_prefix('-') else {
        return false;
    };
    let lower = rest.to_ascii_lowercase();
    rest.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || lower == "inf"
        || lower == "infinity"
        || lower == "nan"
        || lower.starts_with("nan:")
}

/// Parses the arguments after the program name into a command and its engine options.
pub fn parse(argv: &[String]) -> Result<(Command, EngineOptions), UsageError> {
    let mut sub: Option<Sub> = None;
    let mut help = false;
    let mut help_command = false;
    let mut version = false;
    let mut positionals: Vec<String> = Vec::new();
    let mut engine = EngineOptions::default();
    let mut invoke = None;
    let mut output = None;
    let mut compile = true;
    let mut wasi = WasiOptions::default();
    let mut timeout = None;
    let mut max_memory = None;
    // The first problem; reported unless --help asks for help anyway.
    let mut error: Option<String> = None;
    let fail = |error: &mut Option<String>, message: String| {
        if error.is_none() {
            *error = Some(message);
        }
    };

    let mut tokens = argv.iter();
    let mut options_done = false;
    while let Some(token) = tokens.next() {
        if options_done || token == "-" || !token.starts_with('-') || looks_like_number(token) {
            if sub.is_none() {
                if token == "help" && !help_command {
                    help_command = true;
                    continue;
                }
                match Sub::from_name(token) {
                    Some(s) => sub = Some(s),
                    None if help_command => {
                        fail(&mut error, format!("no help for `{token}`: not a command"))
                    }
                    None => fail(
                        &mut error,
                        format!(
                            "unknown command `{token}` (the commands are run, compile, inspect)"
                        ),
                    ),
                }
                continue;
            }
            positionals.push(token.clone());
            continue;
        }
        if token == "--" {
            options_done = true;
            continue;
        }
        // The option's name and its value if attached (`--mode=opt`, `-O2`).
        let (name, attached) = match token.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ if token.starts_with("-O") && token.len() > 2 => ("-O", Some(token[2..].to_string())),
            _ if token.starts_with("-o") && token.len() > 2 && sub == Some(Sub::Compile) => {
                ("-o", Some(token[2..].to_string()))
            }
            _ => (token.as_str(), None),
        };
        let known = GLOBAL_OPTIONS
            .iter()
            .chain(sub.map_or(&[][..], sub_options))
            .find(|(n, _)| *n == name);
        let Some(&(_, takes_value)) = known else {
            fail(&mut error, unknown_option(name, sub));
            continue;
        };
        let value = if takes_value {
            match attached {
                Some(v) => Some(v),
                None => match tokens.next() {
                    Some(v) => Some(v.clone()),
                    None => {
                        fail(&mut error, format!("option `{name}` needs a value"));
                        continue;
                    }
                },
            }
        } else {
            if attached.is_some() {
                fail(&mut error, format!("option `{name}` takes no value"));
                continue;
            }
            None
        };
        let value = value.unwrap_or_default();
        match name {
            "--help" | "-h" => help = true,
            "--version" | "-V" => version = true,
            "--mode" => match value.as_str() {
                "opt" | "optimized" | "optimised" => engine.mode = Some(Mode::Optimized),
                "liftoff" | "lift-off" => engine.mode = Some(Mode::Liftoff),
                _ => fail(
                    &mut error,
                    format!("--mode must be `opt` or `liftoff`, not `{value}`"),
                ),
            },
            "-O" | "--opt-level" => match value.parse::<u32>() {
                Ok(n) if n <= Config::MAX_OPT_LEVEL => engine.opt_level = Some(n),
                _ => fail(
                    &mut error,
                    format!("the optimisation level must be 0, 1, 2 or 3, not `{value}`"),
                ),
            },
            "--threads" => match value.parse::<u32>() {
                Ok(n) if n <= 1024 => engine.threads = Some(n),
                _ => fail(
                    &mut error,
                    format!(
                        "--threads must be a number from 0 (one per core) to 1024, not `{value}`"
                    ),
                ),
            },
            "--invoke" => invoke = Some(value),
            "--dir" | "--dir-ro" => {
                let (host, guest) = match value.split_once("::") {
                    Some((h, g)) => (h.to_string(), g.to_string()),
                    None => (value.clone(), value.clone()),
                };
                if host.is_empty() || guest.is_empty() {
                    fail(
                        &mut error,
                        format!("{name} needs HOST or HOST::GUEST, not `{value}`"),
                    );
                } else {
                    wasi.dirs.push((host, guest, name == "--dir"));
                }
            }
            "--env" => match value.split_once('=') {
                Some((k, v)) if !k.is_empty() => wasi.env.push((k.to_string(), v.to_string())),
                _ => fail(&mut error, format!("--env needs NAME=VALUE, not `{value}`")),
            },
            "--inherit-env" => wasi.inherit_env = true,
            "--max-memory" => match parse_size(&value) {
                Some(n) => max_memory = Some(n),
                None => fail(
                    &mut error,
                    format!(
                        "--max-memory needs a size such as 64MiB, 1GiB, 512KiB or a byte count, \
                         not `{value}`"
                    ),
                ),
            },
            "--timeout" => match parse_duration(&value) {
                Some(d) => timeout = Some(d),
                None => fail(
                    &mut error,
                    format!(
                        "--timeout needs a duration such as 10s, 500ms, 2m or 1.5, not `{value}`"
                    ),
                ),
            },
            "-o" | "--output" => output = Some(value),
            "--no-compile" => compile = false,
            _ => unreachable!("every known option is handled"),
        }
    }

    if help || help_command {
        return Ok((Command::Help(sub), engine));
    }
    if version {
        return Ok((Command::Version, engine));
    }
    if let Some(message) = error {
        return Err(UsageError { message, sub });
    }
    let usage = |message: String| UsageError { message, sub };
    let Some(sub) = sub else {
        return Err(usage("no command given".to_string()));
    };
    let mut positionals = positionals.into_iter();
    let Some(file) = positionals.next() else {
        return Err(usage(format!("`wasmo {}` needs a FILE", sub.name())));
    };
    let rest: Vec<String> = positionals.collect();
    let command = match sub {
        Sub::Run => Command::Run {
            file,
            invoke,
            args: rest,
            wasi,
            timeout,
            max_memory,
        },
        Sub::Compile | Sub::Inspect if !rest.is_empty() => {
            return Err(usage(format!(
                "`wasmo {}` takes one FILE; unexpected `{}`",
                sub.name(),
                rest[0]
            )))
        }
        Sub::Compile => Command::Compile { file, output },
        Sub::Inspect => Command::Inspect { file, compile },
    };
    Ok((command, engine))
}

/// A size in bytes: a whole number with an optional binary unit (`K`/`KiB`, `M`/`MiB`,
/// `G`/`GiB`).
fn parse_size(text: &str) -> Option<u64> {
    let units = [
        ("KiB", 1u64 << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("K", 1 << 10),
        ("M", 1 << 20),
        ("G", 1 << 30),
    ];
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((text, 1));
    number.parse::<u64>().ok()?.checked_mul(scale)
}

/// A duration: a number (seconds, fractions allowed) with an optional unit `ms`, `s`, `m` or
/// `h`.
fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let (number, scale) = [("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0)]
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((text, 1.0));
    let seconds = number.parse::<f64>().ok()? * scale;
    (seconds.is_finite() && seconds > 0.0 && seconds < 1e9)
        .then(|| std::time::Duration::from_secs_f64(seconds))
}

/// The message for an unknown option, with the closest known one if it is close.
fn unknown_option(name: &str, sub: Option<Sub>) -> String {
    let known: Vec<&str> = GLOBAL_OPTIONS
        .iter()
        .chain(sub.map_or(&[][..], sub_options))
        .map(|(n, _)| *n)
        .collect();
    let mut message = match sub {
        Some(s) => format!("unknown option `{name}` for `wasmo {}`", s.name()),
        None => format!("unknown option `{name}`"),
    };
    let best = known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .min()
        .filter(|&(d, k)| d <= 2 && d < k.len());
    if let Some((_, k)) = best {
        message.push_str(&format!(" (did you mean `{k}`?)"));
    } else if sub.is_none() {
        // Subcommand options before the subcommand.
        for s in [Sub::Run, Sub::Compile, Sub::Inspect] {
            if sub_options(s).iter().any(|(n, _)| *n == name) {
                message.push_str(&format!(
                    " (it is an option of `wasmo {}`: put it after the command)",
                    s.name()
                ));
                break;
            }
        }
    }
    message
}

/// The Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<(Command, EngineOptions), UsageError> {
        let argv: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&argv)
    }

    #[test]
    fn run_with_options_anywhere_and_negative_arguments() {
        let (command, engine) =
            parse_str("--mode liftoff run f.wat --invoke add -5 -O3 -0x10 --threads=2 -inf")
                .unwrap();
        assert_eq!(
            command,
            Command::Run {
                file: "f.wat".into(),
                invoke: Some("add".into()),
                args: vec!["-5".into(), "-0x10".into(), "-inf".into()],
                wasi: WasiOptions::default(),
                timeout: None,
                max_memory: None,
            }
        );
        assert_eq!(
            engine,
            EngineOptions {
                mode: Some(Mode::Liftoff),
                opt_level: Some(3),
                threads: Some(2),
            }
        );
        let (command, _) = parse_str("run f.wat -- --invoke").unwrap();
        assert_eq!(
            command,
            Command::Run {
                file: "f.wat".into(),
                invoke: None,
                args: vec!["--invoke".into()],
                wasi: WasiOptions::default(),
                timeout: None,
                max_memory: None,
            }
        );
        let (_, engine) = parse_str("run -O 1 f.wat").unwrap();
        assert_eq!(engine.opt_level, Some(1));
    }

    #[test]
    fn compile_and_inspect() {
        assert_eq!(
            parse_str("compile a.wasm -o b.cwasm").unwrap().0,
            Command::Compile {
                file: "a.wasm".into(),
                output: Some("b.cwasm".into())
            }
        );
        assert_eq!(
            parse_str("compile a.wasm -ob.cwasm").unwrap().0,
            Command::Compile {
                file: "a.wasm".into(),
                output: Some("b.cwasm".into())
            }
        );
        assert_eq!(
            parse_str("inspect --no-compile a.wasm").unwrap().0,
            Command::Inspect {
                file: "a.wasm".into(),
                compile: false
            }
        );
    }

    #[test]
    fn help_wins_over_errors() {
        assert_eq!(parse_str("--help").unwrap().0, Command::Help(None));
        assert_eq!(
            parse_str("run --bogus --help").unwrap().0,
            Command::Help(Some(Sub::Run))
        );
        assert_eq!(
            parse_str("help inspect").unwrap().0,
            Command::Help(Some(Sub::Inspect))
        );
        assert_eq!(parse_str("-V").unwrap().0, Command::Version);
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let message = |line: &str| parse_str(line).unwrap_err().message;
        assert_eq!(message(""), "no command given");
        assert!(message("frobnicate x").contains("unknown command `frobnicate`"));
        assert!(message("run f.wat --invok f").contains("did you mean `--invoke`?"));
        assert!(message("run f.wat --mode fast").contains("`opt` or `liftoff`"));
        assert!(message("run f.wat -O7").contains("0, 1, 2 or 3"));
        assert!(message("run f.wat --threads x").contains("--threads"));
        assert!(message("run f.wat --invoke").contains("needs a value"));
        assert!(message("run").contains("needs a FILE"));
        assert!(message("inspect a b").contains("unexpected `b`"));
        assert!(message("inspect a -o x").contains("unknown option `-o`"));
        assert!(message("--invoke f run x").contains("put it after the command"));
        assert!(message("run x --help=3").contains("takes no value"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("--invok", "--invoke"), 1);
        assert_eq!(edit_distance("--mdoe", "--mode"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn wasi_options_and_program_arguments() {
        let (command, _) =
            parse_str("run p.wasm --dir a --dir-ro /h::/g --env K=V=W --inherit-env -- x --dir y")
                .unwrap();
        assert_eq!(
            command,
            Command::Run {
                file: "p.wasm".into(),
                invoke: None,
                args: vec!["x".into(), "--dir".into(), "y".into()],
                wasi: WasiOptions {
                    dirs: vec![
                        ("a".into(), "a".into(), true),
                        ("/h".into(), "/g".into(), false)
                    ],
                    env: vec![("K".into(), "V=W".into())],
                    inherit_env: true,
                },
                timeout: None,
                max_memory: None,
            }
        );
        let message = |line: &str| parse_str(line).unwrap_err().message;
        assert!(message("run p.wasm --env NOEQUALS").contains("--env needs NAME=VALUE"));
        assert!(message("run p.wasm --env =v").contains("--env needs NAME=VALUE"));
        assert!(message("run p.wasm --dir ::g").contains("--dir needs HOST or HOST::GUEST"));
        assert!(message("compile p.wasm --dir a").contains("unknown option `--dir`"));
        assert!(message("run p.wasm --timeout soon").contains("--timeout needs a duration"));
        assert!(message("run p.wasm --timeout 0").contains("--timeout needs a duration"));
        assert!(message("run p.wasm --max-memory lots").contains("--max-memory needs a size"));
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("65536"), Some(65536));
        for (text, ms) in [("1.5", 1500), ("250ms", 250), ("2s", 2000), ("1m", 60000)] {
            assert_eq!(
                parse_duration(text).map(|d| d.as_millis()),
                Some(ms),
                "{text}"
            );
        }
    }
}
