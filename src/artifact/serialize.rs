//! Serialised modules (`wasm_module_serialize` / `wasm_module_deserialize`,
//! `wasmo_module_deserialize_file`): a module's optimised machine code as one code image
//! (`codegen::image`: the objects LLVM emitted, linked), with what instantiation needs, so that
//! another process loads it by mapping it, without LLVM.
//!
//! ```text
//! magic           8 bytes  "WASMOCW\0"
//! format version  u32
//! payload length  u64      (bytes after the checksum)
//! checksum        u64      over every other byte of the artifact
//! payload:
//!   wasmo version, build id, target triple, CPU name, CPU features   (strings)
//!   mode u8 (0: optimised, 1: a code cache's tier-up record), optimisation level u8
//!   the module's wasm bytes (its metadata, segments and types are decoded from them again,
//!   without validation: the checksum vouches for bytes a validated module was made from)
//!   mode 0, the image:
//!     layout: code length, data start, length      u64 each (page multiples)
//!             unwind tables' offset and length     u64 each (0, 0 without)
//!     functions u32, each: offset, size, rows' offset and length in the row bytes (u32 each)
//!     trampolines u32, each: offset (u32, 0xffffffff for none), per type-section entry
//!     imports u32, each: symbol name (string)
//!     fixups u32, each: offset, import (u32 each; see `codegen::image::Fixup`)
//!     line rows (bytes, `code_map::encode_rows` per function)
//!     padding (bytes: zeros, so that the image starts at a multiple of the page size)
//!     the image itself: the rest of the artifact, `length` bytes
//!   mode 1: symbol prefix (string), object count u32, each object (bytes)
//! ```
//! Integers are little-endian; strings and byte strings are a u64 length and the bytes.
//!
//! Loading checks, in order: size, magic, format version, length (truncation), checksum, then
//! that the artifact comes from this very build of Wasmo (the build id hashes the sources), for
//! this target triple and exactly these CPU features, then the image's tables against its size —
//! all before any of it is mapped executable. Each failure is an error with a message, never a
//! crash. An artifact is trusted code, like a shared library: the checksum catches damage, not
//! malice. From a file, the artifact is mapped privately, checked, and its image made executable
//! where it lies, so processes loading one file share its code pages (a file changed in place
//! while mapped changes under its users, as a shared library would; the code cache only ever
//! replaces entries by renaming).

use super::{code_map, Module, Source};
use crate::codegen::image::{self, Fixup, Layout, Mapping, PAGE};
use crate::compile::CompiledCode;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::module::ModuleInfo;
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"WASMOCW\0";
// 7: wasm code keeps 8-byte stack alignment (codegen::stack_align), callees pop exactly their
// stack arguments. 8: the vmctx holds a copy of each memory's base.
const FORMAT_VERSION: u32 = 8;
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
    /// Whether the code checks the epoch (`Config::epoch_interruption`): it loads only into
    /// an engine with the same setting.
    pub epoch_interruption: bool,
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
            epoch_interruption: false,
        }
    }
}

