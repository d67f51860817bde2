//! Code images: a module's relocatable objects linked, once, into one position-independent block
//! of memory that loads by mapping it (a serialised module's code, see `artifact::serialize`).
//!
//! ```text
//! offset 0        code: every executable section of every object, then one 8-byte stub per
//!                 imported symbol (`jmp [rip + its slot]`)            read + execute
//! exec_len        read-only data: every other allocated section        read
//! data_start      writable data: writable sections, zero-filled ones, then one 8-byte slot per
//!                 imported symbol and per symbol whose address code loads from a GOT entry
//!                                                                      read + write
//! len             (every boundary a multiple of the page size)
//! ```
//! Everything in the image reaches everything else in it PC-relatively, so it can lie at any
//! address, and its code and read-only pages are the same bytes in every process that maps it:
//! the kernel shares them when the image is mapped from one file. What depends on the address or
//! on the process — the slots of imported symbols (runtime builtins, libm) and 64-bit absolute
//! addresses — lies in the writable part only, and is written when the image is loaded
//! ([`Mapping::finish`]) as listed in [`Image::fixups`].
//!
//! The linker accepts exactly the relocations position-independent x86-64 code of the small
//! code model uses; anything else (a 32-bit absolute address, TLS, an absolute address in
//! read-only data) is an error, never silently wrong code.

use super::elf::{self, Object};
use crate::error::{Error, Result};
use std::collections::HashMap;

pub const PAGE: usize = 4096;

const R_X86_64_64: u32 = 1;
const R_X86_64_PC32: u32 = 2;
const R_X86_64_PLT32: u32 = 4;
const R_X86_64_GOTPCREL: u32 = 9;
const R_X86_64_PC64: u32 = 24;
const R_X86_64_GOTPCRELX: u32 = 41;
const R_X86_64_REX_GOTPCRELX: u32 = 42;

/// `.eh_frame`'s section type on x86-64.
const SHT_X86_64_UNWIND: u32 = 0x7000_0001;
/// A weak symbol's binding.
const STB_WEAK: u8 = 2;

/// Where an image's parts begin and end (every value a multiple of [`PAGE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    pub exec_len: usize,
    pub data_start: usize,
    pub len: usize,
    /// The unwind tables (every object's `.eh_frame`, one after the other, then a zero
    /// terminator) in the read-only part: offset and length, 0 and 0 without any.
    pub eh_frame: usize,
    pub eh_frame_len: usize,
}

/// A 64-bit word of the writable part to fill in at load time: the image's own address plus
/// the word's content (`import` is [`INTERNAL`]) or an imported symbol's address plus it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixup {
    pub at: u32,
    pub import: u32,
}

/// [`Fixup::import`] of a word that holds an offset in the image.
pub const INTERNAL: u32 = u32::MAX;

/// Linked objects, ready to be written out or mapped.
pub struct Image {
    pub bytes: Vec<u8>,
    pub layout: Layout,
    /// Every global symbol defined: (offset, size).
    pub symbols: HashMap<String, (usize, usize)>,
    /// The symbols the image needs from the process, in slot order.
    pub imports: Vec<String>,
    pub fixups: Vec<Fixup>,
    /// Where each object's sections went: `bases[object][section]`, for allocated sections.
    pub bases: Vec<Vec<Option<usize>>>,
}

/// What a relocation refers to: a place in a section of an object, or an imported symbol.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Section {
        object: usize,
        section: usize,
        value: u64,
    },
    Import(usize),
}

fn err(what: impl std::fmt::Display) -> Error {
    Error::new(format!("cannot link compiled code into an image: {what}"))
}

fn align_up(v: usize, align: usize) -> usize {
    v.next_multiple_of(align.max(1))
}

/// Which part of the image an object's section goes to: 0 code, 1 read-only data, 2 writable
/// data, 3 zero-filled data; None for sections that are not loaded.
fn part_of(s: &elf::Section) -> Option<usize> {
    if s.flags & elf::SHF_ALLOC == 0 || s.size == 0 {
        None
    } else if s.flags & elf::SHF_EXECINSTR != 0 {
        Some(0)
    } else if s.flags & elf::SHF_WRITE == 0 {
        Some(1)
    } else if s.ty != elf::SHT_NOBITS {
        Some(2)
    } else {
        Some(3)
    }
}

