//! Just enough of ELF64 (little-endian) to read the relocatable objects LLVM emits for Wasmo:
//! section headers, the symbol table and relocations with addends. The line-table reader
//! (`lines`) and the image linker (`image`) are built on it. Anything malformed reads as `None`.

/// A section header.
#[derive(Debug, Clone)]
pub struct Section {
    /// Offset of the name in the section-name string table.
    pub name: u32,
    pub ty: u32,
    pub flags: u64,
    pub offset: usize,
    pub size: usize,
    pub link: u32,
    pub info: u32,
    pub align: u64,
}

/// A symbol-table entry.
#[derive(Debug, Clone, Copy)]
pub struct Symbol<'a> {
    pub name: &'a [u8],
    /// Binding (high four bits) and type (low four bits).
    pub info: u8,
    /// Index of the section the symbol is defined in; [`SHN_UNDEF`] when it is not defined here.
    pub shndx: u16,
    pub value: u64,
    pub size: u64,
}

/// A relocation with an addend.
#[derive(Debug, Clone, Copy)]
pub struct Rela {
    /// Offset in the section it applies to.
    pub offset: u64,
    pub ty: u32,
    /// Index in the symbol table.
    pub symbol: u32,
    pub addend: i64,
}

pub const SHT_PROGBITS: u32 = 1;
pub const SHT_SYMTAB: u32 = 2;
pub const SHT_RELA: u32 = 4;
pub const SHT_NOBITS: u32 = 8;
pub const SHF_WRITE: u64 = 1;
pub const SHF_ALLOC: u64 = 2;
pub const SHF_EXECINSTR: u64 = 4;
pub const SHF_TLS: u64 = 0x400;
pub const SHN_UNDEF: u16 = 0;
/// Section indices from here up are special (absolute, common, ...), not sections.
pub const SHN_LORESERVE: u16 = 0xff00;
pub const STB_LOCAL: u8 = 0;

/// A parsed object file.
pub struct Object<'a> {
    pub data: &'a [u8],
    pub sections: Vec<Section>,
    pub symbols: Vec<Symbol<'a>>,
    section_names: &'a [u8],
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        d.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        d.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        d.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}
fn cstr(d: &[u8], at: usize) -> Option<&[u8]> {
    let rest = d.get(at..)?;
    Some(&rest[..rest.iter().position(|&b| b == 0)?])
}

impl<'a> Object<'a> {
    /// Parses the headers and the symbol table of an ELF64 little-endian object.
    pub fn parse(data: &'a [u8]) -> Option<Object<'a>> {
        if data.get(..6)? != b"\x7fELF\x02\x01" {
            return None;
        }
        let shoff = usize::try_from(u64_at(data, 0x28)?).ok()?;
        let (shentsize, shnum, shstrndx) = (
            u16_at(data, 0x3a)?,
            u16_at(data, 0x3c)?,
            u16_at(data, 0x3e)?,
        );
        if shentsize != 64 {
            return None;
        }
        let mut sections = Vec::with_capacity(shnum as usize);
        for i in 0..shnum as usize {
            let at = shoff.checked_add(i * 64)?;
            sections.push(Section {
                name: u32_at(data, at)?,
                ty: u32_at(data, at + 4)?,
                flags: u64_at(data, at + 8)?,
                offset: usize::try_from(u64_at(data, at + 24)?).ok()?,
                size: usize::try_from(u64_at(data, at + 32)?).ok()?,
                link: u32_at(data, at + 40)?,
                info: u32_at(data, at + 44)?,
                align: u64_at(data, at + 48)?,
            });
        }
        let mut object = Object {
            data,
            sections,
            symbols: Vec::new(),
            section_names: &[],
        };
        object.section_names = object.section_data(shstrndx as usize)?;
        if let Some(symtab) = object.sections.iter().position(|s| s.ty == SHT_SYMTAB) {
            let strtab = object.section_data(object.sections[symtab].link as usize)?;
            let table = object.section_data(symtab)?;
            for entry in table.chunks_exact(24) {
                object.symbols.push(Symbol {
                    name: cstr(strtab, u32_at(entry, 0)? as usize)?,
                    info: entry[4],
                    shndx: u16_at(entry, 6)?,
                    value: u64_at(entry, 8)?,
                    size: u64_at(entry, 16)?,
                });
            }
        }
        Some(object)
    }

    /// The bytes of section `index` (empty for a section without any in the file).
    pub fn section_data(&self, index: usize) -> Option<&'a [u8]> {
        let s = self.sections.get(index)?;
        if s.ty == SHT_NOBITS {
            return Some(&[]);
        }
        self.data.get(s.offset..s.offset.checked_add(s.size)?)
    }

    /// The name of section `index`.
    pub fn section_name(&self, index: usize) -> Option<&'a [u8]> {
        cstr(self.section_names, self.sections.get(index)?.name as usize)
    }

    /// The relocations that apply to section `target`, from every `SHT_RELA` section for it.
    pub fn relocations(&self, target: usize) -> Option<Vec<Rela>> {
        let mut out = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            if s.ty != SHT_RELA || s.info as usize != target {
                continue;
            }
            for entry in self.section_data(i)?.chunks_exact(24) {
                let info = u64_at(entry, 8)?;
                out.push(Rela {
                    offset: u64_at(entry, 0)?,
                    ty: info as u32,
                    symbol: (info >> 32) as u32,
                    addend: u64_at(entry, 16)? as i64,
                });
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused() {
        assert!(Object::parse(b"").is_none());
        assert!(Object::parse(b"\x7fELF\x02\x01\0\0").is_none());
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x28] = 0xff; // section headers past the end
        elf[0x3a] = 64;
        elf[0x3c] = 3;
        assert!(Object::parse(&elf).is_none());
    }
}
