//! `include/wasm.h` and `include/wasmo.h` are generated: cbindgen turns the Rust definitions in
//! `src/capi/` into C declarations, spliced into the templates in `src/capi/header/`. This test
//! regenerates both and fails when the committed headers differ, so the C and Rust sides cannot
//! drift apart. `WASMO_BLESS=1 cargo test --test headers` (or `scripts/gen-headers.sh`) rewrites
//! them.

use cbindgen::{Builder, Config, DocumentationStyle, ItemType, Language, Style};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The C API sources that declare wasm.h functions (wasmo.rs declares wasmo.h's).
fn wasm_h_sources() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("src/capi"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            !["mod.rs", "wasmo.rs", "wasi.rs"].contains(&p.file_name().unwrap().to_str().unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Type definitions are tagged and typedef'd (`typedef struct wasm_val_t {...} wasm_val_t;`, as
/// upstream); prototypes name types by their typedefs.
fn generate(sources: &[PathBuf], items: Vec<ItemType>) -> String {
    let style = if items.contains(&ItemType::Functions) {
        Style::Type
    } else {
        Style::Both
    };
    let mut config = Config {
        language: Language::C,
        style,
        no_includes: true,
        documentation: true,
        documentation_style: DocumentationStyle::C99,
        ..Config::default()
    };
    config.export.item_types = items;
    config.function.prefix = Some("WASM_API_EXTERN".to_string());
    config.usize_is_size_t = true;
    let mut builder = Builder::new().with_config(config);
    for s in sources {
        builder = builder.with_src(s);
    }
    let mut out = Vec::new();
    builder.generate().expect("cbindgen").write(&mut out);
    let text = String::from_utf8(out).unwrap();
    // Keep only the declarations: cbindgen adds blank lines at both ends.
    text.trim().to_string()
}

fn splice(template: &Path, parts: &[(&str, String)]) -> String {
    let mut text = std::fs::read_to_string(template).unwrap();
    for (marker, generated) in parts {
        let marker = format!("// @generated-{marker}@");
        assert!(
            text.contains(&marker),
            "{} lacks {marker}",
            template.display()
        );
        text = text.replace(&marker, generated);
    }
    text
}

fn check(path: &str, expected: String) {
    let path = root().join(path);
    if std::env::var_os("WASMO_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{} is out of date with src/capi (first difference at line {}): run \
             scripts/gen-headers.sh and commit the result",
            path.display(),
            first + 1
        );
    }
}

#[test]
fn wasm_h_matches_rust_definitions() {
    let sources = wasm_h_sources();
    let types = generate(&sources, vec![ItemType::Structs, ItemType::Unions]);
    let functions = generate(&sources, vec![ItemType::Functions]);
    let header = splice(
        &root().join("src/capi/header/wasm.h.in"),
        &[("types", types), ("functions", functions)],
    );
    check("include/wasm.h", header);
}

#[test]
fn wasmo_h_matches_rust_definitions() {
    let functions = generate(
        &[root().join("src/capi/wasmo.rs")],
        vec![ItemType::Functions],
    );
    let header = splice(
        &root().join("src/capi/header/wasmo.h.in"),
        &[("functions", functions)],
    );
    check("include/wasmo.h", header);
}

#[test]
fn wasi_h_matches_rust_definitions() {
    let functions = generate(
        &[root().join("src/capi/wasi.rs")],
        vec![ItemType::Functions],
    );
    let header = splice(
        &root().join("src/capi/header/wasi.h.in"),
        &[("functions", functions)],
    );
    check("include/wasi.h", header);
}
