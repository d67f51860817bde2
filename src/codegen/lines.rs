//! Reading back the line table of an object file the translator compiled. The translator gives
//! every instruction a debug location whose line is the module offset of the wasm operator it
//! came from (see `compile::translate::DebugInfo`), so the DWARF line table of the object maps
//! machine code to wasm operators. This reads the object with `elf` and just enough DWARF
//! (version 2 to 4 line programs) for that.
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
}

const R_X86_64_64: u32 = 1;

fn parse(object: &[u8]) -> Option<LineTable> {
    let object = super::elf::Object::parse(object)?;
    // Symbols: (section index, value) by index, and the named ones by name.
    let mut table = LineTable::default();
    for symbol in &object.symbols {
        if !symbol.name.is_empty()
            && symbol.shndx != 0
            && (symbol.shndx as usize) < object.sections.len()
        {
            let name = String::from_utf8_lossy(symbol.name).into_owned();
            table.symbols.insert(name, (symbol.shndx, symbol.value));
        }
    }
    let Some(line_index) = (0..object.sections.len())
        .find(|&i| object.section_name(i) == Some(b".debug_line".as_slice()))
    else {
        return Some(table);
    };
    let debug_line = object.section_data(line_index)?;
    // Relocations of .debug_line: offset in the section -> (section index, address).
    let mut relocs = HashMap::new();
    for rela in object.relocations(line_index)? {
        if rela.ty == R_X86_64_64 {
            let symbol = object.symbols.get(rela.symbol as usize)?;
            let address = symbol.value.wrapping_add(rela.addend as u64);
            relocs.insert(rela.offset as usize, (symbol.shndx, address));
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
