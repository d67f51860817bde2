//! Serialised modules (`wasm_module_serialize` / `wasm_module_deserialize`): a module's optimised
//! machine code, as the relocatable objects LLVM emitted, with what instantiation needs, so that
//! another process can load it without running LLVM's optimiser or code generator.
//!
//! ```text
//! magic           8 bytes  "WASMOCW\0"
//! format version  u32
//! payload length  u64      (bytes after the checksum)
//! checksum        u64      over every other byte of the artifact
//! payload:
//!   wasmo version, build id, target triple, CPU name, CPU features   (strings)
//!   mode u8 (0: optimised), optimisation level u8
//!   the module's wasm bytes (its metadata, segments and types are decoded from them again,
//!   without validation: the checksum vouches for bytes a validated module was made from)
//!   symbol prefix (string), object count u32, each object (bytes)
//! ```
//! Integers are little-endian; strings and byte strings are a u64 length and the bytes.
//!
//! Loading checks, in order: size, magic, format version, length (truncation), checksum, then
//! that the artifact comes from this very build of Wasmo (the build id hashes the sources), for
//! this target triple and exactly these CPU features — all before any of it is mapped
//! executable. Each failure is an error with a message, never a crash. An artifact is trusted
//! code, like a shared library: the checksum catches damage, not malice.

use super::{symbol_prefix, LoadedCode, Module};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::module::ModuleInfo;
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"WASMOCW\0";
const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8 + 8;
const CHECKSUM_AT: usize = 8 + 4 + 8;

/// This build's identity: artifacts of any other build are refused.
pub const BUILD_ID: &str = env!("WASMO_BUILD_ID");

/// What an artifact says about where its code can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactHeader {
    pub wasmo_version: String,
    pub build_id: String,
    pub triple: String,
    pub cpu: String,
    pub features: String,
    pub mode: u8,
    pub opt_level: u8,
}

impl ArtifactHeader {
    /// The header of artifacts this process writes.
    pub fn current(opt_level: u32) -> ArtifactHeader {
        let host = crate::codegen::host();
        ArtifactHeader {
            wasmo_version: env!("CARGO_PKG_VERSION").to_string(),
            build_id: BUILD_ID.to_string(),
            triple: host.triple.clone(),
            cpu: host.cpu.clone(),
            features: host.features.clone(),
            mode: 0,
            opt_level: opt_level as u8,
        }
    }
}

/// A fast 64-bit checksum: every 8-byte word is mixed into the state by an invertible step, so
/// any change to one word changes the result.
pub fn checksum(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    let mut total = 0u64;
    for part in parts {
        total += part.len() as u64;
        let mut chunks = part.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap());
            h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 31;
        }
        for &b in chunks.remainder() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    h ^= total;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| Error::new("corrupt serialized module: a field runs past its end"))?;
        let b = &self.bytes[self.at..end];
        self.at = end;
        Ok(b)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u64()?;
        let n = usize::try_from(n)
            .map_err(|_| Error::new("corrupt serialized module: a length is too large"))?;
        self.take(n)
    }
    fn str(&mut self) -> Result<String> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|_| Error::new("corrupt serialized module: a string is not UTF-8"))
    }
}

/// Writes the artifact for `header`, `wasm` and the compiled objects.
pub fn write_artifact(
    header: &ArtifactHeader,
    wasm: &[u8],
    compiled: &crate::compile::CompiledCode,
) -> Vec<u8> {
    let mut p = Writer(Vec::new());
    p.str(&header.wasmo_version);
    p.str(&header.build_id);
    p.str(&header.triple);
    p.str(&header.cpu);
    p.str(&header.features);
    p.u8(header.mode);
    p.u8(header.opt_level);
    p.bytes(wasm);
    p.str(&compiled.prefix);
    p.u32(compiled.objects.len() as u32);
    for o in &compiled.objects {
        p.bytes(o);
    }
    let payload = p.0;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&payload);
    let sum = checksum(&[&out[..CHECKSUM_AT], &out[HEADER..]]);
    out[CHECKSUM_AT..HEADER].copy_from_slice(&sum.to_le_bytes());
    out
}

