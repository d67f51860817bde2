//! A fast path for validating function bodies: one pass over the bytes that proves a body valid
//! or gives up, fused with Wasmo's support check (every operator it accepts is one the
//! translator implements).
//!
//! It covers what compilers emit in bulk — Wasm 1.0's operators with sign extension, saturating
//! truncation, `memory.copy`/`memory.fill`, multi-value blocks, `funcref`/`externref` values,
//! typed `select`, tail calls, `ref.func`, `memory.init`, `data.drop`, `elem.drop` and the table
//! operators `table.get`, `set`, `size`, `grow` and `fill` — on one memory of either address
//! type. Anything else (SIMD, atomics, exceptions, typed references, `table.init`,
//! `table.copy`, a second memory, an encoding it does not expect) makes it give up, and so does every invalid body: the
//! caller then validates the body with wasmparser, whose answer and error message stand. So the
//! fast path never decides that a body is invalid; the one thing it must never do is call an
//! invalid body valid. The checks follow the spec's validation algorithm (its appendix), with
//! value types as one byte each (their binary codes) and `UNKNOWN` for the bottom type of
//! unreachable code.
//!
//! Why: wasmparser decodes an operator in about 10 ns and validates it in about as much again
//! (100–150 MB/s on one core for esbuild's and swc's code), which left lift-off's start-up on
//! large modules at 1.3–2.1x V8's (issue 16). `WASMO_VALIDATE_CROSSCHECK=1` validates every body
//! the fast path accepts with wasmparser too, and aborts the process on a disagreement (the spec
//! suite runs so in `scripts/test.sh`).

use wasmparser::{
    CompositeInnerType, FuncToValidate, RefType, ValType, ValidatorResources, WasmFeatures,
    WasmModuleResources,
};

const I32: u8 = 0x7F;
const I64: u8 = 0x7E;
const F32: u8 = 0x7D;
const F64: u8 = 0x7C;
const FUNCREF: u8 = 0x70;
const EXTERNREF: u8 = 0x6F;
/// wasmparser's limit on a function's locals (`limits::MAX_WASM_FUNCTION_LOCALS`, not exported);
/// above it, wasmparser reports the error.
const MAX_LOCALS: u64 = 50_000;
/// The bottom type: a value popped from the polymorphic stack of unreachable code.
const UNKNOWN: u8 = 0;

/// The fast path gave up on a body: wasmparser decides.
#[derive(Debug, PartialEq, Eq)]
pub struct GiveUp;

type Check<T = ()> = std::result::Result<T, GiveUp>;

/// Whether `WASMO_VALIDATE_CROSSCHECK=1` asks for every fast verdict to be checked.
pub fn crosscheck() -> bool {
    static ON: once_cell::sync::Lazy<bool> = once_cell::sync::Lazy::new(|| {
        std::env::var_os("WASMO_VALIDATE_CROSSCHECK").is_some_and(|v| v == "1")
    });
    *ON
}

/// The features every body the fast path accepts may use; with any of them turned off it gives
/// up at once rather than check each operator against the set.
fn required() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::FLOATS
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Block,
    Loop,
    If,
    Else,
    Function,
}

/// A control frame: its label's and its end's types live in `Scratch::types`.
#[derive(Clone, Copy)]
struct Frame {
    kind: Kind,
    /// `types[params..results]` are the block's parameters, `types[results..end]` its results.
    params: u32,
    results: u32,
    end: u32,
    height: u32,
    unreachable: bool,
}

/// What validating bodies one after another reuses.
#[derive(Default)]
pub struct Scratch {
    locals: Vec<u8>,
    stack: Vec<u8>,
    frames: Vec<Frame>,
    types: Vec<u8>,
}

