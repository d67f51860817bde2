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
//! optimised code at once; a miss compiles lift-off as usual, and then tier-up survives the
//! process: every batch of optimised code the tier-up worker makes is added to the module's
//! *tier-up record*, `<dir>/<key>.tier` (the same artifact format, mode
//! [`TIER_RECORD_MODE`], holding the wasm bytes and every optimised object so far under one
//! symbol prefix, [`tier_prefix`]), rewritten atomically after each batch. A lift-off module
//! created from bytes whose record loads starts with those functions optimised (and keeps
//! adding to the record). A record is checked like an entry, and its objects' function symbols
//! must name distinct defined functions, before anything of it is mapped executable; any
//! mismatch makes it a miss.

use super::serialize::{
    check_compatible_mode, checksum, read_artifact, rename, write_artifact, ArtifactHeader, Body,
    TIER_RECORD_MODE,
};
use super::{batch_prefix, Module, ModuleInner};
use crate::compile::CompiledCode;
use crate::engine::Engine;
use crate::error::Result;
use crate::tier::FuncTier;
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
        &[h.opt_level, engine.config().epoch_interruption as u8],
        features.as_bytes(),
    ]);
    dir.join(format!("{key:016x}.cwasm"))
}

/// The tier-up record for `wasm` in `dir`.
pub fn tier_record_path(dir: &Path, engine: &Engine, wasm: &[u8]) -> PathBuf {
    entry_path(dir, engine, wasm).with_extension("tier")
}

/// The symbol prefix of the objects in a tier-up record: as long as a tier-up batch's
/// (`artifact::Module::compile_tier`), so renaming keeps every offset in the objects.
pub fn tier_prefix() -> String {
    batch_prefix(0, 0)
}

/// Adds a tier-up batch's objects to `module`'s record and rewrites the record. Failures are
/// ignored: the cache is an optimisation.
pub(super) fn store_tier_record(dir: &Path, module: &ModuleInner, batch: &CompiledCode) {
    let canonical = tier_prefix();
    if batch.prefix.len() != canonical.len() {
        return;
    }
    let mut record = module.tier_record.lock().unwrap_or_else(|e| e.into_inner());
    for object in &batch.objects {
        let mut o = object.clone();
        rename(&mut o, batch.prefix.as_bytes(), canonical.as_bytes());
        record.push(o);
    }
    let engine = &module.engine;
    let header = ArtifactHeader {
        mode: TIER_RECORD_MODE,
        epoch_interruption: engine.config().epoch_interruption,
        ..ArtifactHeader::current(engine.config().opt_level)
    };
    let code = CompiledCode {
        objects: std::mem::take(&mut *record),
        prefix: canonical,
    };
    let artifact = write_artifact(&header, &module.bytes, &code);
    *record = code.objects;
    drop(record);
    let _ = write_atomically(
        dir,
        &tier_record_path(dir, engine, &module.bytes),
        &artifact,
    );
}

/// Installs the optimised code of `module`'s tier-up record, if it has a usable one (a fresh
/// lift-off module, before any instance or call).
pub(super) fn load_tier_record(dir: &Path, module: &Module) {
    let _ = try_load_tier_record(dir, module);
}

fn try_load_tier_record(dir: &Path, module: &Module) -> Option<()> {
    let engine = module.engine();
    let bytes = std::fs::read(tier_record_path(dir, engine, module.bytes())).ok()?;
    let artifact = read_artifact(&bytes).ok()?;
    check_compatible_mode(&artifact.header, TIER_RECORD_MODE).ok()?;
    let canonical = tier_prefix();
    let Body::Objects { prefix, objects } = &artifact.body else {
        return None;
    };
    if artifact.wasm != module.bytes()
        || artifact.header.opt_level as u32 != engine.config().opt_level
        || artifact.header.epoch_interruption != engine.config().epoch_interruption
        || *prefix != canonical
    {
        return None;
    }
    let (info, tier, id) = (module.info(), module.code().tier()?, module.code().id);
    // Owned copies (LLVM reads objects only at aligned addresses), renamed for this module.
    let fresh = batch_prefix(id, engine.next_id());
    let record: Vec<Vec<u8>> = objects.iter().map(|o| o.to_vec()).collect();
    let objects: Vec<Vec<u8>> = record
        .iter()
        .map(|o| {
            let mut o = o.to_vec();
            rename(&mut o, canonical.as_bytes(), fresh.as_bytes());
            o
        })
        .collect();
    let imported = info.num_imported_functions;
    let mut defined = Vec::new();
    let mut seen = vec![false; info.bodies.len()];
    let function = format!("{fresh}_f");
    for object in &objects {
        for name in crate::codegen::symbol_sizes(object).ok()?.keys() {
            let Some(index) = name.strip_prefix(&function) else {
                continue;
            };
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let d = index.parse::<u32>().ok()?.checked_sub(imported)?;
            if d as usize >= seen.len() || std::mem::replace(&mut seen[d as usize], true) {
                return None;
            }
            defined.push(d);
        }
    }
    let compiled = CompiledCode {
        objects,
        prefix: fresh,
    };
    let loaded = Module::load(engine, info, module.bytes(), id, &compiled, &defined, &[]).ok()?;
    tier.install(
        &defined,
        &loaded.functions,
        loaded.objects,
        FuncTier::Optimized,
    );
    *module
        .inner
        .tier_record
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = record;
    Some(())
}

/// The cached module for `wasm`, if there is a usable entry: mapped from the entry's file
/// (`Module::deserialize_file`), so processes using one cache share its code pages.
pub fn load(dir: &Path, engine: &Engine, wasm: &[u8]) -> Option<Module> {
    let module = Module::deserialize_file(engine, &entry_path(dir, engine, wasm)).ok()?;
    (module.bytes() == wasm).then_some(module)
}

/// Writes `module`'s entry atomically. Failures are ignored: the cache is an optimisation.
pub fn store(dir: &Path, module: &Module) {
    let _ = try_store(dir, module);
}

fn try_store(dir: &Path, module: &Module) -> Result<()> {
    let artifact = module.serialize()?;
    let path = entry_path(dir, module.engine(), module.bytes());
    write_atomically(dir, &path, &artifact)
}

/// Writes `path` (in `dir`) through a temporary file and a rename: readers see all or nothing.
fn write_atomically(dir: &Path, path: &Path, artifact: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io)?;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = std::fs::write(&tmp, artifact).and_then(|()| std::fs::rename(&tmp, path));
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

    /// An optimised-mode engine: its modules go to the cache whole (lift-off's tier-up records
    /// are `tests/tier_cache.rs`'s).
    fn engine(dir: &Path) -> Engine {
        Engine::new(Config {
            mode: crate::engine::Mode::Optimized,
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
