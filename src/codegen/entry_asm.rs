//! Hand-assembled x86-64 entries between the host and wasm, for signatures with at most one
//! result and no v128 parameter on the stack: the array trampoline (host -> wasm) and the host
//! stub (wasm -> host),
//! the same code `compile::abi` has LLVM generate for every signature, without LLVM's fixed
//! cost per compiled object (about 2 ms: pass and code-generator set-up, linking), which a
//! module paid at creation for its exports' trampolines and its imports' stubs before its first
//! call. A signature they do not cover still goes to LLVM.
//!
//! The convention is wasm's (`compile::abi::WASM_CC`, `tailcc`): on x86-64 the C convention's
//! registers, the callee vmctx first (rdi); integers and references in rsi, rdx, rcx, r8, r9;
//! f32, f64 and v128 in xmm0-7; the rest on the stack, 8 bytes each in parameter order; one
//! result in rax/eax or xmm0; and `tailcc` makes every callee pop its stack-argument area,
//! exactly 8 bytes per stack argument, since wasm code keeps only 8-byte stack alignment
//! (`codegen::stack_align`). Values live in 16-byte slots of an array (`vm::VALUE_SLOT`), an
//! i32 or f32 in its first four bytes. Both entries keep the frame-pointer chain (traps walk it
//! for backtraces; they leave by `siglongjmp`, so no unwind tables are needed); the host stub,
//! entered on a stack wasm code aligned to 8 only, realigns it to 16 for its call of the host.

use crate::error::Result;

/// How a value travels: its register class and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// i32, in the low half of a general register.
    I32,
    /// i64 or a reference.
    I64,
    F32,
    F64,
    V128,
}

impl Class {
    fn is_int(self) -> bool {
        matches!(self, Class::I32 | Class::I64)
    }
}

/// The general registers after rdi, in argument order (x86 register numbers).
const INT_ARGS: [u8; 5] = [6, 2, 1, 8, 9];
const RAX: u8 = 0;
const RBX: u8 = 3;
const RBP: u8 = 5;
const RSP: u8 = 4;
const SLOT: i32 = 16;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    /// A general register (x86 number) or, for float/vector values, an xmm number.
    Reg(u8),
    /// The `n`th 8-byte stack argument, above the return address.
    Stack(i32),
}

/// Whether these entries serve a signature: at most one result, and no v128 among the
/// parameters that go on the stack.
pub fn covers(params: &[Class], results: &[Class]) -> bool {
    results.len() <= 1
        && params
            .iter()
            .zip(locations(params))
            .all(|(&c, l)| c != Class::V128 || matches!(l, Loc::Reg(_)))
}

/// Each parameter's location, in order: the C convention's (registers in order of their
/// class, then the stack in parameter order).
fn locations(params: &[Class]) -> Vec<Loc> {
    let (mut int, mut xmm, mut stack) = (0, 0, 0);
    params
        .iter()
        .map(|c| {
            if c.is_int() && int < INT_ARGS.len() {
                int += 1;
                Loc::Reg(INT_ARGS[int - 1])
            } else if !c.is_int() && xmm < 8 {
                xmm += 1;
                Loc::Reg(xmm - 1)
            } else {
                stack += 1;
                Loc::Stack(stack - 1)
            }
        })
        .collect()
}

/// The bytes of stack arguments a `tailcc` callee pops for `params`: 8 per stack argument
/// (`override-stack-alignment` = 8 leaves LLVM's `GetAlignedArgumentStackSize` nothing to
/// round).
fn stack_area(params: &[Class]) -> i32 {
    8 * locations(params)
        .iter()
        .filter(|l| matches!(l, Loc::Stack(_)))
        .count() as i32
}

/// `reg <- [base + disp]` (load) or `[base + disp] <- reg` (store) of a value of `class`;
/// `base` is rbx, rbp or rsp.
fn mov(code: &mut Vec<u8>, class: Class, reg: u8, base: u8, disp: i32, load: bool) {
    let modrm = 0x80 | ((reg & 7) << 3) | (base & 7);
    let rex_r = if reg >= 8 { 0x44 } else { 0 };
    match class {
        Class::I32 | Class::I64 => {
            let w = if class == Class::I64 { 0x48 } else { 0 };
            if w | rex_r != 0 {
                code.push(0x40 | w | rex_r);
            }
            code.push(if load { 0x8b } else { 0x89 });
        }
        Class::F32 | Class::F64 | Class::V128 => {
            code.push(match class {
                Class::F64 => 0xf2,
                _ => 0xf3,
            });
            if rex_r != 0 {
                code.push(rex_r);
            }
            code.push(0x0f);
            code.push(match (class, load) {
                (Class::V128, true) => 0x6f,
                (Class::V128, false) => 0x7f,
                (_, true) => 0x10,
                (_, false) => 0x11,
            });
        }
    }
    code.push(modrm);
    if base == RSP {
        code.push(0x24); // SIB: base rsp, no index
    }
    code.extend_from_slice(&disp.to_le_bytes());
}

