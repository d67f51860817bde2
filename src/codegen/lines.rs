//! Reading back the line table of an object file the translator compiled. The translator gives
//! every instruction a debug location whose line is the module offset of the wasm operator it
//! came from (see `compile::translate::DebugInfo`), so the DWARF line table of the object maps
//! machine code to wasm operators. This reads just enough ELF (section headers, the symbol table
//! and the relocations of `.debug_line`) and DWARF (version 2 to 4 line programs) for that.
//! Anything unexpected yields no rows: callers then fall back to function starts.

use std::collections::HashMap;

/// Where the line table puts code: (section index, offset in the section) -> wasm module offset
/// (0 where the code has no wasm operator, such as after the end of a sequence).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineTable {
    pub rows: Vec<(u16, u64, u32)>,
    /// Defined symbols: name -> (section index, offset in the section).
    pub symbols: HashMap<String, (u16, u64)>,
}

/// Reads the line table and symbols of an ELF64 little-endian relocatable object. Gives an
/// empty table for anything it does not understand.
pub fn read(object: &[u8]) -> LineTable {
    parse(object).unwrap_or_default()
}

struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    fn at(data: &'a [u8], pos: usize) -> Bytes<'a> {
        Bytes { data, pos }
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn uleb(&mut self) -> Option<u64> {
        let (mut value, mut shift) = (0u64, 0u32);
        loop {
            let byte = self.u8()?;
            if shift < 64 {
                value |= u64::from(byte & 0x7f) << shift;
            }
            shift += 7;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
    }
    fn sleb(&mut self) -> Option<i64> {
        let (mut value, mut shift) = (0i64, 0u32);
        loop {
            let byte = self.u8()?;
            if shift < 64 {
                value |= i64::from(byte & 0x7f) << shift;
            }
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Some(value);
            }
        }
    }
    fn cstr(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        self.pos += len + 1;
        Some(&rest[..len])
    }
}

struct Section {
    name: u32,
    ty: u32,
    offset: usize,
    size: usize,
    link: u32,
    info: u32,
}

const SHT_SYMTAB: u32 = 2;
const SHT_RELA: u32 = 4;
const R_X86_64_64: u32 = 1;

fn parse(object: &[u8]) -> Option<LineTable> {
    // ELF64, little-endian.
    if object.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let mut header = Bytes::at(object, 0x28);
    let shoff = header.u64()? as usize;
    let mut header = Bytes::at(object, 0x3a);
    let (shentsize, shnum, shstrndx) = (header.u16()?, header.u16()?, header.u16()?);
    if shentsize != 64 {
        return None;
    }
    let mut sections = Vec::with_capacity(shnum as usize);
    for i in 0..shnum as usize {
        let mut s = Bytes::at(object, shoff.checked_add(i * 64)?);
        let name = s.u32()?;
        let ty = s.u32()?;
        let _flags = s.u64()?;
        let _addr = s.u64()?;
        let offset = s.u64()? as usize;
        let size = s.u64()? as usize;
        let link = s.u32()?;
        let info = s.u32()?;
        sections.push(Section {
            name,
            ty,
            offset,
            size,
            link,
            info,
        });
    }
    let data = |s: &Section| object.get(s.offset..s.offset.checked_add(s.size)?);
    let shstr = data(sections.get(shstrndx as usize)?)?;
    let name_of = |s: &Section| Bytes::at(shstr, s.name as usize).cstr();

    // Symbols: (section index, value) by index, and the named ones by name.
    let mut table = LineTable::default();
    let mut symbols = Vec::new();
    if let Some(symtab) = sections.iter().find(|s| s.ty == SHT_SYMTAB) {
        let strtab = data(sections.get(symtab.link as usize)?)?;
        let mut r = Bytes::at(data(symtab)?, 0);
        while let Some(entry) = r.take(24) {
            let mut e = Bytes::at(entry, 0);
            let name = e.u32()?;
            let _info = e.u8()?;
            let _other = e.u8()?;
            let shndx = e.u16()?;
            let value = e.u64()?;
            symbols.push((shndx, value));
            let name = Bytes::at(strtab, name as usize).cstr()?;
            if !name.is_empty() && shndx != 0 && (shndx as usize) < sections.len() {
                let name = String::from_utf8_lossy(name).into_owned();
                table.symbols.insert(name, (shndx, value));
            }
        }
    }

    let Some(line_index) = sections
        .iter()
        .position(|s| name_of(s) == Some(b".debug_line".as_slice()))
    else {
        return Some(table);
    };
    let debug_line = data(&sections[line_index])?;
    // Relocations of .debug_line: offset in the section -> (section index, address).
    let mut relocs = HashMap::new();
    for rela in sections
        .iter()
        .filter(|s| s.ty == SHT_RELA && s.info as usize == line_index)
    {
        let mut r = Bytes::at(data(rela)?, 0);
        while let Some(entry) = r.take(24) {
            let mut e = Bytes::at(entry, 0);
            let offset = e.u64()?;
            let info = e.u64()?;
            let addend = e.u64()?;
            if info as u32 == R_X86_64_64 {
                let (shndx, value) = *symbols.get((info >> 32) as usize)?;
                relocs.insert(offset as usize, (shndx, value.wrapping_add(addend)));
            }
        }
    }
    let mut pos = 0;
    while pos < debug_line.len() {
        pos = program(debug_line, pos, &relocs, &mut table.rows)?;
    }
    Some(table)
}

/// Runs the line program of the unit at `start`, adding its rows; returns where the next unit
/// starts.
fn program(
    section: &[u8],
    start: usize,
    relocs: &HashMap<usize, (u16, u64)>,
    rows: &mut Vec<(u16, u64, u32)>,
) -> Option<usize> {
    let mut r = Bytes::at(section, start);
    let length = r.u32()? as usize;
    if length >= 0xffff_fff0 {
        return None; // 64-bit DWARF: never emitted for these objects
    }
    let end = r.pos.checked_add(length)?;
    let version = r.u16()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let header_length = r.u32()? as usize;
    let program_start = r.pos.checked_add(header_length)?;
    let min_inst = u64::from(r.u8()?);
    if version >= 4 {
        let _max_ops = r.u8()?;
    }
    let _default_is_stmt = r.u8()?;
    let line_base = r.u8()? as i8 as i64;
    let line_range = u64::from(r.u8()?);
    let opcode_base = r.u8()?;
    if line_range == 0 || opcode_base == 0 {
        return None;
    }
    let lengths = r.take(opcode_base as usize - 1)?.to_vec();
    let section = section.get(..end)?;
    let mut r = Bytes::at(section, program_start);

    let (mut shndx, mut address, mut line) = (0u16, 0u64, 1i64);
    let emit = |rows: &mut Vec<(u16, u64, u32)>, shndx, address, line: i64| {
        rows.push((shndx, address, u32::try_from(line).unwrap_or(0)));
    };
    while r.pos < end {
        let op = r.u8()?;
        if op >= opcode_base {
            let adjusted = u64::from(op - opcode_base);
            address = address.wrapping_add(adjusted / line_range * min_inst);
            line += line_base + (adjusted % line_range) as i64;
            emit(rows, shndx, address, line);
            continue;
        }
        match op {
            0 => {
                let len = r.uleb()? as usize;
                let next = r.pos.checked_add(len)?;
                let operand = r.pos + 1;
                match r.u8()? {
                    1 => {
                        // End of sequence: no wasm operator from here on.
                        emit(rows, shndx, address, 0);
                        (shndx, address, line) = (0, 0, 1);
                    }
                    2 => {
                        let raw = r.u64()?;
                        (shndx, address) = match relocs.get(&operand) {
                            Some(&(s, a)) => (s, a.wrapping_add(raw)),
                            None => (shndx, raw),
                        };
                    }
                    _ => {}
                }
                r.pos = next;
            }
            1 => emit(rows, shndx, address, line),
            2 => address = address.wrapping_add(r.uleb()?.wrapping_mul(min_inst)),
            3 => line += r.sleb()?,
            8 => {
                let adjusted = u64::from(255 - opcode_base);
                address = address.wrapping_add(adjusted / line_range * min_inst);
            }
            9 => address = address.wrapping_add(u64::from(r.u16()?)),
            _ => {
                for _ in 0..*lengths.get(op as usize - 1)? {
                    r.uleb()?;
                }
            }
        }
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_gives_an_empty_table() {
        assert_eq!(read(b""), LineTable::default());
        assert_eq!(read(b"\x7fELF\x02\x01\0\0"), LineTable::default());
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x28] = 0xff; // section headers past the end
        elf[0x3a] = 64;
        elf[0x3c] = 3;
        assert_eq!(read(&elf), LineTable::default());
    }

    #[test]
    fn leb128() {
        let mut b = Bytes::at(&[0xe5, 0x8e, 0x26, 0x7f, 0x80, 0x7f], 0);
        assert_eq!(b.uleb(), Some(624485));
        assert_eq!(b.sleb(), Some(-1));
        assert_eq!(b.sleb(), Some(-128));
        assert_eq!(b.uleb(), None);
    }
}