/// A relocation, resolved to its target.
struct Site {
    object: usize,
    section: usize,
    offset: usize,
    ty: u32,
    target: Target,
    addend: i64,
}

/// Links `objects` (ELF64 x86-64 relocatable objects) into one image.
pub fn link(objects: &[Vec<u8>]) -> Result<Image> {
    let parsed: Vec<Object> = objects
        .iter()
        .map(|o| Object::parse(o).ok_or_else(|| err("malformed object file")))
        .collect::<Result<_>>()?;
    for object in &parsed {
        for s in &object.sections {
            if part_of(s).is_some() && s.flags & elf::SHF_TLS != 0 {
                return Err(err("thread-local data"));
            }
            let known = [elf::SHT_PROGBITS, elf::SHT_NOBITS, SHT_X86_64_UNWIND];
            if part_of(s).is_some() && !known.contains(&s.ty) {
                return Err(err(format!("allocated section of type {}", s.ty)));
            }
        }
    }

    // Global symbols, for references between the objects.
    let mut globals: HashMap<&[u8], Target> = HashMap::new();
    let mut sized = Vec::new();
    for (o, object) in parsed.iter().enumerate() {
        for s in &object.symbols {
            if s.info >> 4 == elf::STB_LOCAL || s.shndx == elf::SHN_UNDEF || s.name.is_empty() {
                continue;
            }
            let section = s.shndx as usize;
            if object.sections.get(section).and_then(part_of).is_none() {
                continue;
            }
            let target = Target::Section {
                object: o,
                section,
                value: s.value,
            };
            // The personality's reference (`DW.ref.__gxx_personality_v0`) is a weak definition
            // in each object: the first one serves all.
            if s.info >> 4 == STB_WEAK && globals.contains_key(s.name) {
                continue;
            }
            if globals.insert(s.name, target).is_some() {
                let name = String::from_utf8_lossy(s.name);
                return Err(err(format!("symbol `{name}` defined twice")));
            }
            sized.push((s.name, target, s.size as usize));
        }
    }

    // Resolve every relocation of a loaded section.
    let mut imports: Vec<String> = Vec::new();
    let mut import_index: HashMap<&[u8], usize> = HashMap::new();
    let mut got: Vec<Target> = Vec::new();
    let mut got_index: HashMap<Target, usize> = HashMap::new();
    let mut sites = Vec::new();
    for (o, object) in parsed.iter().enumerate() {
        for (i, section) in object.sections.iter().enumerate() {
            if part_of(section).is_none() {
                continue;
            }
            let relocs = object
                .relocations(i)
                .ok_or_else(|| err("malformed relocations"))?;
            for r in relocs {
                let s = object
                    .symbols
                    .get(r.symbol as usize)
                    .ok_or_else(|| err("relocation against a missing symbol"))?;
                let target = if s.shndx == elf::SHN_UNDEF {
                    match globals.get(s.name) {
                        Some(&t) => t,
                        None => Target::Import(*import_index.entry(s.name).or_insert_with(|| {
                            imports.push(String::from_utf8_lossy(s.name).into_owned());
                            imports.len() - 1
                        })),
                    }
                } else if s.shndx >= elf::SHN_LORESERVE {
                    return Err(err(format!("symbol in special section {:#x}", s.shndx)));
                } else if object
                    .sections
                    .get(s.shndx as usize)
                    .is_some_and(|s| part_of(s).is_some())
                {
                    Target::Section {
                        object: o,
                        section: s.shndx as usize,
                        value: s.value,
                    }
                } else {
                    return Err(err("reference to a section that is not loaded"));
                };
                let offset = usize::try_from(r.offset).unwrap_or(usize::MAX);
                if offset.checked_add(4).is_none_or(|end| end > section.size) {
                    return Err(err("relocation outside its section"));
                }
                if let R_X86_64_GOTPCREL | R_X86_64_GOTPCRELX | R_X86_64_REX_GOTPCRELX = r.ty {
                    got_index.entry(target).or_insert_with(|| {
                        got.push(target);
                        got.len() - 1
                    });
                }
                sites.push(Site {
                    object: o,
                    section: i,
                    offset,
                    ty: r.ty,
                    target,
                    addend: r.addend,
                });
            }
        }
    }

    // Lay out: code, stubs, read-only data, writable data, zero-filled data, slots.
    let mut bases: Vec<Vec<Option<usize>>> = parsed
        .iter()
        .map(|o| vec![None; o.sections.len()])
        .collect();
    let mut at = 0usize;
    let mut stubs = 0;
    let mut data_start = 0;
    let mut exec_len = 0;
    let (mut eh_frame, mut eh_frame_len) = (0, 0);
    for part in 0..4 {
        match part {
            1 => {
                stubs = align_up(at, 8);
                exec_len = align_up(stubs + 8 * imports.len(), PAGE).max(PAGE);
                at = exec_len;
            }
            2 => {
                at = align_up(at, PAGE);
                data_start = at;
            }
            _ => {}
        }
        // Read-only data ends with the unwind tables, all together and zero-terminated, as
        // the unwinder's registration (`__register_frame`) reads them.
        for unwind in [false, true] {
            if unwind {
                at = align_up(at, 8);
            }
            let start = at;
            for (o, object) in parsed.iter().enumerate() {
                for (i, s) in object.sections.iter().enumerate() {
                    if part_of(s) == Some(part) && (s.ty == SHT_X86_64_UNWIND) == unwind {
                        // No padding between unwind tables: a zero word would end them.
                        let align = if unwind {
                            1
                        } else {
                            s.align.min(PAGE as u64) as usize
                        };
                        at = align_up(at, align);
                        bases[o][i] = Some(at);
                        at += s.size;
                    }
                }
            }
            if unwind && at > start {
                eh_frame = start;
                at += 4;
                eh_frame_len = at - start;
            }
        }
    }
    let slots = align_up(at, 8);
    let import_slot = |i: usize| slots + 8 * i;
    let got_slot = |n: usize| slots + 8 * (imports.len() + n);
    let len = align_up(got_slot(got.len()), PAGE).max(data_start + PAGE);
    if len > u32::MAX as usize {
        return Err(err("more than 4 GiB of code"));
    }
    let layout = Layout {
        exec_len,
        data_start,
        len,
        eh_frame,
        eh_frame_len,
    };
    let address = |t: Target| match t {
        Target::Section {
            object,
            section,
            value,
        } => bases[object][section].unwrap_or(0) as i64 + value as i64,
        Target::Import(i) => (stubs + 8 * i) as i64,
    };

    // The bytes: code padded with int3, sections, stubs, slots.
    let mut bytes = vec![0u8; len];
    bytes[..exec_len].fill(0xcc);
    for (o, object) in parsed.iter().enumerate() {
        for (i, base) in bases[o].iter().enumerate() {
            if let Some(base) = *base {
                let data = object
                    .section_data(i)
                    .ok_or_else(|| err("section outside the file"))?;
                bytes[base..base + data.len()].copy_from_slice(data);
            }
        }
    }
    let mut fixups = Vec::new();
    for i in 0..imports.len() {
        let stub = stubs + 8 * i;
        let rel = import_slot(i) as i64 - (stub + 6) as i64;
        bytes[stub..stub + 2].copy_from_slice(&[0xff, 0x25]); // jmp [rip + rel32]
        put(&mut bytes, stub + 2, &(rel as i32).to_le_bytes())?;
        fixups.push(Fixup {
            at: import_slot(i) as u32,
            import: i as u32,
        });
    }
    for (n, &t) in got.iter().enumerate() {
        let slot = got_slot(n);
        let import = match t {
            Target::Import(i) => i as u32,
            internal => {
                put(&mut bytes, slot, &address(internal).to_le_bytes())?;
                INTERNAL
            }
        };
        fixups.push(Fixup {
            at: slot as u32,
            import,
        });
    }

    // Apply the relocations.
    for site in &sites {
        let at = bases[site.object][site.section].unwrap_or(0) + site.offset;
        let p = at as i64;
        let pc32 = |value: i64| -> Result<[u8; 4]> {
            i32::try_from(value - p)
                .map(i32::to_le_bytes)
                .map_err(|_| err("PC-relative reference out of range"))
        };
        match site.ty {
            R_X86_64_PC32 | R_X86_64_PLT32 => {
                put(&mut bytes, at, &pc32(address(site.target) + site.addend)?)?
            }
            R_X86_64_PC64 => {
                let v = address(site.target) + site.addend - p;
                put(&mut bytes, at, &v.to_le_bytes())?;
            }
            R_X86_64_GOTPCREL | R_X86_64_GOTPCRELX | R_X86_64_REX_GOTPCRELX => {
                let slot = got_slot(got_index[&site.target]) as i64;
                put(&mut bytes, at, &pc32(slot + site.addend)?)?;
            }
            R_X86_64_64 => {
                if at < data_start {
                    return Err(err("absolute address in code or read-only data"));
                }
                let (value, import) = match site.target {
                    Target::Import(i) => (site.addend, i as u32),
                    internal => (address(internal) + site.addend, INTERNAL),
                };
                put(&mut bytes, at, &value.to_le_bytes())?;
                fixups.push(Fixup {
                    at: at as u32,
                    import,
                });
            }
            other => return Err(err(format!("relocation type {other}"))),
        }
    }
    let symbols = sized
        .into_iter()
        .map(|(name, t, size)| {
            let name = String::from_utf8_lossy(name).into_owned();
            (name, (address(t) as usize, size))
        })
        .collect();
    Ok(Image {
        bytes,
        layout,
        symbols,
        imports,
        fixups,
        bases,
    })
}