/// The array trampoline `void t(vmctx, code, values)`: loads the arguments from `values`'
/// slots, calls `code` with the vmctx, stores the result in slot 0.
pub fn trampoline(params: &[Class], results: &[Class]) -> Option<Vec<u8>> {
    if !covers(params, results) {
        return None;
    }
    let area = stack_area(params);
    // push rbp; mov rbp, rsp; push rbx; then sub rsp, area: the callee's argument area (wasm
    // code needs no more than 8-byte alignment).
    let mut c = vec![0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x81, 0xec];
    c.extend_from_slice(&area.to_le_bytes());
    c.extend_from_slice(&[
        0x48, 0x89, 0xd3, // mov rbx, rdx (values)
        0x49, 0x89, 0xf3, // mov r11, rsi (code)
    ]);
    // Stack arguments first (through rax, 8 bytes each): [rsp + 8n], rsp = rbp - 8 - area.
    let locs = locations(params);
    for (i, &l) in locs.iter().enumerate() {
        if let Loc::Stack(n) = l {
            mov(&mut c, Class::I64, RAX, RBX, SLOT * i as i32, true);
            mov(&mut c, Class::I64, RAX, RBP, 8 * n - 8 - area, false);
        }
    }
    for (i, (&class, &l)) in params.iter().zip(&locs).enumerate() {
        if let Loc::Reg(reg) = l {
            mov(&mut c, class, reg, RBX, SLOT * i as i32, true);
        }
    }
    c.extend_from_slice(&[0x41, 0xff, 0xd3]); // call r11 (which pops the area)
    if let [class] = results {
        let reg = if class.is_int() { RAX } else { 0 };
        mov(&mut c, *class, reg, RBX, 0, false);
    }
    c.extend_from_slice(&[
        0x48, 0x8d, 0x65, 0xf8, // lea rsp, [rbp - 8]
        0x5b, // pop rbx
        0x5d, // pop rbp
        0xc3, // ret
    ]);
    Some(c)
}

/// The host stub for a signature: spills the arguments to slots on its stack, calls
/// `host_call(vmctx, values)` (the `HostCall` builtin, at `host_call`), and returns the result
/// from slot 0, or calls `raise` (`RaisePending`, which does not return) if the status is not 0.
pub fn host_stub(
    params: &[Class],
    results: &[Class],
    host_call: usize,
    raise: usize,
) -> Option<Vec<u8>> {
    if !covers(params, results) {
        return None;
    }
    let slots = params.len().max(results.len()).max(1) as i32;
    let frame = SLOT * slots;
    let mut c = vec![
        0x55, // push rbp
        0x48, 0x89, 0xe5, // mov rbp, rsp
        0x48, 0x83, 0xe4, 0xf0, // and rsp, -16 (wasm code keeps 8-byte alignment only)
        0x48, 0x81, 0xec, // sub rsp, frame (a multiple of 16: aligned for the call)
    ];
    c.extend_from_slice(&frame.to_le_bytes());
    for (i, (&class, l)) in params.iter().zip(locations(params)).enumerate() {
        let slot = SLOT * i as i32;
        match l {
            Loc::Reg(reg) => mov(&mut c, class, reg, RSP, slot, false),
            Loc::Stack(n) => {
                // [rbp + 16 + 8n]: above the saved rbp and the return address
                mov(&mut c, Class::I64, RAX, RBP, 16 + 8 * n, true);
                mov(&mut c, Class::I64, RAX, RSP, slot, false);
            }
        }
    }
    c.extend_from_slice(&[0x48, 0x89, 0xe6]); // mov rsi, rsp (values)
    c.extend_from_slice(&[0x48, 0xb8]); // mov rax, host_call
    c.extend_from_slice(&(host_call as u64).to_le_bytes());
    c.extend_from_slice(&[0xff, 0xd0]); // call rax
    c.extend_from_slice(&[0x85, 0xc0]); // test eax, eax
    let jnz = c.len();
    c.extend_from_slice(&[0x0f, 0x85, 0, 0, 0, 0]); // jnz raise
    if let [class] = results {
        let reg = if class.is_int() { RAX } else { 0 };
        mov(&mut c, *class, reg, RSP, 0, true);
    }
    c.extend_from_slice(&[
        0x48, 0x89, 0xec, // mov rsp, rbp
        0x5d, // pop rbp
    ]);
    match stack_area(params) {
        0 => c.push(0xc3), // ret
        area => {
            c.push(0xc2); // ret area: pops the argument area, as a tailcc callee
            c.extend_from_slice(&(area as u16).to_le_bytes());
        }
    }
    let rel = (c.len() - (jnz + 6)) as i32;
    c[jnz + 2..jnz + 6].copy_from_slice(&rel.to_le_bytes());
    c.extend_from_slice(&[0x48, 0xb8]); // raise: mov rax, raise
    c.extend_from_slice(&(raise as u64).to_le_bytes());
    c.extend_from_slice(&[0xff, 0xd0, 0x0f, 0x0b]); // call rax; ud2
    Some(c)
}

