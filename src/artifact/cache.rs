//! The on-disk code cache (off by default; `wasmo_config_set_cache_dir` or `WASMO_CACHE_DIR`).
//!
//! An entry is a serialised module (`serialize.rs`) in `<dir>/<key>.cwasm`, where the key hashes
//! the wasm bytes with everything the artifact's header pins (Wasmo build, target, CPU features,
//! optimisation level) and the engine's wasm features. A hit is used only if it loads like any
//! artifact (checksum, build, target, CPU) *and* holds exactly the wasm bytes asked for, so a
//! stale, corrupt or colliding entry is a miss, never a wrong module. Entries are written to a
//! temporary file in the same directory and renamed into place: readers in other processes see
//! a whole entry or none, and concurrent writers of one key each leave a complete file.
//!
//! In optimised mode a miss compiles and writes the entry. In lift-off mode a hit gives the
//! optimised code at once; a miss compiles lift-off as usual and writes nothing (the optimised
//! code is not complete until tier-up is).

use super::serialize::{checksum, ArtifactHeader};
use super::Module;
use crate::engine::Engine;
use crate::error::Result;
use std::path::{Path, PathBuf};

/// The entry for `wasm` in `dir`, for this engine and build.
pub fn entry_path(dir: &Path, engine: &Engine, wasm: &[u8]) -> PathBuf {
    let h = ArtifactHeader::current(engine.config().opt_level);
    let features = format!("{:?}", engine.config().features);
    let key = checksum(&[
        wasm,
        h.wasmo_version.as_bytes(),
        h.build_id.as_bytes(),
        h.triple.as_bytes(),
        h.cpu.as_bytes(),
        h.features.as_bytes(),
        &[h.opt_level],
        features.as_bytes(),
    ]);
    dir.join(format!("{key:016x}.cwasm"))
}

/// The cached module for `wasm`, if there is a usable entry.
pub fn load(dir: &Path, engine: &Engine, wasm: &[u8]) -> Option<Module> {
    let bytes = std::fs::read(entry_path(dir, engine, wasm)).ok()?;
    let module = Module::deserialize(engine, &bytes).ok()?;
    (module.bytes() == wasm).then_some(module)
}

/// Writes `module`'s entry atomically. Failures are ignored: the cache is an optimisation.
pub fn store(dir: &Path, module: &Module) {
    let _ = try_store(dir, module);
}

fn try_store(dir: &Path, module: &Module) -> Result<()> {
    let artifact = module.serialize()?;
    let path = entry_path(dir, module.engine(), module.bytes());
    std::fs::create_dir_all(dir).map_err(io)?;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = std::fs::write(&tmp, &artifact).and_then(|()| std::fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io)
}

fn io(e: std::io::Error) -> crate::error::Error {
    crate::error::Error::new(format!("code cache: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Config;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wasmo-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn engine(dir: &Path) -> Engine {
        Engine::new(Config {
            cache_dir: Some(dir.to_path_buf()),
            ..Config::default()
        })
    }

    const WAT: &str = r#"(module (func (export "f") (result i32) (i32.const 42)))"#;

    #[test]
    fn a_miss_writes_an_entry_and_the_next_compile_hits_it() {
        let dir = temp_dir("hit");
        let engine = engine(&dir);
        let wasm = wat::parse_str(WAT).unwrap();
        let first = Module::new(&engine, &wasm).unwrap();
        assert!(!first.from_cache());
        let path = entry_path(&dir, &engine, &wasm);
        assert!(path.exists());
        let second = Module::new(&engine, &wasm).unwrap();
        assert!(second.from_cache());
        // Another module is another entry.
        let other = wat::parse_str(r#"(module (func (export "g")))"#).unwrap();
        assert!(!Module::new(&engine, &other).unwrap().from_cache());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_or_foreign_entries_are_misses_and_get_rewritten() {
        let dir = temp_dir("corrupt");
        let engine = engine(&dir);
        let wasm = wat::parse_str(WAT).unwrap();
        Module::new(&engine, &wasm).unwrap();
        let path = entry_path(&dir, &engine, &wasm);
        let good = std::fs::read(&path).unwrap();
        // A flipped byte, a truncated file, another module's artifact under this key.
        let mut flipped = good.clone();
        flipped[good.len() / 2] ^= 1;
        let other = Module::new(
            &Engine::default(),
            &wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 7)))"#).unwrap(),
        )
        .unwrap()
        .serialize()
        .unwrap();
        for bad in [flipped, good[..good.len() / 3].to_vec(), other] {
            std::fs::write(&path, &bad).unwrap();
            let m = Module::new(&engine, &wasm).unwrap();
            assert!(!m.from_cache());
            // Rewritten: the next compile hits.
            assert!(Module::new(&engine, &wasm).unwrap().from_cache());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_writers_leave_a_complete_entry() {
        let dir = temp_dir("race");
        let wasm = wat::parse_str(WAT).unwrap();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let engine = engine(&dir);
                    for _ in 0..5 {
                        Module::new(&engine, &wasm).unwrap();
                    }
                });
            }
        });
        let engine = engine(&dir);
        assert!(Module::new(&engine, &wasm).unwrap().from_cache());
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
