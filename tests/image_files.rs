//! Serialised modules load as images (issue 16): `Module::deserialize_file` (C:
//! `wasmo_module_deserialize_file`, and the code cache) maps the artifact's file, so its code
//! pages are the file's and are shared by every process that maps it; damaged or foreign files
//! are refused before anything is made executable.
//!
//! The second process is this test binary again, running the ignored test `child`.

use std::path::{Path, PathBuf};
use wasmo::api::{Engine, Module, Store, Val};

const WAT: &str = r#"(module
  (memory 1)
  (func $sum (export "sum") (param i32) (result i32)
    (local $acc i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get 0) (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get $acc))
  (func (export "fill") (param i32 i32)
    (memory.fill (local.get 0) (i32.const 7) (local.get 1)))
  (func (export "floor") (param f64) (result f64) (f64.floor (local.get 0))))"#;

fn artifact_file(name: &str) -> PathBuf {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let path =
        std::env::temp_dir().join(format!("wasmo-image-{name}-{}.cwasm", std::process::id()));
    std::fs::write(&path, module.serialize().unwrap()).unwrap();
    path
}

fn sum(engine: &Engine, module: &Module, n: i32) -> i32 {
    let store = Store::new(engine);
    let instance = wasmo::api::Instance::new(&store, module, &[]).unwrap();
    let fill = instance.get_func(&store, "fill").unwrap();
    fill.call(&store, &[Val::I32(0), Val::I32(100)]).unwrap();
    let sum = instance.get_func(&store, "sum").unwrap();
    match sum.call(&store, &[Val::I32(n)]).unwrap()[..] {
        [Val::I32(v)] => v,
        ref other => panic!("sum returned {other:?}"),
    }
}

fn expected(n: i32) -> i32 {
    (1..=n).fold(0i32, |acc, i| acc.wrapping_add(i.wrapping_mul(i)))
}

/// The lines of /proc/self/smaps describing mappings of `path`: (permissions, its fields).
fn mappings_of(path: &Path) -> Vec<(String, Vec<(String, u64)>)> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let name = path.to_str().unwrap();
    let mut out: Vec<(String, Vec<(String, u64)>)> = Vec::new();
    let mut current = false;
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let perms = words.next().unwrap_or("").to_string();
            current = line.ends_with(name);
            if current {
                out.push((perms, Vec::new()));
            }
        } else if current {
            if let (Some(key), Some(value)) = (first.strip_suffix(':'), words.next()) {
                if let Ok(v) = value.parse() {
                    out.last_mut().unwrap().1.push((key.to_string(), v));
                }
            }
        }
    }
    out
}

fn field(fields: &[(String, u64)], key: &str) -> u64 {
    fields.iter().find(|(k, _)| k == key).map_or(0, |f| f.1)
}

#[test]
fn a_file_is_mapped_executable_where_it_lies_and_runs() {
    let path = artifact_file("mapped");
    let engine = Engine::default();
    let module = Module::deserialize_file(&engine, &path).unwrap();
    assert_eq!(sum(&engine, &module, 100), expected(100));
    let maps = mappings_of(&path);
    let code: Vec<_> = maps.iter().filter(|(p, _)| p == "r-xp").collect();
    assert_eq!(
        code.len(),
        1,
        "one executable mapping of the file: {maps:?}"
    );
    // The code pages are the file's pages (its page cache), never copied into anonymous memory
    // ("dirty" in smaps only means that the file's fresh pages are not written back yet).
    assert!(field(&code[0].1, "Rss") > 0, "{maps:?}");
    assert_eq!(field(&code[0].1, "Anonymous"), 0, "{maps:?}");
    // Loading it twice maps it twice; dropping a module unmaps its mapping.
    let again = Module::deserialize_file(&engine, &path).unwrap();
    assert_eq!(sum(&engine, &again, 10), expected(10));
    let count = |p: &Path| mappings_of(p).iter().filter(|(p, _)| p == "r-xp").count();
    assert_eq!(count(&path), 2);
    drop(again);
    assert_eq!(count(&path), 1);
    // A module loaded from bytes is a copy: no mapping of the file.
    let bytes = std::fs::read(&path).unwrap();
    drop(module);
    let copy = Module::deserialize(&engine, &bytes).unwrap();
    assert_eq!(sum(&engine, &copy, 7), expected(7));
    assert_eq!(count(&path), 0);
    // Re-serialising a mapped module gives the same artifact.
    let mapped = Module::deserialize_file(&engine, &path).unwrap();
    assert_eq!(mapped.serialize().unwrap(), bytes);
    assert_eq!(copy.serialize().unwrap(), bytes);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn processes_mapping_one_file_share_its_code_pages() {
    let path = artifact_file("shared");
    let engine = Engine::default();
    let module = Module::deserialize_file(&engine, &path).unwrap();
    assert_eq!(sum(&engine, &module, 50), expected(50));
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child", "--nocapture"])
        .env("WASMO_IMAGE_FILE", &path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The child says when it has the file mapped and its code run, then waits for stdin.
    use std::io::{BufRead, Write};
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("mapped and ran") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
    }
    let maps = mappings_of(&path);
    let code = maps
        .iter()
        .find(|(p, _)| p == "r-xp")
        .expect("the code mapping");
    let shared = field(&code.1, "Shared_Clean") + field(&code.1, "Shared_Dirty");
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        shared > 0,
        "no code page shared with the other process: {maps:?}"
    );
    assert_eq!(field(&code.1, "Anonymous"), 0);
    std::fs::remove_file(&path).unwrap();
}

/// The second process of `processes_mapping_one_file_share_its_code_pages`.
#[test]
#[ignore]
fn child() {
    let path = PathBuf::from(std::env::var_os("WASMO_IMAGE_FILE").expect("run by the parent"));
    let engine = Engine::default();
    let module = Module::deserialize_file(&engine, &path).unwrap();
    assert_eq!(sum(&engine, &module, 50), expected(50));
    println!("mapped and ran");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
}

#[test]
fn damaged_truncated_or_foreign_files_are_refused() {
    let path = artifact_file("damaged");
    let good = std::fs::read(&path).unwrap();
    let engine = Engine::default();
    let refused = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        let e = Module::deserialize_file(&engine, &path)
            .err()
            .expect("refused");
        // Nothing of it was left mapped.
        assert!(mappings_of(&path).is_empty());
        e.message().to_string()
    };
    for at in [30, good.len() / 3, good.len() - 4096, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x20;
        let m = refused(&bad);
        assert!(m.contains("checksum"), "{at}: {m}");
    }
    for len in [0, 10, 100, good.len() - 1] {
        let m = refused(&good[..len]);
        assert!(m.contains("truncated") || m.contains("magic"), "{len}: {m}");
    }
    let m = refused(&wat::parse_str(WAT).unwrap());
    assert!(m.contains("magic"), "{m}");
    std::fs::remove_file(&path).unwrap();
    let missing = Module::deserialize_file(&engine, &path).err().unwrap();
    assert!(missing.message().contains("cannot read serialized module"));
    // The file again, intact: it loads.
    std::fs::write(&path, &good).unwrap();
    let module = Module::deserialize_file(&engine, &path).unwrap();
    assert_eq!(sum(&engine, &module, 3), expected(3));
    std::fs::remove_file(&path).unwrap();
}
