//! Lazy-compilation stubs (lift-off mode): one tiny x86-64 entry per defined function, standing
//! in for its code until the function is first called.
//!
//! A function reference whose function has no code yet points at its entry, which is called
//! with the wasm convention (arguments in the argument registers and on the stack; `vmctx`
//! is the first, or the second when LLVM returns several results through a hidden pointer).
//! The entry loads the function's index into `r11` (not an argument register) and jumps to the
//! shared resolver, which saves every argument register, calls `resolve(context, index) ->
//! code` with the module's context word, restores them and jumps to the code, so the arguments
//! arrive as if the caller had called the code directly. `resolve` returning 0 means it parked
//! a trap: the resolver raises it with `raise()` instead.
//!
//! This is the classic lazy-binding PLT resolver, hand-assembled because it must not touch any
//! argument register, which no LLVM-compiled function can promise, and because the entries
//! must cost nothing to create for modules with tens of thousands of functions.
//!
//! ```text
//! resolver:                          entry i (16 bytes):
//!   push rbp; mov rbp, rsp             mov r11d, i
//!   push rdi, rsi, rdx, rcx, r8, r9    jmp resolver
//!   and rsp, -16; sub rsp, 128         (int3 padding)
//!   movdqu [rsp+16k], xmmk  (k=0..7)
//!   mov rdi, [rip+context]; mov esi, r11d
//!   call [rip+resolve]
//!   test rax, rax; jz raise
//!   movdqu xmmk, [rsp+16k]; lea rsp, [rbp-48]
//!   pop r9, r8, rcx, rdx, rsi, rdi; pop rbp
//!   jmp rax
//! raise:
//!   call [rip+raise]; ud2
//! (next page, writable) resolve: .quad; raise: .quad; context: .quad
//! ```
//! Wasm code keeps only 8-byte stack alignment (`codegen::stack_align`), so the resolver
//! realigns `rsp` to 16 for its calls and restores it from `rbp`.

use crate::error::{Error, Result};

const ENTRY_SIZE: usize = 16;
const PAGE: usize = 4096;

/// The stubs of one module, in their own executable mapping.
pub struct LazyStubs {
    base: *mut u8,
    len: usize,
    /// The writable page after the code holding the slots.
    slots: *mut usize,
    /// Offset of entry 0 from `base`, and the number of entries.
    first: usize,
    count: usize,
}

// SAFETY: the mapping is immutable (read + execute) once built.
unsafe impl Send for LazyStubs {}
unsafe impl Sync for LazyStubs {}

/// `resolve(context, defined_index) -> code address, or 0 after parking a trap`.
pub type ResolveFn = extern "C" fn(usize, u32) -> usize;

const SLOT_RESOLVE: usize = 0;
const SLOT_RAISE: usize = 1;
const SLOT_CONTEXT: usize = 2;

impl LazyStubs {
    /// Builds `count` entries that resolve through `resolve` and raise through the function at
    /// `raise` (an `extern "C" fn()` that never returns); the context word `resolve` gets is set
    /// with [`LazyStubs::set_context`].
    pub fn new(count: usize, resolve: ResolveFn, raise: usize) -> Result<LazyStubs> {
        let entries = count * ENTRY_SIZE;
        let resolver_len = resolver(0).len().next_multiple_of(ENTRY_SIZE);
        let code_len = (resolver_len + entries).next_multiple_of(PAGE);
        let mut code = resolver(code_len);
        code.resize(resolver_len, 0xcc);
        for i in 0..count {
            let here = code.len();
            code.extend_from_slice(&[0x41, 0xbb]); // mov r11d, imm32
            code.extend_from_slice(&(i as u32).to_le_bytes());
            let next = here + 6 + 5;
            let rel = -(next as i64) as i32; // jmp rel32 back to the resolver at 0
            code.push(0xe9);
            code.extend_from_slice(&rel.to_le_bytes());
            code.resize(here + ENTRY_SIZE, 0xcc);
        }
        let len = code_len + PAGE;
        let base = map_executable(&code, code_len, len, "lazy-compilation stubs")?;
        // SAFETY: the slot page after the code is mapped and stays writable.
        unsafe {
            let slots = base.add(code_len).cast::<usize>();
            *slots.add(SLOT_RESOLVE) = resolve as usize;
            *slots.add(SLOT_RAISE) = raise;
            Ok(LazyStubs {
                base,
                len,
                slots,
                first: resolver_len,
                count,
            })
        }
    }

    /// Sets the word passed to `resolve` (a pointer to the module, once it has its address).
    pub fn set_context(&self, context: usize) {
        // SAFETY: the slot page is ours and writable; stubs are not called before the module
        // has its context (no instance exists yet).
        unsafe { std::ptr::write_volatile(self.slots.add(SLOT_CONTEXT), context) };
    }

    /// The entry of defined function `index`.
    pub fn entry(&self, index: u32) -> usize {
        assert!(
            (index as usize) < self.count,
            "lazy stub index out of range"
        );
        self.base as usize + self.first + index as usize * ENTRY_SIZE
    }
}

