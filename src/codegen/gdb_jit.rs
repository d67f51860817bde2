//! GDB's JIT interface: an in-memory ELF file per function, holding one symbol at the function's
//! code, is linked into the list GDB reads (`__jit_debug_descriptor`), and GDB is told through
//! the breakpoint function `__jit_debug_register_code`, so its backtraces name JIT code. LLVM
//! defines both symbols (its own JIT listener uses them); Wasmo, which never attaches that
//! listener, shares them rather than defining a second pair.
//!
//! Each file is a minimal ELF64 `ET_EXEC`: a `SHT_NOBITS` `.text` section at the code's address
//! and size, a symbol table with one `STT_FUNC` symbol covering it, and the string tables. GDB
//! finds the function by its bounds and unwinds it by its frame pointer (compiled code keeps
//! one). No DWARF: line numbers in wasm are module offsets, which backtraces of the wasm.h API
//! carry already.

use std::collections::HashMap;
use std::sync::Mutex;

#[repr(C)]
struct JitCodeEntry {
    next: *mut JitCodeEntry,
    prev: *mut JitCodeEntry,
    symfile: *const u8,
    symfile_size: u64,
}

#[repr(C)]
struct JitDescriptor {
    version: u32,
    action: u32,
    relevant: *mut JitCodeEntry,
    first: *mut JitCodeEntry,
}

const JIT_REGISTER: u32 = 1;
const JIT_UNREGISTER: u32 = 2;

extern "C" {
    static mut __jit_debug_descriptor: JitDescriptor;
    fn __jit_debug_register_code();
}

/// An entry and the file it points at, owned here until unregistered.
struct Entry {
    entry: Box<JitCodeEntry>,
    _file: Vec<u8>,
}

// SAFETY: the raw pointers inside point at this entry's own heap data or at other entries, all
// touched only under `ENTRIES`' lock.
unsafe impl Send for Entry {}

/// The registered entries by code address. The lock also serialises every change to the
/// descriptor's list.
static ENTRIES: Mutex<Option<HashMap<usize, Entry>>> = Mutex::new(None);

/// Registers functions `(code address, code size, name)` with GDB.
pub fn register(functions: impl IntoIterator<Item = (usize, usize, String)>) {
    let mut guard = ENTRIES.lock().unwrap_or_else(|e| e.into_inner());
    let entries = guard.get_or_insert_with(HashMap::new);
    for (start, size, name) in functions {
        if entries.contains_key(&start) {
            continue;
        }
        let file = elf_file(start as u64, size as u64, &name);
        let mut entry = Box::new(JitCodeEntry {
            next: std::ptr::null_mut(),
            prev: std::ptr::null_mut(),
            symfile: file.as_ptr(),
            symfile_size: file.len() as u64,
        });
        // SAFETY: the descriptor is LLVM's static, changed only under our lock (LLVM's own
        // listener, which would take LLVM's lock instead, is never attached); `entry` and its
        // file live until `unregister` unlinks them.
        unsafe {
            let d = &raw mut __jit_debug_descriptor;
            entry.next = (*d).first;
            if !entry.next.is_null() {
                (*entry.next).prev = &mut *entry;
            }
            (*d).first = &mut *entry;
            (*d).relevant = &mut *entry;
            (*d).action = JIT_REGISTER;
            __jit_debug_register_code();
        }
        entries.insert(start, Entry { entry, _file: file });
    }
}

/// Unregisters the functions at these code addresses (those never registered are skipped).
pub fn unregister(starts: impl IntoIterator<Item = usize>) {
    let mut guard = ENTRIES.lock().unwrap_or_else(|e| e.into_inner());
    let Some(entries) = guard.as_mut() else {
        return;
    };
    for start in starts {
        let Some(mut e) = entries.remove(&start) else {
            continue;
        };
        // SAFETY: as in `register`; the entry is in the list, linked by its neighbours.
        unsafe {
            let d = &raw mut __jit_debug_descriptor;
            let entry: *mut JitCodeEntry = &mut *e.entry;
            if !(*entry).prev.is_null() {
                (*(*entry).prev).next = (*entry).next;
            } else {
                (*d).first = (*entry).next;
            }
            if !(*entry).next.is_null() {
                (*(*entry).next).prev = (*entry).prev;
            }
            (*d).relevant = entry;
            (*d).action = JIT_UNREGISTER;
            __jit_debug_register_code();
        }
    }
}