/// An artifact's parts, checked for integrity (not yet for compatibility).
pub struct Artifact<'a> {
    pub header: ArtifactHeader,
    pub wasm: &'a [u8],
    pub prefix: String,
    pub objects: Vec<&'a [u8]>,
}

/// Checks the artifact's framing and checksum and splits it into its parts.
pub fn read_artifact(bytes: &[u8]) -> Result<Artifact<'_>> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(Error::new(
            "not a serialized Wasmo module (wrong magic number)",
        ));
    }
    if bytes.len() < HEADER {
        return Err(Error::new(format!(
            "truncated serialized module: {} bytes, shorter than its header",
            bytes.len()
        )));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    if version != FORMAT_VERSION {
        return Err(Error::new(format!(
            "serialized module has format version {version}; this Wasmo reads version {FORMAT_VERSION}"
        )));
    }
    let payload_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
    let expected = (HEADER as u64).checked_add(payload_len);
    if expected != Some(bytes.len() as u64) {
        return Err(Error::new(format!(
            "truncated or padded serialized module: {} bytes, its header says {}",
            bytes.len(),
            expected.map_or("more than can exist".to_string(), |e| e.to_string())
        )));
    }
    let stored = u64::from_le_bytes(bytes[CHECKSUM_AT..HEADER].try_into().unwrap());
    if checksum(&[&bytes[..CHECKSUM_AT], &bytes[HEADER..]]) != stored {
        return Err(Error::new("corrupt serialized module: checksum mismatch"));
    }
    let mut r = Reader { bytes, at: HEADER };
    let header = ArtifactHeader {
        wasmo_version: r.str()?,
        build_id: r.str()?,
        triple: r.str()?,
        cpu: r.str()?,
        features: r.str()?,
        mode: r.u8()?,
        opt_level: r.u8()?,
    };
    let wasm = r.bytes()?;
    let prefix = r.str()?;
    let count = r.u32()?;
    let mut objects = Vec::new();
    for _ in 0..count {
        objects.push(r.bytes()?);
    }
    if r.at != bytes.len() {
        return Err(Error::new("corrupt serialized module: trailing bytes"));
    }
    Ok(Artifact {
        header,
        wasm,
        prefix,
        objects,
    })
}

/// The `mode` byte of the code cache's tier-up records (`cache::store_tier_record`): optimised
/// code for some of a lift-off module's functions; `wasm_module_deserialize` refuses them.
pub const TIER_RECORD_MODE: u8 = 1;

/// Whether code described by `header` may run in this process as a serialised module; the
/// reason if not.
pub fn check_compatible(header: &ArtifactHeader) -> Result<()> {
    check_compatible_mode(header, 0)
}

/// [`check_compatible`] for an artifact of `mode`.
pub fn check_compatible_mode(header: &ArtifactHeader, mode: u8) -> Result<()> {
    let here = ArtifactHeader::current(0);
    if header.build_id != here.build_id || header.wasmo_version != here.wasmo_version {
        return Err(Error::new(format!(
            "serialized module comes from another build of Wasmo (version {}, build {}); this is version {}, build {}",
            header.wasmo_version, header.build_id, here.wasmo_version, here.build_id
        )));
    }
    if header.triple != here.triple {
        return Err(Error::new(format!(
            "serialized module was compiled for target {}; this machine is {}",
            header.triple, here.triple
        )));
    }
    if header.features != here.features || header.cpu != here.cpu {
        return Err(Error::new(format!(
            "serialized module was compiled for CPU {} with features {}; this machine is {} with {}",
            header.cpu, header.features, here.cpu, here.features
        )));
    }
    if header.mode == TIER_RECORD_MODE && mode != TIER_RECORD_MODE {
        return Err(Error::new(
            "this is a tier-up record of Wasmo's code cache, not a serialized module",
        ));
    }
    if header.mode != mode {
        return Err(Error::new(format!(
            "corrupt serialized module: unknown compile mode {}",
            header.mode
        )));
    }
    Ok(())
}

