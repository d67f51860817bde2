//! The dependency rules of docs/DESIGN.md ("Layers"), checked on the source: every folder (or
//! top-level file) of `src/` may name only the layers listed for it. Unit tests (`#[cfg(test)]`
//! modules) may use anything. A new folder must be added here, with what it may depend on.

use std::collections::BTreeSet;
use std::path::Path;

/// Each layer and the layers its code may name, in the order imports flow (lowest first).
const RULES: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("module", &["error"]),
    ("vm", &["error", "module"]),
    ("codegen", &["error"]),
    ("compile", &["error", "module", "vm", "codegen"]),
    ("tier", &["error", "module", "vm", "codegen", "compile"]),
    (
        "engine",
        &["error", "module", "vm", "codegen", "compile", "tier"],
    ),
    (
        "artifact",
        &[
            "error", "module", "vm", "codegen", "compile", "tier", "engine",
        ],
    ),
    (
        "runtime",
        &["error", "module", "vm", "tier", "engine", "artifact"],
    ),
    (
        "api",
        &[
            "error", "module", "codegen", "tier", "engine", "artifact", "runtime",
        ],
    ),
    ("wasi", &["error", "api"]),
    ("capi", &["error", "api", "wasi"]),
];

/// The source of `path` without its unit-test module (by convention the file's last item).
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// The layers `code` names through `crate::`.
fn named_layers(code: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    named.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            named.insert(name);
        }
    }
    named
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_names_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut violations = Vec::new();
    let mut checked = 0;
    for path in &all {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let layer = first.to_str().unwrap().trim_end_matches(".rs");
        if layer == "lib" || layer == "bin" {
            continue; // the crate root and the `wasmo` tool (which uses the crate's public API)
        }
        let Some((_, allowed)) = RULES.iter().find(|(name, _)| *name == layer) else {
            violations.push(format!(
                "{}: layer `{layer}` has no rule",
                relative.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        for named in named_layers(without_tests(&text)) {
            if named != layer && !allowed.contains(&named.as_str()) {
                violations.push(format!(
                    "{}: `{layer}` may not name `{named}`",
                    relative.display()
                ));
            }
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} files checked");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_rules_are_acyclic() {
    for (i, (layer, allowed)) in RULES.iter().enumerate() {
        for dep in *allowed {
            let at = RULES.iter().position(|(name, _)| name == dep);
            assert!(
                at.is_some_and(|at| at < i),
                "`{layer}` depends on `{dep}`, which is not listed before it"
            );
        }
    }
}

/// The `wasmo` tool is written on the public embedding API alone (`wasmo::api`, and WASI,
/// which is written on it), as the C API is (its row above); so is the spec test runner.
#[test]
fn the_tool_and_the_spec_runner_use_only_the_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(&root.join("src/bin"), &mut all);
    all.push(root.join("tests/spec.rs"));
    let mut violations = Vec::new();
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("wasmo::") {
            rest = &rest[at + "wasmo::".len()..];
            if !rest.starts_with("api") && !rest.starts_with("wasi") {
                let line: String = rest.chars().take_while(|&c| c != '\n').collect();
                violations.push(format!("{}: wasmo::{line}", path.display()));
            }
        }
    }
    assert!(all.len() > 5, "only {} files checked", all.len());
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