/// A minimal ELF64 x86-64 executable describing one function: sections null, `.text` (NOBITS at
/// `address`), `.symtab`, `.strtab`, `.shstrtab`.
fn elf_file(address: u64, size: u64, name: &str) -> Vec<u8> {
    const EHDR: usize = 64;
    const SHDR: usize = 64;
    const SYM: usize = 24;
    let shstrtab = b"\0.text\0.symtab\0.strtab\0.shstrtab\0";
    let (text_name, symtab_name, strtab_name, shstrtab_name) = (1u32, 7u32, 15u32, 23u32);
    let mut strtab = vec![0u8];
    strtab.extend_from_slice(name.as_bytes());
    strtab.push(0);
    // Symbols: the null one, then the function (global, in .text, section 1).
    let mut symtab = vec![0u8; SYM];
    symtab.extend_from_slice(&1u32.to_le_bytes()); // st_name
    symtab.push(0x12); // STB_GLOBAL << 4 | STT_FUNC
    symtab.push(0); // st_other
    symtab.extend_from_slice(&1u16.to_le_bytes()); // st_shndx: .text
    symtab.extend_from_slice(&address.to_le_bytes());
    symtab.extend_from_slice(&size.to_le_bytes());

    let symtab_at = EHDR;
    let strtab_at = symtab_at + symtab.len();
    let shstrtab_at = strtab_at + strtab.len();
    let shdrs_at = (shstrtab_at + shstrtab.len()).next_multiple_of(8);
    let mut out = Vec::with_capacity(shdrs_at + 5 * SHDR);
    // ELF header.
    out.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    out.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    out.extend_from_slice(&1u32.to_le_bytes()); // EV_CURRENT
    out.extend_from_slice(&0u64.to_le_bytes()); // e_entry
    out.extend_from_slice(&0u64.to_le_bytes()); // e_phoff
    out.extend_from_slice(&(shdrs_at as u64).to_le_bytes()); // e_shoff
    out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    out.extend_from_slice(&(EHDR as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // e_phentsize
    out.extend_from_slice(&0u16.to_le_bytes()); // e_phnum
    out.extend_from_slice(&(SHDR as u16).to_le_bytes());
    out.extend_from_slice(&5u16.to_le_bytes()); // e_shnum
    out.extend_from_slice(&4u16.to_le_bytes()); // e_shstrndx
    debug_assert_eq!(out.len(), EHDR);
    out.extend_from_slice(&symtab);
    out.extend_from_slice(&strtab);
    out.extend_from_slice(shstrtab);
    out.resize(shdrs_at, 0);
    #[allow(clippy::too_many_arguments)]
    fn shdr(
        out: &mut Vec<u8>,
        name: u32,
        kind: u32,
        flags: u64,
        addr: u64,
        offset: u64,
        size: u64,
        link: u32,
        info: u32,
        align: u64,
        entsize: u64,
    ) {
        out.extend_from_slice(&name.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&addr.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&link.to_le_bytes());
        out.extend_from_slice(&info.to_le_bytes());
        out.extend_from_slice(&align.to_le_bytes());
        out.extend_from_slice(&entsize.to_le_bytes());
    }
    shdr(&mut out, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    // .text: SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR.
    shdr(&mut out, text_name, 8, 0x6, address, 0, size, 0, 0, 16, 0);
    // .symtab: SHT_SYMTAB, linked to .strtab (3); info = index of the first global symbol.
    let (at, len) = (symtab_at as u64, symtab.len() as u64);
    shdr(&mut out, symtab_name, 2, 0, 0, at, len, 3, 1, 8, SYM as u64);
    // .strtab and .shstrtab: SHT_STRTAB.
    let (at, len) = (strtab_at as u64, strtab.len() as u64);
    shdr(&mut out, strtab_name, 3, 0, 0, at, len, 0, 0, 1, 0);
    let (at, len) = (shstrtab_at as u64, shstrtab.len() as u64);
    shdr(&mut out, shstrtab_name, 3, 0, 0, at, len, 0, 0, 1, 0);
    out
}

#[cfg(test)]
mod tests {
    /// The code addresses of the files in GDB's list, in list order.
    fn listed() -> Vec<u64> {
        let _lock = super::ENTRIES.lock().unwrap();
        let mut out = Vec::new();
        // SAFETY: the list is only changed under the lock held here.
        unsafe {
            let descriptor = &raw const super::__jit_debug_descriptor;
            let mut e = (*descriptor).first;
            while !e.is_null() {
                let file = std::slice::from_raw_parts((*e).symfile, (*e).symfile_size as usize);
                let shoff = u64::from_le_bytes(file[40..48].try_into().unwrap()) as usize;
                let text = &file[shoff + 64..shoff + 128];
                out.push(u64::from_le_bytes(text[16..24].try_into().unwrap()));
                e = (*e).next;
            }
        }
        out
    }

    #[test]
    fn registered_files_are_listed_until_unregistered() {
        let (a, b, c) = (0x7e00_0000_0000usize, 0x7e00_0000_0100, 0x7e00_0000_0200);
        let names = [
            (a, 16, "a".to_string()),
            (b, 16, "b".into()),
            (c, 16, "c".into()),
        ];
        super::register(names);
        let ours = |l: Vec<u64>| -> Vec<u64> {
            l.into_iter()
                .filter(|&x| (a as u64..=c as u64).contains(&x))
                .collect()
        };
        assert_eq!(ours(listed()), [c as u64, b as u64, a as u64]);
        super::unregister([b]);
        assert_eq!(ours(listed()), [c as u64, a as u64]);
        super::unregister([c, a, b]);
        assert_eq!(ours(listed()), Vec::<u64>::new());
    }

    #[test]
    fn the_file_is_an_elf_with_the_symbol() {
        let file = super::elf_file(0x7f00_0000_1000, 0x40, "wasm[0]::$f");
        assert_eq!(&file[..4], b"\x7fELF");
        let shoff = u64::from_le_bytes(file[40..48].try_into().unwrap()) as usize;
        assert_eq!(file.len(), shoff + 5 * 64);
        // .text's address and size.
        let text = &file[shoff + 64..shoff + 128];
        assert_eq!(
            u64::from_le_bytes(text[16..24].try_into().unwrap()),
            0x7f00_0000_1000
        );
        assert_eq!(u64::from_le_bytes(text[32..40].try_into().unwrap()), 0x40);
        let name = b"wasm[0]::$f\0";
        assert!(file.windows(name.len()).any(|w| w == name));
    }
}