/// Replaces every occurrence of `from` in `object` by `to` (same length).
pub(super) fn rename(object: &mut [u8], from: &[u8], to: &[u8]) {
    debug_assert_eq!(from.len(), to.len());
    let mut at = 0;
    while at + from.len() <= object.len() {
        match object[at..].iter().position(|&b| b == from[0]) {
            None => return,
            Some(p) => at += p,
        }
        if at + from.len() <= object.len() && &object[at..at + from.len()] == from {
            object[at..at + from.len()].copy_from_slice(to);
            at += from.len();
        } else {
            at += 1;
        }
    }
}

impl Module {
    /// The artifact `wasm_module_serialize` writes: the module's optimised code. A lift-off
    /// module is compiled optimised for it first, never written half-tiered.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let engine = self.engine();
        let opt_level = engine.config().opt_level;
        let fresh;
        let compiled = match &self.code().code {
            super::Code::Optimized { compiled, .. } => compiled,
            super::Code::Liftoff(_) => {
                let options = crate::compile::CompileOptions {
                    opt_level,
                    threads: engine.config().threads(),
                    machine: None,
                    loop_machine: None,
                };
                fresh = crate::compile::compile_module(
                    self.info(),
                    self.bytes(),
                    symbol_prefix(engine.next_id()),
                    options,
                )?;
                &fresh
            }
        };
        let header = ArtifactHeader::current(opt_level);
        Ok(write_artifact(&header, self.bytes(), compiled))
    }

    /// Loads an artifact of [`Module::serialize`] into `engine`, without compiling.
    pub fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let artifact = read_artifact(bytes)?;
        check_compatible(&artifact.header)?;
        if artifact.prefix.len() != symbol_prefix(0).len()
            || !artifact.prefix.starts_with("wasmo_m")
        {
            return Err(Error::new("corrupt serialized module: bad symbol prefix"));
        }
        let info = ModuleInfo::decode_trusted(artifact.wasm)?;
        let id = engine.next_id();
        let prefix = symbol_prefix(id);
        let objects = artifact
            .objects
            .iter()
            .map(|o| {
                let mut o = o.to_vec();
                rename(&mut o, artifact.prefix.as_bytes(), prefix.as_bytes());
                o
            })
            .collect();
        let compiled = crate::compile::CompiledCode { objects, prefix };
        let code: LoadedCode = Module::load_aot(engine, &info, id, compiled)?;
        Ok(Module::from_parts(
            engine,
            info,
            Arc::from(artifact.wasm),
            code,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::instance::instantiate;
    use crate::runtime::store::{Extern, Store};
    use crate::runtime::values::Val;

    const WAT: &str = r#"(module
      (memory (export "m") 1) (data (i32.const 8) "wasmo")
      (global $g (mut i32) (i32.const 5))
      (table 2 funcref) (elem (i32.const 1) $sq)
      (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
      (func (export "run") (param i32) (result i32)
        (global.set $g (i32.add (global.get $g) (i32.load8_u (i32.const 8))))
        (i32.add (call_indirect (param i32) (result i32) (local.get 0) (i32.const 1))
                 (global.get $g))))"#;

    fn artifact(engine: &Engine) -> Vec<u8> {
        let module = Module::new(engine, &wat::parse_str(WAT).unwrap()).unwrap();
        module.serialize().unwrap()
    }

    fn run(engine: &Engine, module: &Module) -> Vec<Val> {
        let store = Store::new(engine);
        let i = instantiate(&store, module, &[]).unwrap();
        let f = store
            .instance_exports(i)
            .into_iter()
            .find_map(|(n, e)| match e {
                Extern::Func(f) if n == "run" => Some(f),
                _ => None,
            })
            .unwrap();
        store.call(f, &[Val::I32(7)]).unwrap()
    }

    #[test]
    fn round_trip_runs_like_the_original_even_twice_in_one_engine() {
        let engine = Engine::default();
        let bytes = artifact(&engine);
        let a = Module::deserialize(&engine, &bytes).unwrap();
        let b = Module::deserialize(&engine, &bytes).unwrap();
        // 7*7 + (5 + 'w'), with its own global per instance.
        assert_eq!(run(&engine, &a), vec![Val::I32(49 + 5 + 119)]);
        assert_eq!(run(&engine, &b), vec![Val::I32(49 + 5 + 119)]);
        // Another engine, as another process would have.
        let other = Engine::default();
        let c = Module::deserialize(&other, &bytes).unwrap();
        assert_eq!(run(&other, &c), vec![Val::I32(173)]);
        // Serialising a deserialised module gives an equivalent artifact.
        let again = c.serialize().unwrap();
        assert_eq!(
            run(&other, &Module::deserialize(&other, &again).unwrap()),
            vec![Val::I32(173)]
        );
    }

    fn refused(engine: &Engine, bytes: &[u8]) -> String {
        match Module::deserialize(engine, bytes) {
            Ok(_) => panic!("a bad artifact was accepted"),
            Err(e) => e.message().to_string(),
        }
    }

    #[test]
    fn damaged_artifacts_are_refused_with_a_reason() {
        let engine = Engine::default();
        let good = artifact(&engine);
        // Every truncation.
        for len in (0..good.len())
            .step_by(97)
            .chain([good.len() - 1, 7, 8, 27, 28])
        {
            let m = refused(&engine, &good[..len]);
            assert!(m.contains("truncated") || m.contains("magic"), "{len}: {m}");
        }
        // A flipped bit anywhere: in the header fields, the wasm, the objects, the checksum.
        for at in (0..good.len())
            .step_by(131)
            .chain([9, 13, 21, good.len() - 1])
        {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            let m = refused(&engine, &bad);
            assert!(
                m.contains("checksum")
                    || m.contains("magic")
                    || m.contains("version")
                    || m.contains("truncated"),
                "{at}: {m}"
            );
        }
        let mut bad = good.clone();
        bad[0] = b'X';
        assert!(refused(&engine, &bad).contains("magic"));
        let mut bad = good.clone();
        bad[8] = 2;
        assert!(refused(&engine, &bad).contains("format version 2"));
        let mut bad = good.clone();
        bad.push(0);
        assert!(refused(&engine, &bad).contains("truncated or padded"));
        assert!(refused(&engine, b"\0asm\x01\0\0\0").contains("magic"));
    }

    #[test]
    fn artifacts_for_another_build_target_or_cpu_are_refused() {
        let engine = Engine::default();
        let good = artifact(&engine);
        let parts = read_artifact(&good).unwrap();
        let compiled = crate::compile::CompiledCode {
            objects: parts.objects.iter().map(|o| o.to_vec()).collect(),
            prefix: parts.prefix.clone(),
        };
        let with = |edit: &dyn Fn(&mut ArtifactHeader)| {
            let mut h = parts.header.clone();
            edit(&mut h);
            write_artifact(&h, parts.wasm, &compiled)
        };
        // The same parts re-written are fine.
        assert!(Module::deserialize(&engine, &with(&|_| {})).is_ok());
        let m = refused(&engine, &with(&|h| h.build_id = "0123456789abcdef".into()));
        assert!(m.contains("another build"), "{m}");
        let m = refused(&engine, &with(&|h| h.wasmo_version = "9.9.9".into()));
        assert!(m.contains("another build"), "{m}");
        let m = refused(
            &engine,
            &with(&|h| h.triple = "aarch64-unknown-linux-gnu".into()),
        );
        assert!(m.contains("compiled for target aarch64"), "{m}");
        let m = refused(
            &engine,
            &with(&|h| h.features = h.features.replace("+sse2", "-sse2")),
        );
        assert!(m.contains("CPU"), "{m}");
        let m = refused(&engine, &with(&|h| h.mode = 7));
        assert!(m.contains("compile mode"), "{m}");
    }

    #[test]
    fn renaming_replaces_every_occurrence_and_nothing_else() {
        let mut o = b"xxwasmo_m0001_f1\0wasmo_m0001_t2\0wasmo_m0002".to_vec();
        rename(&mut o, b"wasmo_m0001", b"wasmo_m00ff");
        assert_eq!(&o[..], b"xxwasmo_m00ff_f1\0wasmo_m00ff_t2\0wasmo_m0002");
    }

    #[test]
    fn checksum_sees_every_byte() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let base = checksum(&[&data]);
        for i in [0, 7, 8, 500, 999] {
            let mut d = data.clone();
            d[i] ^= 1;
            assert_ne!(checksum(&[&d]), base, "byte {i}");
        }
        assert_ne!(checksum(&[&data[..999]]), base);
    }
}