/// Validates the body `bytes` (locals and code) of `func`, or gives up.
pub fn validate(
    func: &FuncToValidate<ValidatorResources>,
    bytes: &[u8],
    scratch: &mut Scratch,
) -> Check {
    if !func.features.contains(required()) {
        return Err(GiveUp);
    }
    let resources = &func.resources;
    let ty = func_type(resources, func.ty)?;
    scratch.locals.clear();
    scratch.stack.clear();
    scratch.frames.clear();
    scratch.types.clear();
    push_codes(&mut scratch.locals, ty.params())?;
    let mut v = Body {
        r: Reader { bytes, pos: 0 },
        s: scratch,
        resources,
        memory: resources
            .memory_at(0)
            .map(|m| if m.memory64 { I64 } else { I32 }),
    };
    v.locals()?;
    let results = v.s.types.len() as u32;
    push_codes(&mut v.s.types, ty.results())?;
    v.s.frames.push(Frame {
        kind: Kind::Function,
        params: results,
        results,
        end: v.s.types.len() as u32,
        height: 0,
        unreachable: false,
    });
    v.operators()
}

/// The function type at `index`, if it is one of plain types the fast path knows.
fn func_type(resources: &ValidatorResources, index: u32) -> Check<&wasmparser::FuncType> {
    let sub = resources.sub_type_at(index).ok_or(GiveUp)?;
    match &sub.composite_type.inner {
        CompositeInnerType::Func(f) if !sub.composite_type.shared => Ok(f),
        _ => Err(GiveUp),
    }
}

/// A value type's one-byte code, for the types the fast path knows.
fn code(t: ValType) -> Check<u8> {
    match t {
        ValType::I32 => Ok(I32),
        ValType::I64 => Ok(I64),
        ValType::F32 => Ok(F32),
        ValType::F64 => Ok(F64),
        ValType::Ref(r) if r == RefType::FUNCREF => Ok(FUNCREF),
        ValType::Ref(r) if r == RefType::EXTERNREF => Ok(EXTERNREF),
        _ => Err(GiveUp),
    }
}

/// Appends the codes of `types` to `out`.
fn push_codes(out: &mut Vec<u8>, types: &[ValType]) -> Check {
    for &t in types {
        out.push(code(t)?);
    }
    Ok(())
}