/// A fast 64-bit checksum: every 8-byte word is mixed into one of four lanes (32-byte blocks,
/// so that the lanes' multiplications overlap) by an invertible step, and the lanes into the
/// result by invertible steps, so any change to one word changes the result.
pub fn checksum(parts: &[&[u8]]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |lane: u64, w: &[u8]| {
        let h = (lane ^ u64::from_le_bytes(w.try_into().unwrap())).wrapping_mul(K);
        h ^ (h >> 31)
    };
    let mut lanes = [
        0x243f_6a88_85a3_08d3u64,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ];
    let mut total = 0u64;
    for part in parts {
        total += part.len() as u64;
        let mut blocks = part.chunks_exact(32);
        for b in &mut blocks {
            for (k, lane) in lanes.iter_mut().enumerate() {
                *lane = mix(*lane, &b[8 * k..8 * k + 8]);
            }
        }
        let mut words = blocks.remainder().chunks_exact(8);
        for w in &mut words {
            lanes[0] = mix(lanes[0], w);
        }
        for &b in words.remainder() {
            lanes[1] = (lanes[1] ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    let mut h = lanes[0];
    for (k, lane) in lanes.iter().enumerate().skip(1) {
        h = (h ^ lane.rotate_left(16 * k as u32)).wrapping_mul(K);
        h ^= h >> 29;
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
    fn header(&mut self, header: &ArtifactHeader, wasm: &[u8]) {
        self.str(&header.wasmo_version);
        self.str(&header.build_id);
        self.str(&header.triple);
        self.str(&header.cpu);
        self.str(&header.features);
        self.u8(header.mode);
        self.u8(header.opt_level);
        self.u8(header.epoch_interruption as u8);
        self.bytes(wasm);
    }
    /// The artifact with this payload: header, then the payload.
    fn finish(self) -> Vec<u8> {
        let payload = self.0;
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

/// Writes an artifact of relocatable objects (the code cache's tier-up records).
pub fn write_artifact(header: &ArtifactHeader, wasm: &[u8], compiled: &CompiledCode) -> Vec<u8> {
    let mut p = Writer(Vec::new());
    p.header(header, wasm);
    p.str(&compiled.prefix);
    p.u32(compiled.objects.len() as u32);
    for o in &compiled.objects {
        p.bytes(o);
    }
    p.finish()
}

/// [`FunctionCode::offset`] and [`ImageInfo::trampolines`] entry of nothing.
pub const NONE: u32 = u32::MAX;

/// Where one defined function's code lies in an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionCode {
    pub offset: u32,
    pub size: u32,
    /// Its rows in [`ImageInfo::lines`]: start and length.
    pub lines: (u32, u32),
}

/// What loading an image needs besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub layout: Layout,
    /// Per defined function.
    pub functions: Vec<FunctionCode>,
    /// Per type-section entry: its array trampoline's offset, or [`NONE`].
    pub trampolines: Vec<u32>,
    /// Symbols the image takes from the process (runtime builtins, libm).
    pub imports: Vec<String>,
    pub fixups: Vec<Fixup>,
    /// The functions' line rows (`code_map::encode_rows`).
    pub lines: Vec<u8>,
}

/// Links the objects of `compiled` (all of `info`'s functions) into an image.
pub fn link_image(info: &ModuleInfo, compiled: &CompiledCode) -> Result<(ImageInfo, Vec<u8>)> {
    use crate::compile::{function_symbol, trampoline_symbol, ModuleEnv};
    let linked = image::link(&compiled.objects)?;
    let imported = info.num_imported_functions;
    let mut ranges = Vec::with_capacity(info.bodies.len());
    for i in 0..info.bodies.len() as u32 {
        let symbol = function_symbol(&compiled.prefix, imported + i);
        let &(offset, size) = linked
            .symbols
            .get(&symbol)
            .ok_or_else(|| Error::new(format!("compiled code lacks `{symbol}`")))?;
        ranges.push((offset, size.max(1)));
    }
    let mut rows = Vec::new();
    for (o, object) in compiled.objects.iter().enumerate() {
        let table = crate::codegen::lines::read(object);
        rows.extend(table.rows.iter().filter_map(|&(section, offset, line)| {
            let base = (*linked.bases[o].get(section as usize)?)?;
            Some((base + offset as usize, line))
        }));
    }
    let mut lines = Vec::new();
    let mut functions = Vec::with_capacity(ranges.len());
    for (&(offset, size), rows) in ranges.iter().zip(code_map::rows_by_function(&ranges, rows)) {
        let at = lines.len();
        code_map::encode_rows(offset, &rows, &mut lines);
        functions.push(FunctionCode {
            offset: offset as u32,
            size: size as u32,
            lines: (at as u32, (lines.len() - at) as u32),
        });
    }
    let trampolines = ModuleEnv::canonical_types(info)
        .iter()
        .map(|&c| {
            let symbol = trampoline_symbol(&compiled.prefix, c);
            linked.symbols.get(&symbol).map_or(NONE, |p| p.0 as u32)
        })
        .collect();
    let image = ImageInfo {
        layout: linked.layout,
        functions,
        trampolines,
        imports: linked.imports,
        fixups: linked.fixups,
        lines,
    };
    Ok((image, linked.bytes))
}

/// Writes the artifact of a module whose code is `image` (its first `data_start` bytes are
/// `code`, the rest `data`).
pub fn write_image_artifact(
    header: &ArtifactHeader,
    wasm: &[u8],
    image: &ImageInfo,
    code: &[u8],
    data: &[u8],
) -> Vec<u8> {
    let mut p = Writer(Vec::new());
    p.header(header, wasm);
    let l = &image.layout;
    for v in [l.exec_len, l.data_start, l.len, l.eh_frame, l.eh_frame_len] {
        p.0.extend_from_slice(&(v as u64).to_le_bytes());
    }
    p.u32(image.functions.len() as u32);
    for f in &image.functions {
        for v in [f.offset, f.size, f.lines.0, f.lines.1] {
            p.u32(v);
        }
    }
    p.u32(image.trampolines.len() as u32);
    for &t in &image.trampolines {
        p.u32(t);
    }
    p.u32(image.imports.len() as u32);
    for name in &image.imports {
        p.str(name);
    }
    p.u32(image.fixups.len() as u32);
    for f in &image.fixups {
        p.u32(f.at);
        p.u32(f.import);
    }
    p.bytes(&image.lines);
    // Padding, so that the image starts at a page boundary of the artifact.
    let after = HEADER + p.0.len() + 8;
    p.bytes(&vec![0; after.next_multiple_of(PAGE) - after]);
    p.0.extend_from_slice(code);
    p.0.extend_from_slice(data);
    p.finish()
}

/// What an artifact holds besides its header and wasm bytes.
pub enum Body<'a> {
    /// A tier-up record's relocatable objects, under their symbol prefix.
    Objects {
        prefix: String,
        objects: Vec<&'a [u8]>,
    },
    /// A module's code image, at offset `at` of the artifact (a multiple of the page size).
    Image { info: ImageInfo, at: usize },
}

/// An artifact's parts, checked for integrity (not yet for compatibility).
pub struct Artifact<'a> {
    pub header: ArtifactHeader,
    pub wasm: &'a [u8],
    pub body: Body<'a>,
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
        epoch_interruption: r.u8()? != 0,
    };
    let wasm = r.bytes()?;
    let body = if header.mode == TIER_RECORD_MODE {
        let prefix = r.str()?;
        let count = r.u32()?;
        let mut objects = Vec::new();
        for _ in 0..count {
            objects.push(r.bytes()?);
        }
        if r.at != bytes.len() {
            return Err(Error::new("corrupt serialized module: trailing bytes"));
        }
        Body::Objects { prefix, objects }
    } else {
        read_image(&mut r)?
    };
    Ok(Artifact { header, wasm, body })
}

fn read_image(r: &mut Reader) -> Result<Body<'static>> {
    let corrupt = |what: &str| Error::new(format!("corrupt serialized module: {what}"));
    let mut size = || -> Result<usize> {
        usize::try_from(r.u64()?).map_err(|_| corrupt("a size is too large"))
    };
    let layout = Layout {
        exec_len: size()?,
        data_start: size()?,
        len: size()?,
        eh_frame: size()?,
        eh_frame_len: size()?,
    };
    let count = |r: &mut Reader, each: usize| -> Result<usize> {
        let n = r.u32()? as usize;
        // Each entry takes at least `each` bytes: a count beyond the rest is damage.
        if n.saturating_mul(each) > r.bytes.len() - r.at {
            return Err(corrupt("a table runs past the end"));
        }
        Ok(n)
    };
    let n = count(r, 16)?;
    let mut functions = Vec::with_capacity(n);
    for _ in 0..n {
        functions.push(FunctionCode {
            offset: r.u32()?,
            size: r.u32()?,
            lines: (r.u32()?, r.u32()?),
        });
    }
    let n = count(r, 4)?;
    let trampolines = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
    let n = count(r, 8)?;
    let imports = (0..n).map(|_| r.str()).collect::<Result<Vec<_>>>()?;
    let n = count(r, 8)?;
    let mut fixups = Vec::with_capacity(n);
    for _ in 0..n {
        fixups.push(Fixup {
            at: r.u32()?,
            import: r.u32()?,
        });
    }
    let lines = r.bytes()?.to_vec();
    r.bytes()?; // padding
    let at = r.at;
    let info = ImageInfo {
        layout,
        functions,
        trampolines,
        imports,
        fixups,
        lines,
    };
    let l = &info.layout;
    let page = |v: usize| v.is_multiple_of(PAGE);
    if !page(at) || !page(l.exec_len) || !page(l.data_start) || !page(l.len) {
        return Err(corrupt("the code image is not page-aligned"));
    }
    if l.exec_len == 0 || l.exec_len > l.data_start || l.data_start >= l.len {
        return Err(corrupt("bad code layout"));
    }
    if r.bytes.len() - at != l.len {
        return Err(corrupt("the code image has the wrong size"));
    }
    let in_code = |offset: u32, size: u32| (offset as u64 + size as u64) <= l.exec_len as u64;
    for f in &info.functions {
        let (start, len) = f.lines;
        if !in_code(f.offset, f.size) || start as u64 + len as u64 > info.lines.len() as u64 {
            return Err(corrupt("a function lies outside the code"));
        }
    }
    if info
        .trampolines
        .iter()
        .any(|&t| t != NONE && !in_code(t, 1))
    {
        return Err(corrupt("a trampoline lies outside the code"));
    }
    for f in &info.fixups {
        let (at, import) = (f.at as usize, f.import);
        let bad_import = import != image::INTERNAL && import as usize >= info.imports.len();
        if at < l.data_start || at + 8 > l.len || !at.is_multiple_of(8) || bad_import {
            return Err(corrupt("bad fixup"));
        }
    }
    Ok(Body::Image { info, at })
}