fn put(bytes: &mut [u8], at: usize, value: &[u8]) -> Result<()> {
    bytes
        .get_mut(at..at + value.len())
        .ok_or_else(|| err("relocation outside the image"))?
        .copy_from_slice(value);
    Ok(())
}

/// Memory an image is loaded into: an anonymous copy, or a private mapping of a file holding
/// it. Unmapped when dropped; nothing may still run its code then.
pub struct Mapping {
    base: *mut u8,
    len: usize,
    /// The address of the unwind tables registered with the unwinder (0: none).
    eh_frame: usize,
}

extern "C" {
    /// libgcc's registration of unwind tables (a zero-terminated `.eh_frame`).
    fn __register_frame(begin: *const u8);
    fn __deregister_frame(begin: *const u8);
}

// SAFETY: the mapping is only read (and run) after `finish`; its owner decides when it goes.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// A private read-only mapping of the first `len` bytes of `file`.
    pub fn file(file: &std::fs::File, len: usize) -> Result<Mapping> {
        use std::os::fd::AsRawFd;
        if len == 0 {
            return Err(Error::new("cannot map an empty file"));
        }
        // SAFETY: a fresh private mapping of an open file; its pages are only read here.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Error::new(format!(
                "cannot map the file: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(Mapping {
            eh_frame: 0,
            base: base.cast(),
            len,
        })
    }

    /// Fresh anonymous memory holding a copy of `parts`, one after the other.
    pub fn copy(parts: &[&[u8]]) -> Result<Mapping> {
        let len = parts.iter().map(|p| p.len()).sum::<usize>().max(1);
        Self::copy_into(len, parts, "compiled code")
    }

    /// A fresh private read-write anonymous mapping of `len` bytes (at least the parts' total):
    /// `parts` one after another, then zeros. `what` names the contents in the error.
    pub(crate) fn copy_into(len: usize, parts: &[&[u8]], what: &str) -> Result<Mapping> {
        assert!(parts.iter().map(|p| p.len()).sum::<usize>() <= len);
        // SAFETY: a fresh private anonymous mapping, written before anything else sees it.
        unsafe {
            let base = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if base == libc::MAP_FAILED {
                return Err(Error::new(format!("cannot map memory for {what}")));
            }
            let mut at = base.cast::<u8>();
            for part in parts {
                std::ptr::copy_nonoverlapping(part.as_ptr(), at, part.len());
                at = at.add(part.len());
            }
            Ok(Mapping {
                eh_frame: 0,
                base: base.cast(),
                len,
            })
        }
    }

    /// Gives up ownership: the mapping stays for the life of the process (or until its new
    /// owner unmaps it).
    pub(crate) fn into_raw(self) -> *mut u8 {
        let base = self.base;
        std::mem::forget(self);
        base
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is readable for its whole length while it lives.
        unsafe { std::slice::from_raw_parts(self.base, self.len) }
    }

    /// Makes the image at offset `at` of the mapping (page-aligned) ready to run: fills in the
    /// `fixups` with `imports` (each imported symbol's address) and sets each part's protection.
    /// Returns the image's address.
    pub fn finish(
        &mut self,
        at: usize,
        layout: Layout,
        imports: &[usize],
        fixups: &[Fixup],
    ) -> Result<usize> {
        let end = at.checked_add(layout.len).filter(|&e| e <= self.len);
        let fits = |v: usize| v.is_multiple_of(PAGE);
        if end.is_none()
            || !fits(at)
            || !fits(layout.exec_len)
            || !fits(layout.data_start)
            || !fits(layout.len)
            || layout.exec_len > layout.data_start
            || (layout.eh_frame_len > 0
                && (layout.eh_frame < layout.exec_len
                    || layout.eh_frame_len < 4
                    || layout
                        .eh_frame
                        .checked_add(layout.eh_frame_len)
                        .is_none_or(|end| end > layout.data_start)))
            || layout.data_start >= layout.len
        {
            return Err(Error::new("corrupt serialized module: bad code layout"));
        }
        // SAFETY: every range lies inside the mapping (checked above); the writable part is
        // written only after it is made writable, and fixups are checked to lie inside it.
        unsafe {
            let base = self.base.add(at);
            let protect = |from: usize, to: usize, prot: i32| -> Result<()> {
                if to > from && libc::mprotect(base.add(from).cast(), to - from, prot) != 0 {
                    return Err(Error::new(format!(
                        "cannot protect compiled code: {}",
                        std::io::Error::last_os_error()
                    )));
                }
                Ok(())
            };
            protect(
                layout.data_start,
                layout.len,
                libc::PROT_READ | libc::PROT_WRITE,
            )?;
            for f in fixups {
                let at = f.at as usize;
                if at < layout.data_start || at + 8 > layout.len || !at.is_multiple_of(8) {
                    return Err(Error::new("corrupt serialized module: bad fixup"));
                }
                let add = if f.import == INTERNAL {
                    base as usize
                } else {
                    *imports
                        .get(f.import as usize)
                        .ok_or_else(|| Error::new("corrupt serialized module: bad import"))?
                };
                let word = base.add(at).cast::<u64>();
                word.write(word.read().wrapping_add(add as u64));
            }
            protect(0, layout.exec_len, libc::PROT_READ | libc::PROT_EXEC)?;
            protect(layout.exec_len, layout.data_start, libc::PROT_READ)?;
            if layout.eh_frame_len > 0 && self.eh_frame == 0 {
                // The image's own unwind tables, so exceptions unwind through its frames.
                __register_frame(base.add(layout.eh_frame));
                self.eh_frame = base as usize + layout.eh_frame;
            }
            Ok(base as usize)
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping is owned and unmapped once, after the unwinder forgot its tables.
        unsafe {
            if self.eh_frame != 0 {
                __deregister_frame(self.eh_frame as *const u8);
            }
            libc::munmap(self.base.cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_objects_are_an_error() {
        let m = link(&[b"not an object".to_vec()]).err().unwrap();
        assert!(m.message().contains("malformed"), "{}", m.message());
    }

    #[test]
    fn a_bad_layout_is_refused_before_anything_is_made_executable() {
        let mut m = Mapping::copy(&[&[0u8; 2 * PAGE]]).unwrap();
        let bad = Layout {
            exec_len: PAGE,
            data_start: PAGE,
            len: 3 * PAGE,
            ..Layout::default()
        };
        assert!(m.finish(0, bad, &[], &[]).is_err());
        let good = Layout {
            exec_len: PAGE,
            data_start: PAGE,
            len: 2 * PAGE,
            ..Layout::default()
        };
        let fixup = Fixup {
            at: 8,
            import: INTERNAL,
        };
        assert!(m.finish(0, good, &[], &[fixup]).is_err());
        assert!(m.finish(0, good, &[], &[]).is_ok());
    }
}