/// Executable memory holding some entries, unmapped when dropped (its owner keeps it as long
/// as any code may call them).
pub struct EntryCode {
    base: *mut u8,
    len: usize,
    /// The host stubs' unwind tables, registered with the unwinder while the code is mapped.
    eh_frame: Option<Box<[u8]>>,
}

extern "C" {
    /// libgcc's registration of unwind tables (a zero-terminated `.eh_frame`).
    fn __register_frame(begin: *const u8);
    fn __deregister_frame(begin: *const u8);
}

/// An `.eh_frame` describing the host stubs at `stubs` (address, length): a wasm exception a
/// host function throws is raised from its stub (`wasmo_builtin_raise_pending`) and unwinds
/// through it into the wasm caller. Each stub's frame is `push rbp; mov rbp, rsp`, so after
/// its first four bytes the caller's frame is at rbp + 16 (the stubs are only ever unwound
/// from their call of `raise`, inside the body). The trampolines get none: the unwinder's
/// search must end at them, before the host's frames.
fn stub_unwind_tables(stubs: &[(usize, usize)]) -> Box<[u8]> {
    fn pad(v: &mut Vec<u8>, start: usize) {
        // DW_CFA_nop up to a multiple of 8 after the length word.
        while !(v.len() - start).is_multiple_of(8) {
            v.push(0);
        }
    }
    let mut t = Vec::new();
    // CIE: id 0, version 1, "zR", code align 1, data align -8, return address r16, absolute
    // FDE pointers; at entry the CFA is rsp + 8 and the return address at CFA - 8.
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&[1, b'z', b'R', 0, 1, 0x78, 16, 1, 0x00]);
    t.extend_from_slice(&[0x0c, 7, 8, 0x90, 1]);
    pad(&mut t, 4);
    let cie_len = (t.len() - 4) as u32;
    t[0..4].copy_from_slice(&cie_len.to_le_bytes());
    for &(start, len) in stubs {
        let fde = t.len();
        t.extend_from_slice(&[0; 4]);
        // The CIE pointer: this field's distance from the CIE (at 0).
        t.extend_from_slice(&((fde + 4) as u32).to_le_bytes());
        t.extend_from_slice(&(start as u64).to_le_bytes());
        t.extend_from_slice(&(len as u64).to_le_bytes());
        t.push(0); // no augmentation data
                   // After `push rbp`: CFA = rsp + 16, rbp saved at CFA - 16; after `mov rbp, rsp`: the
                   // CFA is rbp + 16.
        t.extend_from_slice(&[0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6]);
        pad(&mut t, fde + 4);
        let fde_len = (t.len() - fde - 4) as u32;
        t[fde..fde + 4].copy_from_slice(&fde_len.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.into_boxed_slice()
}

// SAFETY: the mapping is immutable once made and only ever executed or unmapped.
unsafe impl Send for EntryCode {}
unsafe impl Sync for EntryCode {}

impl EntryCode {
    /// Maps `entries` executable, each 16-byte aligned, with unwind tables for those that
    /// are host stubs (`stubs[i]`); returns the mapping and their addresses.
    pub fn map(entries: &[Vec<u8>], stubs: &[bool]) -> Result<(EntryCode, Vec<usize>)> {
        let mut code = Vec::new();
        let mut offsets = Vec::with_capacity(entries.len());
        for e in entries {
            offsets.push(code.len());
            code.extend_from_slice(e);
            code.resize(code.len().next_multiple_of(16), 0xcc);
        }
        let len = code.len().max(1).next_multiple_of(4096);
        let base = super::lazy_stub::map_executable(&code, len, len, "host entries")?;
        let addrs: Vec<usize> = offsets.iter().map(|&o| base as usize + o).collect();
        let unwound: Vec<(usize, usize)> = addrs
            .iter()
            .zip(entries)
            .zip(stubs)
            .filter(|(_, &stub)| stub)
            .map(|((&a, e), _)| (a, e.len()))
            .collect();
        let eh_frame = (!unwound.is_empty()).then(|| stub_unwind_tables(&unwound));
        if let Some(t) = &eh_frame {
            // SAFETY: well-formed tables for code that stays mapped until they are deregistered.
            unsafe { __register_frame(t.as_ptr()) };
        }
        Ok((
            EntryCode {
                base,
                len,
                eh_frame,
            },
            addrs,
        ))
    }
}

impl Drop for EntryCode {
    fn drop(&mut self) {
        // SAFETY: the mapping `map` made; nothing runs its code once its owner drops it, and
        // the unwinder forgets its tables first.
        unsafe {
            if let Some(t) = &self.eh_frame {
                __deregister_frame(t.as_ptr());
            }
            libc::munmap(self.base.cast(), self.len)
        };
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    static SEEN: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
    /// The tests share `SEEN`.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// A "wasm function" of all register classes: what the trampoline passes, and a result.
    extern "C" fn callee(
        vmctx: usize,
        a: i32,
        b: f32,
        c: i64,
        d: f64,
        e: i32,
        f: i64,
        g: i64,
    ) -> f64 {
        let vals = [
            vmctx as u64,
            a as u32 as u64,
            b.to_bits() as u64,
            c as u64,
            d.to_bits(),
            e as u32 as u64,
            f as u64,
            g as u64,
        ];
        for (s, v) in SEEN.iter().zip(vals) {
            s.store(v, Ordering::SeqCst);
        }
        d * 2.0
    }

    const SIG: [Class; 7] = [
        Class::I32,
        Class::F32,
        Class::I64,
        Class::F64,
        Class::I32,
        Class::I64,
        Class::I64,
    ];

    #[test]
    fn the_trampoline_passes_every_slot_in_its_register_and_stores_the_result() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let code = trampoline(&SIG, &[Class::F64]).unwrap();
        let (mapped, addrs) = EntryCode::map(&[code], &[false]).unwrap();
        let t: extern "C" fn(usize, usize, *mut [u64; 14]) =
            unsafe { std::mem::transmute(addrs[0]) };
        let mut values = [0u64; 14];
        values[0] = (-7i32) as u32 as u64 | 0xdead_0000_0000_0000;
        values[2] = 1.5f32.to_bits() as u64;
        values[4] = u64::MAX - 3;
        values[6] = 2.25f64.to_bits();
        values[8] = 99;
        values[10] = 1 << 40;
        values[12] = 5;
        t(0x1234, callee as *const () as usize, &mut values);
        let seen: Vec<u64> = SEEN
            .iter()
            .take(8)
            .map(|s| s.load(Ordering::SeqCst))
            .collect();
        assert_eq!(
            seen,
            [
                0x1234,
                (-7i32) as u32 as u64,
                1.5f32.to_bits() as u64,
                u64::MAX - 3,
                2.25f64.to_bits(),
                99,
                1 << 40,
                5
            ]
        );
        assert_eq!(f64::from_bits(values[0]), 4.5);
        drop(mapped);
    }

    static STATUS: AtomicU64 = AtomicU64::new(0);

    /// The `HostCall` builtin: records the host pointer and the slots, writes a result.
    extern "C" fn host_call(host: usize, values: *mut [u64; 14]) -> i32 {
        SEEN[8].store(host as u64, Ordering::SeqCst);
        // The stub realigned the stack its slots are on (entered here at 0 mod 16).
        assert_eq!(values as usize % 16, 0);
        let v = unsafe { &mut *values };
        for (i, s) in SEEN.iter().take(7).enumerate() {
            s.store(v[2 * i], Ordering::SeqCst);
        }
        v[0] = 0x0123_4567_89ab_cdef;
        STATUS.load(Ordering::SeqCst) as i32
    }

    extern "C" fn raise() {
        SEEN[9].store(1, Ordering::SeqCst);
        std::process::abort();
    }

    #[test]
    fn the_host_stub_spills_every_argument_and_returns_the_result() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        // Called as wasm calls it (a tailcc caller: the trampoline), it pops its argument area.
        let stub = host_stub(
            &SIG,
            &[Class::I64],
            host_call as *const () as usize,
            raise as *const () as usize,
        )
        .unwrap();
        let tramp = trampoline(&SIG, &[Class::I64]).unwrap();
        let (mapped, addrs) = EntryCode::map(&[stub, tramp], &[true, false]).unwrap();
        let t: extern "C" fn(usize, usize, *mut [u64; 14]) =
            unsafe { std::mem::transmute(addrs[1]) };
        let mut values = [0u64; 14];
        values[0] = (-3i32) as u32 as u64;
        values[2] = 0.5f32.to_bits() as u64;
        values[4] = (-9i64) as u64;
        values[6] = 8.0f64.to_bits();
        values[8] = 4;
        values[10] = 5;
        values[12] = 6;
        t(0x77, addrs[0], &mut values);
        assert_eq!(values[0], 0x0123_4567_89ab_cdef);
        let seen: Vec<u64> = SEEN
            .iter()
            .take(7)
            .map(|s| s.load(Ordering::SeqCst))
            .collect();
        assert_eq!(seen[0] as u32, (-3i32) as u32);
        assert_eq!(seen[1] as u32, 0.5f32.to_bits());
        assert_eq!(seen[2], (-9i64) as u64);
        assert_eq!(seen[3], 8.0f64.to_bits());
        assert_eq!(seen[4] as u32, 4);
        assert_eq!(seen[5..], [5, 6]);
        assert_eq!(SEEN[8].load(Ordering::SeqCst), 0x77);
        assert_eq!(SEEN[9].load(Ordering::SeqCst), 0, "no raise for status 0");
        drop(mapped);
    }

    /// The host function of `stack_arguments_travel_both_ways`: sums its slots.
    extern "C" fn sum_slots(count: usize, values: *mut [u64; 40]) -> i32 {
        // Entered here at 8 mod 16, after 40 bytes of stack arguments.
        assert_eq!(values as usize % 16, 0);
        let v = unsafe { &mut *values };
        let mut sum = 0u64;
        for i in 0..count {
            sum = sum.wrapping_mul(31).wrapping_add(v[2 * i]);
        }
        v[0] = sum;
        0
    }

    #[test]
    fn stack_arguments_travel_both_ways() {
        // Eight integers (three on the stack), ten f64 (two on the stack), interleaved.
        let mut sig = Vec::new();
        for i in 0..18 {
            sig.push(if i % 2 == 0 && i < 16 {
                Class::I64
            } else {
                Class::F64
            });
        }
        assert_eq!(sig.iter().filter(|c| c.is_int()).count(), 8);
        assert_eq!(stack_area(&sig), 40);
        assert!(covers(&sig, &[Class::I64]));
        let stub = host_stub(&sig, &[Class::I64], sum_slots as *const () as usize, 0).unwrap();
        let tramp = trampoline(&sig, &[Class::I64]).unwrap();
        let (mapped, addrs) = EntryCode::map(&[stub, tramp], &[true, false]).unwrap();
        let t: extern "C" fn(usize, usize, *mut [u64; 40]) =
            unsafe { std::mem::transmute(addrs[1]) };
        let mut values = [0u64; 40];
        let mut expected = 0u64;
        for i in 0..sig.len() {
            let v = 0x1000 + i as u64 * 0x0101_0101;
            values[2 * i] = v;
            expected = expected.wrapping_mul(31).wrapping_add(v);
        }
        // The stub's "vmctx" is the slot count, which `sum_slots` takes as its first argument.
        t(sig.len(), addrs[0], &mut values);
        assert_eq!(values[0], expected);
        drop(mapped);
        // The area sizes LLVM gives `tailcc` callees on an 8-byte aligned stack: 8 bytes per
        // argument.
        let ints = |n: usize| vec![Class::I64; 5 + n];
        assert_eq!(
            [0, 1, 2, 3, 4].map(|n| stack_area(&ints(n))),
            [0, 8, 16, 24, 32]
        );
    }

    #[test]
    fn what_is_left_to_llvm() {
        assert!(covers(&[Class::I64; 9], &[Class::I32]));
        assert!(covers(&[Class::F64; 12], &[]));
        assert!(!covers(&[], &[Class::I32, Class::I32]));
        assert!(host_stub(&[], &[Class::I32; 2], 0, 0).is_none());
        // v128 in an xmm register, both ways; not on the stack.
        let t = trampoline(&[Class::V128], &[Class::V128]).unwrap();
        assert!(t.windows(3).any(|w| w == [0xf3, 0x0f, 0x6f]));
        assert!(t.windows(3).any(|w| w == [0xf3, 0x0f, 0x7f]));
        assert!(covers(&[Class::V128; 8], &[]));
        assert!(!covers(&[Class::V128; 9], &[]));
    }
}