/// The `mode` byte of the code cache's tier-up records (`cache::store_tier_record`): optimised
/// code for some of a lift-off module's functions; `wasm_module_deserialize` refuses them.
pub const TIER_RECORD_MODE: u8 = 1;

/// Whether code described by `header` may run in this process as a serialised module; the
/// reason if not.
pub fn check_compatible(header: &ArtifactHeader) -> Result<()> {
    check_compatible_mode(header, 0)
}

/// Refuses code compiled with another epoch-interruption setting than `engine`'s: without its
/// checks the code could not be interrupted; with them it would pay for checks nobody uses.
pub fn check_epoch(header: &ArtifactHeader, engine: &Engine) -> Result<()> {
    let on = engine.config().epoch_interruption;
    if header.epoch_interruption == on {
        return Ok(());
    }
    let (was, is) = if on {
        ("without", "on")
    } else {
        ("with", "off")
    };
    Err(Error::new(format!(
        "serialized module was compiled {was} epoch interruption, which this engine has {is}"
    )))
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
    /// The artifact `wasm_module_serialize` writes: the module's optimised code as an image. A
    /// lift-off module is compiled optimised for it first, never written half-tiered.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let engine = self.engine();
        let opt_level = engine.config().opt_level;
        let linked;
        let (image, code, data, opt_level) = match &self.code().code {
            super::Code::Optimized {
                source: Source::Image(loaded),
                ..
            } => {
                let code = &loaded.mapping.bytes()[loaded.at..][..loaded.info.layout.data_start];
                (&loaded.info, code, &loaded.data[..], loaded.opt_level)
            }
            super::Code::Optimized {
                source: Source::Objects(compiled),
                ..
            } => {
                linked = link_image(self.info(), compiled)?;
                let (code, data) = linked.1.split_at(linked.0.layout.data_start);
                (&linked.0, code, data, opt_level as u8)
            }
            super::Code::Liftoff(_) => {
                let options = crate::compile::CompileOptions {
                    opt_level,
                    threads: engine.config().threads(),
                    machine: None,
                    loop_machine: None,
                    helper: None,
                    epoch_interruption: engine.config().epoch_interruption,
                    osr: &[],
                };
                let compiled = crate::compile::compile_module(
                    self.info(),
                    self.bytes(),
                    super::symbol_prefix(engine.next_id()),
                    options,
                )?;
                linked = link_image(self.info(), &compiled)?;
                let (code, data) = linked.1.split_at(linked.0.layout.data_start);
                (&linked.0, code, data, opt_level as u8)
            }
        };
        let mut header = ArtifactHeader::current(0);
        header.opt_level = opt_level;
        header.epoch_interruption = engine.config().epoch_interruption;
        Ok(write_image_artifact(
            &header,
            self.bytes(),
            image,
            code,
            data,
        ))
    }

    /// Loads an artifact of [`Module::serialize`] into `engine`, without compiling: its image
    /// is copied into fresh memory.
    pub fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let (artifact, image, at) = Self::read_module_artifact(bytes)?;
        check_epoch(&artifact.header, engine)?;
        let info = ModuleInfo::decode_trusted(artifact.wasm)?;
        let imports = engine.resolve_symbols(&image.imports)?;
        let (code, data) = bytes[at..].split_at(image.layout.data_start);
        let mut mapping = Mapping::copy(&[code, data])?;
        let base = mapping.finish(0, image.layout, &imports, &image.fixups)?;
        let loaded = super::LoadedImage {
            mapping,
            at: 0,
            base,
            info: image,
            data: data.to_vec(),
            opt_level: artifact.header.opt_level,
        };
        let code = Module::image_code(engine, &info, artifact.wasm, loaded);
        Ok(Module::from_parts(
            engine,
            info,
            Arc::from(artifact.wasm),
            code,
        ))
    }

    /// Loads the artifact in the file at `path` (as written by [`Module::serialize`]) by mapping
    /// it: its code pages are the file's, shared with every process that maps the same file.
    /// Where the file cannot be mapped executable (a `noexec` file system), its image is copied.
    pub fn deserialize_file(engine: &Engine, path: &std::path::Path) -> Result<Module> {
        let file_error = |e: std::io::Error| {
            Error::new(format!(
                "cannot read serialized module {}: {e}",
                path.display()
            ))
        };
        let file = std::fs::File::open(path).map_err(file_error)?;
        let len = file.metadata().map_err(file_error)?.len();
        let len = usize::try_from(len).map_err(|_| Error::new("serialized module too large"))?;
        if len < HEADER {
            // Nothing worth mapping: the reader says what is wrong with it.
            return Self::deserialize(engine, &std::fs::read(path).map_err(file_error)?);
        }
        let mut mapping = Mapping::file(&file, len)?;
        drop(file);
        let (image, mut at, wasm, data, opt_level) = {
            let bytes = mapping.bytes();
            let (artifact, image, at) = Self::read_module_artifact(bytes)?;
            check_epoch(&artifact.header, engine)?;
            let data = bytes[at + image.layout.data_start..].to_vec();
            let wasm: Arc<[u8]> = Arc::from(artifact.wasm);
            (image, at, wasm, data, artifact.header.opt_level)
        };
        let info = ModuleInfo::decode_trusted(&wasm)?;
        let imports = engine.resolve_symbols(&image.imports)?;
        let base = match mapping.finish(at, image.layout, &imports, &image.fixups) {
            Ok(base) => base,
            Err(e) if e.message().starts_with("cannot protect") => {
                // Not executable where it lies: a copy of the code and the data as written.
                let code = &mapping.bytes()[at..][..image.layout.data_start];
                let mut copy = Mapping::copy(&[code, &data])?;
                at = 0;
                let base = copy.finish(0, image.layout, &imports, &image.fixups)?;
                mapping = copy;
                base
            }
            Err(e) => return Err(e),
        };
        let loaded = super::LoadedImage {
            mapping,
            at,
            base,
            info: image,
            data,
            opt_level,
        };
        let code = Module::image_code(engine, &info, &wasm, loaded);
        Ok(Module::from_parts(engine, info, wasm.clone(), code))
    }

    /// Reads and checks a module artifact: its parts, its image's description and where the
    /// image starts.
    fn read_module_artifact(bytes: &[u8]) -> Result<(Artifact<'_>, ImageInfo, usize)> {
        let mut artifact = read_artifact(bytes)?;
        check_compatible(&artifact.header)?;
        match std::mem::replace(
            &mut artifact.body,
            Body::Objects {
                prefix: String::new(),
                objects: Vec::new(),
            },
        ) {
            Body::Image { info, at } => Ok((artifact, info, at)),
            Body::Objects { .. } => Err(Error::new("corrupt serialized module: no code image")),
        }
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
        bad[8] = 9;
        assert!(refused(&engine, &bad).contains("format version 9"));
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
        let Body::Image { info, at } = &parts.body else {
            panic!("a module artifact holds an image")
        };
        let (code, data) = good[*at..].split_at(info.layout.data_start);
        let with = |edit: &dyn Fn(&mut ArtifactHeader)| {
            let mut h = parts.header.clone();
            edit(&mut h);
            write_image_artifact(&h, parts.wasm, info, code, data)
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