impl Drop for LazyStubs {
    fn drop(&mut self) {
        // SAFETY: our mapping; nothing calls a stub once its module is gone.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// Maps `len` bytes, copies `code` to their start and makes the first `code_len` bytes (a
/// multiple of the page size, at least `code.len()`) read + execute; the rest stays writable.
pub(super) fn map_executable(
    code: &[u8],
    code_len: usize,
    len: usize,
    what: &str,
) -> Result<*mut u8> {
    debug_assert!(code.len() <= code_len && code_len <= len && code_len.is_multiple_of(PAGE));
    let map = super::image::Mapping::copy_into(len, &[code], what)?;
    let base = map.bytes().as_ptr().cast_mut();
    // SAFETY: the first `code_len` bytes of the fresh mapping, just written; on failure the
    // mapping is dropped, which unmaps it.
    if unsafe { libc::mprotect(base.cast(), code_len, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
        return Err(Error::new(format!("cannot make {what} executable")));
    }
    Ok(map.into_raw())
}

/// The shared resolver's machine code, whose slots lie at offset `slots` (unknown while
/// measuring the code's length: any value gives the same length).
fn resolver(slots: usize) -> Vec<u8> {
    let mut c: Vec<u8> = Vec::with_capacity(256);
    let rip_slot = |c: &mut Vec<u8>, opcode: &[u8], slot: usize| {
        c.extend_from_slice(opcode);
        let end = c.len() + 4;
        let rel = (slots + slot * 8) as i64 - end as i64;
        c.extend_from_slice(&(rel as i32).to_le_bytes());
    };
    c.push(0x55); // push rbp
    c.extend_from_slice(&[0x48, 0x89, 0xe5]); // mov rbp, rsp
    c.extend_from_slice(&[0x57, 0x56, 0x52, 0x51, 0x41, 0x50, 0x41, 0x51]); // push rdi..r9
    c.extend_from_slice(&[0x48, 0x83, 0xe4, 0xf0]); // and rsp, -16
    c.extend_from_slice(&[0x48, 0x81, 0xec, 0x80, 0, 0, 0]); // sub rsp, 128
    for k in 0u8..8 {
        // movdqu [rsp + 16k], xmmk
        c.extend_from_slice(&[0xf3, 0x0f, 0x7f, 0x44 | (k << 3), 0x24, 16 * k]);
    }
    rip_slot(&mut c, &[0x48, 0x8b, 0x3d], SLOT_CONTEXT); // mov rdi, [rip + context]
    c.extend_from_slice(&[0x44, 0x89, 0xde]); // mov esi, r11d
    rip_slot(&mut c, &[0xff, 0x15], SLOT_RESOLVE); // call [rip + resolve]
    c.extend_from_slice(&[0x48, 0x85, 0xc0]); // test rax, rax
    let jz = c.len();
    c.extend_from_slice(&[0x0f, 0x84, 0, 0, 0, 0]); // jz raise
    for k in 0u8..8 {
        // movdqu xmmk, [rsp + 16k]
        c.extend_from_slice(&[0xf3, 0x0f, 0x6f, 0x44 | (k << 3), 0x24, 16 * k]);
    }
    c.extend_from_slice(&[0x48, 0x8d, 0x65, 0xd0]); // lea rsp, [rbp - 48]
    c.extend_from_slice(&[0x41, 0x59, 0x41, 0x58, 0x59, 0x5a, 0x5e, 0x5f]); // pop r9..rdi
    c.push(0x5d); // pop rbp
    c.extend_from_slice(&[0xff, 0xe0]); // jmp rax
    let raise_at = c.len();
    rip_slot(&mut c, &[0xff, 0x15], SLOT_RAISE); // call [rip + raise]
    c.extend_from_slice(&[0x0f, 0x0b]); // ud2
    let rel = (raise_at as i64 - (jz as i64 + 6)) as i32;
    c[jz + 2..jz + 6].copy_from_slice(&rel.to_le_bytes());
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static SEEN: AtomicUsize = AtomicUsize::new(usize::MAX);

    extern "C" fn add(
        vmctx: *mut u8,
        a: i64,
        b: i64,
        c: i64,
        d: i64,
        e: i64,
        f: f64,
        g: i64,
    ) -> f64 {
        vmctx as usize as f64 + (a + b + c + d + e + g) as f64 + f
    }

    extern "C" fn resolve(context: usize, index: u32) -> usize {
        assert_eq!(context, 77);
        SEEN.store(index as usize, Ordering::SeqCst);
        add as *const () as usize
    }

    unsafe extern "C" fn raise() {
        panic!("not raised in this test");
    }

    #[test]
    fn entries_reach_the_code_with_every_argument_intact() {
        let stubs = LazyStubs::new(3, resolve, raise as *const () as usize).unwrap();
        stubs.set_context(77);
        type F = extern "C" fn(*mut u8, i64, i64, i64, i64, i64, f64, i64) -> f64;
        // SAFETY: the entry forwards to `add`, whose signature F is.
        let f: F = unsafe { std::mem::transmute(stubs.entry(2)) };
        // Seven integer arguments: the last one travels on the stack.
        let r = f(1000 as *mut u8, 1, 2, 3, 4, 5, 0.5, 100);
        assert_eq!(r, 1000.0 + 115.0 + 0.5);
        assert_eq!(SEEN.load(Ordering::SeqCst), 2);
        // SAFETY: as above.
        let f: F = unsafe { std::mem::transmute(stubs.entry(0)) };
        assert_eq!(f(1000 as *mut u8, 0, 0, 0, 0, 0, 1.0, 0), 1001.0);
        assert_eq!(SEEN.load(Ordering::SeqCst), 0);
    }
}