/// A value type from its binary encoding (one byte), for the types the fast path knows.
fn code_byte(b: u8) -> Check<u8> {
    match b {
        I32 | I64 | F32 | F64 | FUNCREF | EXTERNREF => Ok(b),
        _ => Err(GiveUp),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    #[inline]
    fn byte(&mut self) -> Check<u8> {
        let b = *self.bytes.get(self.pos).ok_or(GiveUp)?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Check {
        if self.bytes.len() - self.pos < n {
            return Err(GiveUp);
        }
        self.pos += n;
        Ok(())
    }

    /// An unsigned LEB128 of at most `bits` bits, in at most as many bytes as the spec allows,
    /// with the last byte's unused bits zero.
    #[inline]
    fn uleb(&mut self, bits: u32) -> Check<u64> {
        let b = self.byte()?;
        if b < 0x80 {
            return Ok(b as u64);
        }
        let mut value = (b & 0x7F) as u64;
        let mut shift = 7;
        loop {
            let b = self.byte()?;
            if shift + 7 >= bits {
                // The last byte allowed: no continuation, nothing above `bits`.
                if b >> (bits - shift) != 0 {
                    return Err(GiveUp);
                }
                return Ok(value | (b as u64) << shift);
            }
            value |= ((b & 0x7F) as u64) << shift;
            if b < 0x80 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    #[inline]
    fn u32(&mut self) -> Check<u32> {
        self.uleb(32).map(|v| v as u32)
    }

    /// A signed LEB128 of at most `bits` bits (its value is not needed, only its validity):
    /// the last byte allowed must have no continuation and sign-extend correctly.
    fn sleb(&mut self, bits: u32) -> Check {
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift + 7 >= bits {
                // The sign bit (bit `bits - 1 - shift`) and the unused bits above it agree.
                let used = bits - shift;
                let mask = (0x7F >> (used - 1)) << (used - 1);
                let ok = b < 0x80 && (b & mask == 0 || b & mask == mask);
                return if ok { Ok(()) } else { Err(GiveUp) };
            }
            if b < 0x80 {
                return Ok(());
            }
            shift += 7;
        }
    }

    fn eof(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

struct Body<'a, 'r> {
    r: Reader<'a>,
    s: &'a mut Scratch,
    resources: &'r ValidatorResources,
    /// The address type of memory 0, if there is one.
    memory: Option<u8>,
}

impl Body<'_, '_> {
    fn locals(&mut self) -> Check {
        let groups = self.r.u32()?;
        for _ in 0..groups {
            let n = self.r.u32()?;
            let t = code_byte(self.r.byte()?)?;
            let total = self.s.locals.len() as u64 + n as u64;
            if total > MAX_LOCALS {
                return Err(GiveUp);
            }
            self.s.locals.resize(total as usize, t);
        }
        Ok(())
    }

    #[inline]
    fn push(&mut self, t: u8) {
        self.s.stack.push(t);
    }

    #[inline]
    fn top(&self) -> &Frame {
        // Operators are read only while the function's frame is open.
        &self.s.frames[self.s.frames.len() - 1]
    }

    /// Pops a value of type `expect` (`UNKNOWN`: any), returning the type popped.
    #[inline]
    fn pop(&mut self, expect: u8) -> Check<u8> {
        let frame = self.top();
        if self.s.stack.len() as u32 == frame.height {
            return if frame.unreachable {
                Ok(UNKNOWN)
            } else {
                Err(GiveUp)
            };
        }
        let t = self.s.stack.pop().ok_or(GiveUp)?;
        if t != expect && t != UNKNOWN && expect != UNKNOWN {
            return Err(GiveUp);
        }
        Ok(t)
    }

    /// Pops `types[range]`, last first.
    fn pop_types(&mut self, from: u32, to: u32) -> Check {
        for i in (from..to).rev() {
            self.pop(self.s.types[i as usize])?;
        }
        Ok(())
    }

    fn push_types(&mut self, from: u32, to: u32) {
        for i in from..to {
            self.s.stack.push(self.s.types[i as usize]);
        }
    }

    fn unary(&mut self, arg: u8, result: u8) -> Check {
        self.pop(arg)?;
        self.push(result);
        Ok(())
    }

    fn binary(&mut self, arg: u8, result: u8) -> Check {
        self.pop(arg)?;
        self.pop(arg)?;
        self.push(result);
        Ok(())
    }

    fn unreachable(&mut self) {
        let n = self.s.frames.len() - 1;
        let frame = &mut self.s.frames[n];
        frame.unreachable = true;
        self.s.stack.truncate(frame.height as usize);
    }

    /// Reads a block type and opens a frame of `kind` for it (the operands are popped first).
    fn open(&mut self, kind: Kind) -> Check {
        let params = self.s.types.len() as u32;
        let b = self.r.byte()?;
        let results = match b {
            0x40 => params,
            b if b >= 0x40 => {
                self.s.types.push(code_byte(b)?);
                params
            }
            index => {
                // A one-byte type index (larger ones are rare: give up).
                let ty = func_type(self.resources, index as u32)?;
                push_codes(&mut self.s.types, ty.params())?;
                let results = self.s.types.len() as u32;
                push_codes(&mut self.s.types, ty.results())?;
                results
            }
        };
        let end = self.s.types.len() as u32;
        self.pop_types(params, results)?;
        let height = self.s.stack.len() as u32;
        self.push_types(params, results);
        self.s.frames.push(Frame {
            kind,
            params,
            results,
            end,
            height,
            unreachable: false,
        });
        Ok(())
    }

    /// Closes the innermost frame: its results must be all that is left above it.
    fn close(&mut self) -> Check<Frame> {
        let frame = *self.top();
        self.pop_types(frame.results, frame.end)?;
        if self.s.stack.len() as u32 != frame.height {
            return Err(GiveUp);
        }
        self.s.frames.pop();
        Ok(frame)
    }

    /// The types a branch to label `depth` carries.
    fn label(&self, depth: u32) -> Check<(u32, u32)> {
        let n = self.s.frames.len();
        if depth as usize >= n {
            return Err(GiveUp);
        }
        let f = &self.s.frames[n - 1 - depth as usize];
        Ok(match f.kind {
            Kind::Loop => (f.params, f.results),
            _ => (f.results, f.end),
        })
    }

    /// Whether the top of the stack could hold `types[from..to]` (nothing is popped).
    fn check_top(&self, from: u32, to: u32) -> Check {
        let frame = self.top();
        let len = self.s.stack.len();
        for (k, i) in (from..to).rev().enumerate() {
            if len - k <= frame.height as usize {
                return if frame.unreachable {
                    Ok(())
                } else {
                    Err(GiveUp)
                };
            }
            let t = self.s.stack[len - 1 - k];
            let expect = self.s.types[i as usize];
            if t != expect && t != UNKNOWN {
                return Err(GiveUp);
            }
        }
        Ok(())
    }

    /// A memory argument for an access of `2^natural` bytes to memory 0; its address type.
    fn memarg(&mut self, natural: u8) -> Check<u8> {
        let address = self.memory.ok_or(GiveUp)?;
        let align = self.r.byte()?;
        if align > natural {
            // Too large, or a memory index follows (multi-memory): wasmparser decides.
            return Err(GiveUp);
        }
        self.r.uleb(if address == I64 { 64 } else { 32 })?;
        Ok(address)
    }

    fn load(&mut self, natural: u8, result: u8) -> Check {
        let address = self.memarg(natural)?;
        self.unary(address, result)
    }

    fn store(&mut self, natural: u8, value: u8) -> Check {
        let address = self.memarg(natural)?;
        self.pop(value)?;
        self.pop(address)?;
        Ok(())
    }

    /// A memory immediate that must name memory 0 in one byte (a longer encoding, or another
    /// memory, is left to wasmparser); memory 0's address type.
    fn memory_zero(&mut self) -> Check<u8> {
        let address = self.memory.ok_or(GiveUp)?;
        if self.r.byte()? != 0 {
            return Err(GiveUp);
        }
        Ok(address)
    }

    /// A data segment's index, which needs the data count section.
    fn data_segment(&mut self) -> Check {
        let index = self.r.u32()?;
        match self.resources.data_count() {
            Some(count) if index < count => Ok(()),
            _ => Err(GiveUp),
        }
    }

    /// A table immediate: the table's index type and element type, for tables of `funcref` or
    /// `externref`.
    fn table(&mut self) -> Check<(u8, u8)> {
        let table = self.resources.table_at(self.r.u32()?).ok_or(GiveUp)?;
        if table.shared {
            return Err(GiveUp);
        }
        let element = code(ValType::Ref(table.element_type))?;
        Ok((if table.table64 { I64 } else { I32 }, element))
    }

    /// Pops the arguments of function type `ty` and pushes its results (`push` false: a tail
    /// call, whose results must be the caller's).
    fn call(&mut self, ty: &wasmparser::FuncType, push: bool) -> Check {
        for &t in ty.params().iter().rev() {
            self.pop(code(t)?)?;
        }
        if push {
            for &t in ty.results() {
                self.push(code(t)?);
            }
            return Ok(());
        }
        let f = self.s.frames[0];
        let mine = &self.s.types[f.results as usize..f.end as usize];
        if mine.len() != ty.results().len() {
            return Err(GiveUp);
        }
        for (&m, &t) in mine.iter().zip(ty.results()) {
            if m != code(t)? {
                return Err(GiveUp);
            }
        }
        self.unreachable();
        Ok(())
    }

    /// `call_indirect`'s and `return_call_indirect`'s immediates and operands.
    fn call_indirect(&mut self, push: bool) -> Check {
        let index = self.r.u32()?;
        let table = self.r.u32()?;
        let table = self.resources.table_at(table).ok_or(GiveUp)?;
        if table.element_type != RefType::FUNCREF || table.shared {
            return Err(GiveUp);
        }
        self.pop(if table.table64 { I64 } else { I32 })?;
        let ty = func_type(self.resources, index)?;
        self.call(ty, push)
    }

    fn operators(&mut self) -> Check {
        loop {
            let op = self.r.byte()?;
            match op {
                0x00 => self.unreachable(),
                0x01 => {}
                0x02 => self.open(Kind::Block)?,
                0x03 => self.open(Kind::Loop)?,
                0x04 => {
                    self.pop(I32)?;
                    self.open(Kind::If)?;
                }
                0x05 => {
                    let frame = self.close()?;
                    if frame.kind != Kind::If {
                        return Err(GiveUp);
                    }
                    let height = self.s.stack.len() as u32;
                    self.push_types(frame.params, frame.results);
                    self.s.frames.push(Frame {
                        kind: Kind::Else,
                        height,
                        unreachable: false,
                        ..frame
                    });
                }
                0x0B => {
                    let frame = self.close()?;
                    if frame.kind == Kind::If {
                        // No `else`: the parameters must be the results.
                        let t = &self.s.types;
                        let (p, r) = (frame.params as usize, frame.results as usize);
                        if t[p..r] != t[r..frame.end as usize] {
                            return Err(GiveUp);
                        }
                    }
                    self.push_types(frame.results, frame.end);
                    self.s.types.truncate(frame.params as usize);
                    if self.s.frames.is_empty() {
                        return if self.r.eof() { Ok(()) } else { Err(GiveUp) };
                    }
                }
                0x0C => {
                    let depth = self.r.u32()?;
                    let (from, to) = self.label(depth)?;
                    self.pop_types(from, to)?;
                    self.unreachable();
                }
                0x0D => {
                    let depth = self.r.u32()?;
                    self.pop(I32)?;
                    let (from, to) = self.label(depth)?;
                    self.pop_types(from, to)?;
                    self.push_types(from, to);
                }
                0x0E => {
                    let count = self.r.u32()?;
                    self.pop(I32)?;
                    let mut arity = None;
                    for _ in 0..=count {
                        let depth = self.r.u32()?;
                        let (from, to) = self.label(depth)?;
                        if *arity.get_or_insert(to - from) != to - from {
                            return Err(GiveUp);
                        }
                        self.check_top(from, to)?;
                    }
                    self.unreachable();
                }
                0x0F => {
                    let f = self.s.frames[0];
                    self.pop_types(f.results, f.end)?;
                    self.unreachable();
                }
                0x10 | 0x12 => {
                    let f = self.r.u32()?;
                    let index = self.resources.type_index_of_function(f).ok_or(GiveUp)?;
                    let ty = func_type(self.resources, index)?;
                    self.call(ty, op == 0x10)?;
                }
                0x11 => self.call_indirect(true)?,
                0x13 => self.call_indirect(false)?,
                0x1A => {
                    self.pop(UNKNOWN)?;
                }
                0x1B => {
                    self.pop(I32)?;
                    let a = self.pop(UNKNOWN)?;
                    let b = self.pop(UNKNOWN)?;
                    let numeric = |t| matches!(t, I32 | I64 | F32 | F64 | UNKNOWN);
                    if !numeric(a) || !numeric(b) || (a != b && a != UNKNOWN && b != UNKNOWN) {
                        return Err(GiveUp);
                    }
                    self.push(if a == UNKNOWN { b } else { a });
                }
                0x1C => {
                    if self.r.byte()? != 1 {
                        return Err(GiveUp);
                    }
                    let t = code_byte(self.r.byte()?)?;
                    self.pop(I32)?;
                    self.pop(t)?;
                    self.pop(t)?;
                    self.push(t);
                }
                0x20..=0x22 => {
                    let i = self.r.u32()? as usize;
                    let t = *self.s.locals.get(i).ok_or(GiveUp)?;
                    match op {
                        0x20 => self.push(t),
                        0x21 => {
                            self.pop(t)?;
                        }
                        _ => self.unary(t, t)?,
                    }
                }
                0x23 | 0x24 => {
                    let g = self.r.u32()?;
                    let g = self.resources.global_at(g).ok_or(GiveUp)?;
                    let t = code(g.content_type)?;
                    if g.shared {
                        return Err(GiveUp);
                    }
                    if op == 0x23 {
                        self.push(t);
                    } else {
                        if !g.mutable {
                            return Err(GiveUp);
                        }
                        self.pop(t)?;
                    }
                }
                0x25 => {
                    let (index, element) = self.table()?;
                    self.unary(index, element)?;
                }
                0x26 => {
                    let (index, element) = self.table()?;
                    self.pop(element)?;
                    self.pop(index)?;
                }
                0x28 => self.load(2, I32)?,
                0x29 => self.load(3, I64)?,
                0x2A => self.load(2, F32)?,
                0x2B => self.load(3, F64)?,
                0x2C | 0x2D => self.load(0, I32)?,
                0x2E | 0x2F => self.load(1, I32)?,
                0x30 | 0x31 => self.load(0, I64)?,
                0x32 | 0x33 => self.load(1, I64)?,
                0x34 | 0x35 => self.load(2, I64)?,
                0x36 => self.store(2, I32)?,
                0x37 => self.store(3, I64)?,
                0x38 => self.store(2, F32)?,
                0x39 => self.store(3, F64)?,
                0x3A => self.store(0, I32)?,
                0x3B => self.store(1, I32)?,
                0x3C => self.store(0, I64)?,
                0x3D => self.store(1, I64)?,
                0x3E => self.store(2, I64)?,
                0x3F | 0x40 => {
                    let address = self.memory_zero()?;
                    if op == 0x40 {
                        self.pop(address)?;
                    }
                    self.push(address);
                }
                0x41 => {
                    self.r.sleb(32)?;
                    self.push(I32);
                }
                0x42 => {
                    self.r.sleb(64)?;
                    self.push(I64);
                }
                0x43 => {
                    self.r.skip(4)?;
                    self.push(F32);
                }
                0x44 => {
                    self.r.skip(8)?;
                    self.push(F64);
                }
                0x45 => self.unary(I32, I32)?,
                0x46..=0x4F => self.binary(I32, I32)?,
                0x50 => self.unary(I64, I32)?,
                0x51..=0x5A => self.binary(I64, I32)?,
                0x5B..=0x60 => self.binary(F32, I32)?,
                0x61..=0x66 => self.binary(F64, I32)?,
                0x67..=0x69 => self.unary(I32, I32)?,
                0x6A..=0x78 => self.binary(I32, I32)?,
                0x79..=0x7B => self.unary(I64, I64)?,
                0x7C..=0x8A => self.binary(I64, I64)?,
                0x8B..=0x91 => self.unary(F32, F32)?,
                0x92..=0x98 => self.binary(F32, F32)?,
                0x99..=0x9F => self.unary(F64, F64)?,
                0xA0..=0xA6 => self.binary(F64, F64)?,
                0xA7 => self.unary(I64, I32)?,
                0xA8 | 0xA9 => self.unary(F32, I32)?,
                0xAA | 0xAB => self.unary(F64, I32)?,
                0xAC | 0xAD => self.unary(I32, I64)?,
                0xAE | 0xAF => self.unary(F32, I64)?,
                0xB0 | 0xB1 => self.unary(F64, I64)?,
                0xB2 | 0xB3 => self.unary(I32, F32)?,
                0xB4 | 0xB5 => self.unary(I64, F32)?,
                0xB6 => self.unary(F64, F32)?,
                0xB7 | 0xB8 => self.unary(I32, F64)?,
                0xB9 | 0xBA => self.unary(I64, F64)?,
                0xBB => self.unary(F32, F64)?,
                0xBC => self.unary(F32, I32)?,
                0xBD => self.unary(F64, I64)?,
                0xBE => self.unary(I32, F32)?,
                0xBF => self.unary(I64, F64)?,
                0xC0 | 0xC1 => self.unary(I32, I32)?,
                0xC2..=0xC4 => self.unary(I64, I64)?,
                0xD0 => {
                    let t = self.r.byte()?;
                    if t != FUNCREF && t != EXTERNREF {
                        return Err(GiveUp);
                    }
                    self.push(t);
                }
                0xD2 => {
                    // Typed `(ref $t)` in Wasm 3.0; as `funcref` here, since every operator and
                    // type the fast path knows that takes the one takes the other.
                    let f = self.r.u32()?;
                    if self.resources.type_index_of_function(f).is_none()
                        || !self.resources.is_function_referenced(f)
                    {
                        return Err(GiveUp);
                    }
                    self.push(FUNCREF);
                }
                0xD1 => {
                    if !matches!(self.pop(UNKNOWN)?, FUNCREF | EXTERNREF | UNKNOWN) {
                        return Err(GiveUp);
                    }
                    self.push(I32);
                }
                0xFC => match self.r.u32()? {
                    0 | 1 => self.unary(F32, I32)?,
                    2 | 3 => self.unary(F64, I32)?,
                    4 | 5 => self.unary(F32, I64)?,
                    6 | 7 => self.unary(F64, I64)?,
                    8 => {
                        self.data_segment()?;
                        let address = self.memory_zero()?;
                        self.pop(I32)?;
                        self.pop(I32)?;
                        self.pop(address)?;
                    }
                    9 => self.data_segment()?,
                    13 => {
                        if self.r.u32()? >= self.resources.element_count() {
                            return Err(GiveUp);
                        }
                    }
                    10 => {
                        let address = self.memory_zero()?;
                        self.memory_zero()?;
                        self.pop(address)?;
                        self.pop(address)?;
                        self.pop(address)?;
                    }
                    11 => {
                        let address = self.memory_zero()?;
                        self.pop(address)?;
                        self.pop(I32)?;
                        self.pop(address)?;
                    }
                    15 => {
                        let (index, element) = self.table()?;
                        self.pop(index)?;
                        self.pop(element)?;
                        self.push(index);
                    }
                    16 => {
                        let (index, _) = self.table()?;
                        self.push(index);
                    }
                    17 => {
                        let (index, element) = self.table()?;
                        self.pop(index)?;
                        self.pop(element)?;
                        self.pop(index)?;
                    }
                    _ => return Err(GiveUp),
                },
                _ => return Err(GiveUp),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast verdict on each defined function of `wat`, a valid module, checked against
    /// wasmparser's: a body the fast path accepts must be valid.
    fn verdicts(wat: &str) -> Vec<bool> {
        let bytes = wat::parse_str(wat).expect("wat");
        wasmparser::Validator::new_with_features(super::super::features())
            .validate_all(&bytes)
            .expect("a valid module");
        verdicts_of(&bytes)
    }

    fn verdicts_of(bytes: &[u8]) -> Vec<bool> {
        let mut validator = wasmparser::Validator::new_with_features(super::super::features());
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            let Ok(payload) = payload else { break };
            let Ok(valid) = validator.payload(&payload) else {
                break;
            };
            if let wasmparser::ValidPayload::Func(func, body) = valid {
                let fast = validate(&func, body.as_bytes(), &mut scratch).is_ok();
                let slow = func
                    .into_validator(Default::default())
                    .validate(&body)
                    .is_ok();
                assert!(!fast || slow, "the fast path accepted an invalid body");
                out.push(fast);
            }
        }
        out
    }

    #[test]
    fn plain_code_is_accepted() {
        let v = verdicts(
            r#"(module (memory 1) (global $g (mut i64) (i64.const 0)) (table 1 funcref)
              (type $t (func (param i32) (result i32)))
              (func $f (param i32) (result i32)
                (local i64 f32 f64 externref)
                (block $b (result i32)
                  (loop $l
                    (br_if $l (i32.eqz (local.get 0)))
                    (br_table $b $b (i32.const 7) (local.get 0)))
                  (unreachable))
                (i64.store offset=8 (i32.const 0) (i64.extend_i32_u))
                (global.set $g (i64.load (i32.const 0)))
                (drop (call_indirect (type $t) (i32.const 1) (i32.const 0)))
                (select (i32.const 1) (i32.const 2) (local.get 0))
                (i32.trunc_sat_f64_s (f64.const 1.5)) (i32.add)
                (if (result i32) (i32.const 1) (then (i32.const -1)) (else (i32.const 5)))
                (i32.add)
                (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))
                (drop (ref.is_null (local.get 4)))
                (return_call $f))
              (func (result i32 i64) (i32.const 1) (i64.const -9223372036854775808)
                (block (param i32 i64) (result i32 i64)))
              (func (param i32) (result i32)
                (if (local.get 0) (then (return (i32.const 3))))
                (unreachable) (i32.add) (select)))"#,
        );
        assert_eq!(v, vec![true, true, true]);
    }

    #[test]
    fn invalid_bodies_are_left_to_wasmparser() {
        // Each is invalid; the check in `verdicts` is that none is accepted.
        for body in [
            "(func (result i32) (i64.const 0))",
            "(func (i32.const 0))",
            "(func (drop))",
            "(func (result i32) (block (result i32) (br 0 (i64.const 1))))",
            "(func (local i32) (local.set 1 (i32.const 0)))",
            "(func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1))))",
            "(func (global.set 0 (i32.const 1)))",
            "(func (unreachable) (select (ref.null func) (i32.const 1) (i32.const 1)))",
            "(func (block $a (result i32) (block $b (result i64) \
               (br_table $a $b (i32.const 0) (i32.const 0)))) (drop))",
            "(func (param i32) (i32.load align=8 (local.get 0)) (drop))",
            "(func (result i32) (return_call 0))",
        ] {
            let wat = format!("(module (memory 1) (global i32 (i32.const 0)) {body})");
            let bytes = wat::Parser::new().parse_str(None, &wat);
            // Some of these wat itself refuses; the rest reach the validators.
            if let Ok(bytes) = bytes {
                verdicts_of(&bytes);
            }
        }
    }

    #[test]
    fn what_it_does_not_know_is_left_to_wasmparser() {
        let v = verdicts(
            r#"(module (memory 1) (memory $m 1)
              (func (drop (i32x4.splat (i32.const 1))))
              (func (drop (i32.load $m (i32.const 0))))
              (func (drop (i32.atomic.load (i32.const 0))))
              (func (table.copy (i32.const 0) (i32.const 0) (i32.const 0))) (table 1 funcref))"#,
        );
        assert_eq!(v, vec![false, false, false, false]);
    }

    #[test]
    fn leb128_edges_are_exact() {
        // A padded but valid 5-byte LEB, and two invalid ones (a sixth byte; unused bits set).
        let module = |leb: &[u8]| {
            let mut body = vec![0x00, 0x41];
            body.extend_from_slice(leb);
            body.extend_from_slice(&[0x1A, 0x0B]);
            let mut m = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0\x0a".to_vec();
            m.push(body.len() as u8 + 2);
            m.push(1);
            m.push(body.len() as u8);
            m.extend_from_slice(&body);
            m
        };
        assert_eq!(
            verdicts_of(&module(&[0x81, 0x80, 0x80, 0x80, 0x00])),
            [true]
        );
        assert_eq!(
            verdicts_of(&module(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F])),
            [true]
        );
        assert_eq!(
            verdicts_of(&module(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00])),
            [false]
        );
        verdicts_of(&module(&[0x80, 0x80, 0x80, 0x80, 0x10]));
        verdicts_of(&module(&[0xFF, 0xFF, 0xFF, 0xFF, 0x4F]));
    }
}
